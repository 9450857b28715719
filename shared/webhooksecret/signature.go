package webhooksecret

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries the webhook signature:
// t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>.
const SignatureHeader = "X-Mayday-Signature"

// MaxSignatureAge is the replay window.
const MaxSignatureAge = 5 * time.Minute

var errSignature = errors.New("signature")

// Sign returns the header value for body signed at t.
func Sign(secret []byte, t time.Time, body []byte) string {
	return fmt.Sprintf("t=%d,v1=%s", t.Unix(), hex.EncodeToString(mac(secret, strconv.FormatInt(t.Unix(), 10), body)))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a signature header against body at now. Several v1 values
// are accepted so that a secret can be rotated without downtime.
func Verify(secret []byte, header string, body []byte, now time.Time) error {
	if header == "" {
		return fmt.Errorf("%w: missing %s header", errSignature, SignatureHeader)
	}
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%w: malformed %s header", errSignature, SignatureHeader)
		}
		switch k {
		case "t":
			if ts != "" {
				return fmt.Errorf("%w: %s header has two timestamps", errSignature, SignatureHeader)
			}
			ts = v
		case "v1":
			if sig, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, sig)
			}
		}
	}
	// Only the form Sign writes: ParseInt alone would take "+1800000000" or
	// "01800000000", other strings than the one the MAC covers for the same
	// time.
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err == nil && strconv.FormatInt(sec, 10) != ts {
		err = errors.New("not in canonical form")
	}
	if err != nil || len(sigs) == 0 {
		return fmt.Errorf("%w: %s header needs t=<unix seconds>,v1=<hex>", errSignature, SignatureHeader)
	}
	if age := now.Sub(time.Unix(sec, 0)); age > MaxSignatureAge || age < -MaxSignatureAge {
		return fmt.Errorf("%w: timestamp outside the %s window", errSignature, MaxSignatureAge)
	}
	want := mac(secret, ts, body)
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			return nil
		}
	}
	return fmt.Errorf("%w: signature does not match", errSignature)
}

// VerifyAny accepts a signature made with any of secrets (the current one
// and, during a rotation window, the previous one); empty secrets never
// verify.
func VerifyAny(secrets [][]byte, header string, body []byte, now time.Time) error {
	err := fmt.Errorf("%w: webhook secret not configured", errSignature)
	for _, s := range secrets {
		if len(s) == 0 {
			continue
		}
		if err = Verify(s, header, body, now); err == nil {
			return nil
		}
	}
	return err
}
