package main

import (
	"strings"
	"testing"
)

// TestTwilioFallbackCommand: with the deployment's settings, -part callback
// prints the pool numbers' TwiML Bin, -part app the TwiML App's Twilio
// Function, neither both; a setting Twilio cannot use is refused.
func TestTwilioFallbackCommand(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		fallback string
		code     int
		want     []string
		not      []string
	}{
		{"both", nil, "client:security-desk", 0, []string{"<Client>security-desk</Client>", "exports.handler", `"9911"`}, nil},
		{"callback", []string{"-part", "callback"}, "+14255559999", 0, []string{`timeout="30"`, `<Number>+14255559999</Number></Dial>`}, []string{"exports.handler"}},
		{"app", []string{"-part", "app"}, "+14255559999", 0, []string{"exports.handler", "https://example.com/ordinary", `callerId=\"+12065550100\"`}, []string{"TwiML Bin"}},
		{"an undialable fallback", []string{"-part", "callback"}, "security-desk", 1, nil, []string{"<Response>"}},
		{"an unknown part", []string{"-part", "both"}, "+14255559999", 2, nil, []string{"<Response>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("MAYDAY_CALLBACK_FALLBACK", tc.fallback)
			t.Setenv("MAYDAY_DEFAULT_CALLER_ID", "US=+12065550100")
			t.Setenv("MAYDAY_DIAL_PREFIX", "9")
			t.Setenv("MAYDAY_TWILIO_ORDINARY_URL", "https://example.com/ordinary")
			code, stdout, stderr := runCLI(t, append([]string{"twilio-fallback"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tc.code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("output lacks %s:\n%s", w, stdout)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(stdout, n) {
					t.Errorf("output has %s:\n%s", n, stdout)
				}
			}
		})
	}
}
