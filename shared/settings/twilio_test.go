package settings_test

import (
	"strings"
	"testing"

	"github.com/mayday/mayday/shared/settings"
)

func TestTwilioTarget(t *testing.T) {
	for _, tc := range []struct {
		in, client, number string
		ok                 bool
	}{
		{"client:security-desk", "security-desk", "", true},
		{"+14255559999", "", "+14255559999", true},
		{"+1 (425) 555-9999", "", "+14255559999", true},
		{"security-desk", "", "", false},
		{"client:", "", "", false},
		{"client:security desk", "", "", false},
		{"911", "", "", false},
		{"", "", "", false},
	} {
		client, number, err := settings.TwilioTarget(tc.in)
		if client != tc.client || number != tc.number || (err == nil) != tc.ok {
			t.Errorf("TwilioTarget(%q) = %q, %q, %v", tc.in, client, number, err)
		}
	}
}

// With a Twilio account, the fallback must be dialable and a default
// caller ID set; without one, nothing is required.
func TestCheckTwilio(t *testing.T) {
	const sid = "AC0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		name string
		env  settings.Lookup
		want []string // each in the error; none: no error
	}{
		{"no Twilio account", env(), nil},
		{"no Twilio account, any fallback", env("MAYDAY_CALLBACK_FALLBACK", "desk"), nil},
		{"account, defaults", env("MAYDAY_TWILIO_ACCOUNT_SID", sid), []string{"MAYDAY_CALLBACK_FALLBACK=\"security-desk\"",
			"context callbackFallback", "MAYDAY_DEFAULT_CALLER_ID (context defaultCallerId) is not set"}},
		{"account, client fallback, no caller ID", env("MAYDAY_TWILIO_ACCOUNT_SID", sid, "MAYDAY_CALLBACK_FALLBACK", "client:desk"),
			[]string{"MAYDAY_DEFAULT_CALLER_ID"}},
		{"account, all set", env("MAYDAY_TWILIO_ACCOUNT_SID", sid, "MAYDAY_CALLBACK_FALLBACK", "+14255559999",
			"MAYDAY_DEFAULT_CALLER_ID", "US=+12065550100"), nil},
		{"a plain token configures Twilio too", env("MAYDAY_TWILIO_AUTH_TOKEN", "tok"), []string{"MAYDAY_CALLBACK_FALLBACK"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := settings.CheckTwilio(tc.env)
			if len(tc.want) == 0 && err != nil {
				t.Fatalf("err = %v", err)
			}
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to contain %q", err, w)
				}
			}
		})
	}
}
