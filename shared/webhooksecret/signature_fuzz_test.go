package webhooksecret

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

// isHexCaseTwin reports whether a and b are the same hex digit in two cases:
// hex.DecodeString reads both, so the signature bytes are unchanged and such
// a "flip" is not a different signature.
func isHexCaseTwin(a, b byte) bool {
	return a != b && strings.EqualFold(string(a), string(b)) && strings.ContainsRune("abcdefABCDEF", rune(a))
}

func FuzzVerify(f *testing.F) {
	body := []byte(`{"type":"call.ended","callId":"c-1","occurredAt":"2026-11-22T21:00:00Z"}`)
	for _, h := range []string{"", "t=", "v1=", ",,,", "t=1800000000", "v1=00", "t=1,v1=zz", "t=1800000000,v1=" + strings.Repeat("0", 64),
		"t=9999999999999999999,v1=00", "t=-1,v1=00", " t = 1800000000 , v1 = 00 ", "t=0x10,v1=00", "t=+1800000000,v1=00",
		"t=1800000000,t=1,v1=00,v1=", "t=1800000000,v1=" + strings.Repeat("A", 64), "\x00=\xff", "v1=é"} {
		f.Add([]byte("s3cret"), int64(1_800_000_000), body, uint(7), byte(1), h)
	}
	valid := Sign([]byte("s3cret"), time.Unix(1_800_000_000, 0), body)
	for _, h := range []string{valid, "v1=" + strings.ToUpper(valid[len(valid)-64:]) + "," + valid[:len(valid)-68],
		"v1=00," + valid + ",v1=ff", strings.ReplaceAll(valid, ",", " , ")} {
		f.Add([]byte("s3cret"), int64(1_800_000_000), body, uint(2), byte(0x20), h)
	}
	f.Add([]byte{}, int64(0), []byte{}, uint(0), byte(0x20), "t=0,v1=")
	f.Add([]byte("k"), int64(-62135596800), []byte("\xff\xfe"), uint(63), byte(0xff), "t=-62135596800")
	f.Add([]byte("k"), int64(1<<62), []byte(strings.Repeat("x", 4096)), uint(100), byte(0x80), "")
	f.Fuzz(func(t *testing.T, secret []byte, sec int64, body []byte, pos uint, mask byte, header string) {
		at := time.Unix(sec, 0)
		good := Sign(secret, at, body)
		// A fresh signature verifies, at once and up to the edge of the
		// window in both directions (clock skew), and not a second beyond.
		for _, d := range []time.Duration{0, MaxSignatureAge, -MaxSignatureAge} {
			if err := Verify(secret, good, body, at.Add(d)); err != nil {
				t.Fatalf("Verify(Sign(t=%d)) at t%+v: %v", sec, d, err)
			}
		}
		for _, d := range []time.Duration{MaxSignatureAge + time.Second, -MaxSignatureAge - time.Second} {
			if err := Verify(secret, good, body, at.Add(d)); err == nil {
				t.Fatalf("Verify(Sign(t=%d)) accepted at t%+v, outside the replay window", sec, d)
			}
		}
		if mask == 0 {
			mask = 1
		}
		// Any single-byte change of the body fails.
		if len(body) > 0 {
			b := []byte(string(body))
			b[pos%uint(len(b))] ^= mask
			if err := Verify(secret, good, b, at); err == nil {
				t.Fatalf("a changed body verified: %q vs %q", body, b)
			}
		}
		// Any single-byte change of the header fails, the hex signature
		// included, except a hex digit's case (same signature bytes).
		h := []byte(good)
		i := uint(len(h)-64) + (pos/2)%64 // even pos: a byte of the hex signature
		if pos&1 == 1 {
			i = (pos / 2) % uint(len(h)) // odd pos: any byte
		}
		h[i] ^= mask
		if err := Verify(secret, string(h), body, at); err == nil && !isHexCaseTwin(good[i], h[i]) {
			t.Fatalf("a changed header verified: %q vs %q", good, h)
		}
		// Arbitrary headers never panic; every failure is a signature error;
		// a success means the header carries the exact MAC for its (last) t.
		now := at
		err := Verify(secret, header, body, now)
		if err != nil {
			if !errors.Is(err, errSignature) {
				t.Fatalf("Verify(%q) = %v, not a signature error", header, err)
			}
			return
		}
		var ts string
		for _, part := range strings.Split(header, ",") {
			if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok && k == "t" {
				ts = v
			}
		}
		if !strings.Contains(strings.ToLower(header), "v1="+hex.EncodeToString(mac(secret, ts, body))) {
			t.Fatalf("Verify accepted %q, which does not carry the MAC for t=%q", header, ts)
		}
	})
}
