package webhooksecret

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	secret := []byte("s3cret")
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"type":"call.ended","callId":"c-1","occurredAt":"2026-11-22T21:00:00Z"}`)
	good := Sign(secret, now, body)
	// signedAs signs with the timestamp written as ts: the MAC matches, so
	// only the timestamp's own form can refuse it.
	signedAs := func(ts string) string { return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body)) }
	tests := []struct {
		name   string
		header string
		body   []byte
		at     time.Time
		ok     bool
	}{
		{"valid", good, body, now, true},
		{"valid 4 minutes later", good, body, now.Add(4 * time.Minute), true},
		{"stale: older than 5 minutes", good, body, now.Add(5*time.Minute + time.Second), false},
		{"from the future", good, body, now.Add(-6 * time.Minute), false},
		{"missing", "", body, now, false},
		{"body changed", good, []byte(strings.Replace(string(body), "c-1", "c-2", 1)), now, false},
		{"other secret", Sign([]byte("other"), now, body), body, now, false},
		{"timestamp changed", strings.Replace(good, "t=1800000000", "t=1800000001", 1), body, now, false},
		{"no v1", "t=1800000000", body, now, false},
		{"garbage", "v1", body, now, false},
		{"timestamp with a plus sign", signedAs("+1800000000"), body, now, false},
		{"timestamp with a leading zero", signedAs("01800000000"), body, now, false},
		{"timestamp with spaces", signedAs(" 1800000000"), body, now, false},
		{"negative timestamp", signedAs("-1800000000"), body, now.AddDate(-114, 0, 0), false},
		{"timestamp twice", signedAs("1800000000") + ",t=1800000000", body, now, false},
		{"rotated: second v1 matches", good[:strings.Index(good, "v1=")] + "v1=00ff," + good[strings.Index(good, "v1="):], body, now, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Verify(secret, tt.header, tt.body, tt.at); (err == nil) != tt.ok {
				t.Fatalf("Verify = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}
