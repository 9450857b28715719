package httpapi_test

import (
	"bytes"
	"encoding/hex"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/webhooksecret"
)

// TestVerifyComparesWholeMAC: Verify decodes the hex signature and compares
// it with hmac.Equal (crypto/subtle underneath), so the time it takes does not
// depend on how many leading bytes match and the MAC cannot be guessed a byte
// at a time. Timing is too noisy to assert in a unit test; what is asserted is
// the behaviour a shortcut comparison gets wrong: a correct prefix with a
// wrong tail, a truncated or extended signature, and an empty one all fail.
func TestVerifyComparesWholeMAC(t *testing.T) {
	secret := []byte("s3cret")
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"type":"call.ended","callId":"c-1","occurredAt":"2026-11-22T21:00:00Z"}`)
	good := webhooksecret.Sign(secret, now, body)
	ts, sig, _ := strings.Cut(good, ",v1=")
	raw, _ := hex.DecodeString(sig)
	flipLast := append([]byte{}, raw...)
	flipLast[len(flipLast)-1] ^= 1
	flipFirst := append([]byte{}, raw...)
	flipFirst[0] ^= 0x80
	other := webhooksecret.Sign(secret, now, append(body, ' '))
	tests := []struct {
		name, v1 string
		ok       bool
	}{
		{"exact", sig, true},
		{"upper-case hex, same bytes", strings.ToUpper(sig), true},
		{"right prefix, wrong last byte", hex.EncodeToString(flipLast), false},
		{"wrong first byte, right tail", hex.EncodeToString(flipFirst), false},
		{"right prefix, last hex digit changed", sig[:63] + string("10"[sig[63]&1]), false},
		{"truncated by one byte", sig[:62], false},
		{"only the first half", sig[:32], false},
		{"one byte", sig[:2], false},
		{"extended by one byte", sig + "00", false},
		{"doubled", sig + sig, false},
		{"empty", "", false},
		{"all zero", strings.Repeat("00", 32), false},
		{"odd length", sig[:63], false},
		{"another body's MAC", other[strings.Index(other, "v1=")+3:], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := webhooksecret.Verify(secret, ts+",v1="+tt.v1, body, now); (err == nil) != tt.ok {
				t.Fatalf("Verify(v1=%s) = %v, want ok=%v", tt.v1, err, tt.ok)
			}
		})
	}
}

// TestReplayWindow: a signature is accepted within MaxSignatureAge either
// side of now (clock skew) and refused beyond it, both ways. What the window
// does not stop, a replay inside it, is harmless: every webhook is idempotent.
func TestReplayWindow(t *testing.T) {
	secret := []byte("s3cret")
	signedAt := time.Unix(1_800_000_000, 0)
	body := []byte(`{"type":"call.ended","callId":"c-1","occurredAt":"2026-11-22T21:00:00Z"}`)
	good := webhooksecret.Sign(secret, signedAt, body)
	w := webhooksecret.MaxSignatureAge
	tests := []struct {
		name   string
		header string
		at     time.Time
		ok     bool
	}{
		{"exactly 5 minutes old", good, signedAt.Add(w), true},
		{"5 minutes and 1 second old", good, signedAt.Add(w + time.Second), false},
		{"an hour old", good, signedAt.Add(time.Hour), false},
		{"4 minutes ahead of our clock", good, signedAt.Add(-4 * time.Minute), true},
		{"exactly 5 minutes ahead", good, signedAt.Add(-w), true},
		{"5 minutes and 1 second ahead", good, signedAt.Add(-w - time.Second), false},
		{"signed in the year 3000", webhooksecret.Sign(secret, time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), body), signedAt, false},
		{"t=0", webhooksecret.Sign(secret, time.Unix(0, 0), body), signedAt, false},
		{"negative t", webhooksecret.Sign(secret, time.Unix(-1_800_000_000, 0), body), signedAt, false},
		{"t overflows int64", "t=99999999999999999999," + good[strings.Index(good, "v1="):], signedAt, false},
		{"t with a sign, MAC of the digits", "t=+1800000000," + good[strings.Index(good, "v1="):], signedAt, false},
		{"t with leading zero, MAC of the digits", "t=01800000000," + good[strings.Index(good, "v1="):], signedAt, false},
		{"fresh t spliced onto an old MAC", "t=" + strconv.FormatInt(signedAt.Add(time.Hour).Unix(), 10) + "," + good[strings.Index(good, "v1="):],
			signedAt.Add(time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := webhooksecret.Verify(secret, tt.header, body, tt.at); (err == nil) != tt.ok {
				t.Fatalf("Verify(%s) at %d = %v, want ok=%v", tt.header, tt.at.Unix(), err, tt.ok)
			}
		})
	}

	// Over HTTP, both directions answer 401.
	h := fuzzHandler()
	ended := `{"type":"call.ended","callId":"c-replay","occurredAt":"2026-11-22T21:00:00Z"}`
	for _, skew := range []time.Duration{-w - 10*time.Second, w + 10*time.Second} {
		req := httptest.NewRequest("POST", "/v1/telephony/events", strings.NewReader(ended))
		req.Header.Set(webhooksecret.SignatureHeader, webhooksecret.Sign(fuzzSecret, time.Now().Add(skew), []byte(ended)))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 401 || !strings.Contains(rec.Body.String(), "window") {
			t.Errorf("signed %v from now: %d %s, want 401", skew, rec.Code, rec.Body)
		}
	}
}

// sized returns a JSON object of exactly n bytes: head, a padding field, "}.
func sized(t *testing.T, head string, n int) []byte {
	t.Helper()
	// Padded with whitespace, not a field: the admin routes refuse unknown
	// fields.
	b := []byte(head + strings.Repeat(" ", n-len(head)-1) + `}`)
	if len(b) != n {
		t.Fatalf("sized: %d bytes, want %d", len(b), n)
	}
	return b
}

// TestBodyLimit: exactly MaxBody (64 KiB) is accepted and one byte more is
// 413, whether the length is declared (Content-Length) or only discovered
// while reading (chunked), on a signed route and an admin route.
func TestBodyLimit(t *testing.T) {
	if httpapi.MaxBody != 64<<10 {
		t.Fatalf("MaxBody = %d, want 64 KiB", httpapi.MaxBody)
	}
	h := fuzzHandler()
	routes := []struct {
		method, path, head string
		signed             bool
	}{
		{"POST", "/v1/telephony/events", `{"type":"call.ended","callId":"c-big","occurredAt":"2026-11-22T21:00:00Z"`, true},
		{"POST", "/v1/telephony/inbound", `{"callId":"c-big-in","from":"+14255550199","to":"+14255550001"`, true},
		{"PUT", "/v1/agents/a-big", `{"name":"Ada","email":"ada@example.com"`, false},
	}
	for _, r := range routes {
		for _, n := range []int{httpapi.MaxBody - 1, httpapi.MaxBody, httpapi.MaxBody + 1, 4 * httpapi.MaxBody} {
			for _, chunked := range []bool{false, true} {
				body := sized(t, r.head, n)
				req := httptest.NewRequest(r.method, r.path, bytes.NewReader(body))
				if chunked {
					req.ContentLength = -1
				}
				if r.signed {
					req.Header.Set(webhooksecret.SignatureHeader, webhooksecret.Sign(fuzzSecret, time.Now(), body))
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				want := 200
				if n > httpapi.MaxBody {
					want = 413
				}
				if rec.Code != want {
					t.Errorf("%s %s, %d bytes (chunked %v): %d %s, want %d", r.method, r.path, n, chunked, rec.Code, rec.Body, want)
				}
			}
		}
	}
}
