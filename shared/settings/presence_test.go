package settings_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/settings"
)

// Each platform needs its own settings, named with their context keys for
// the CDK app; presence push reads only the chosen platform's.
func TestCheckPresence(t *testing.T) {
	const arn = "arn:aws:connect:us-east-1:111122223333:instance/aaaaaaaa-bbbb-cccc-dddd-111111111111"
	for _, tc := range []struct {
		name    string
		env     settings.Lookup
		missing []string // what the error names; none: no error
	}{
		{"none", env(), nil},
		{"connect without its settings", env("MAYDAY_PRESENCE_PLATFORM", "connect"),
			[]string{"MAYDAY_CONNECT_INSTANCE_ARN (context connectInstanceArn)", "MAYDAY_CONNECT_DND_STATUS_ID (context connectDndStatusId)"}},
		{"connect without the Do Not Disturb status", env("MAYDAY_PRESENCE_PLATFORM", "connect", "MAYDAY_CONNECT_INSTANCE_ARN", arn),
			[]string{"MAYDAY_CONNECT_DND_STATUS_ID"}},
		{"connect", env("MAYDAY_PRESENCE_PLATFORM", "connect", "MAYDAY_CONNECT_INSTANCE_ARN", arn,
			"MAYDAY_CONNECT_DND_STATUS_ID", "22222222-bbbb-4bbb-8bbb-222222222222"), nil},
		{"webhook without its URL", env("MAYDAY_PRESENCE_PLATFORM", "webhook"), []string{"MAYDAY_PRESENCE_WEBHOOK_URL"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := settings.CheckPresence(tc.env)
			if len(tc.missing) == 0 {
				if err != nil {
					t.Fatalf("CheckPresence: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckPresence: no error, want one naming %q", tc.missing)
			}
			for _, m := range tc.missing {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("CheckPresence: %v, want it to name %s", err, m)
				}
			}
		})
	}
	var reads []string
	for _, s := range settings.Reads(functions.PresencePush, env("MAYDAY_PRESENCE_PLATFORM", "connect")) {
		reads = append(reads, s.Env)
	}
	for _, s := range []settings.Setting{settings.ConnectInstanceARN, settings.ConnectDNDStatus, settings.ConnectRoutableStatus} {
		if !slices.Contains(reads, s.Env) {
			t.Errorf("presence push with connect does not read %s", s.Env)
		}
	}
	if slices.Contains(reads, settings.TwilioAuthTokenARN.Env) || slices.Contains(reads, settings.WebhookSecretARN.Env) {
		t.Error("presence push with connect reads another platform's secret")
	}
}
