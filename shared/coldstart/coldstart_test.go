package coldstart_test

import (
	"strings"
	"testing"

	"github.com/mayday/mayday/shared/coldstart"
)

func TestRead(t *testing.T) {
	for _, tc := range []struct {
		name     string
		function string
		env      map[string]string
		wantErr  []string // each must appear in the error; none: it starts
	}{
		{"lease allocation", "callback-lease-allocation", map[string]string{"MAYDAY_TABLE": "t", "MAYDAY_BUS": "b"}, nil},
		{"missing table and bus", "callback-lease-allocation", map[string]string{}, []string{"MAYDAY_TABLE", "MAYDAY_BUS"}},
		{"webhook with a secret ARN", "dial-detection",
			map[string]string{"MAYDAY_TABLE": "t", "MAYDAY_BUS": "b", "MAYDAY_WEBHOOK_SECRET_ARN": "arn:x"}, nil},
		{"webhook with a plain secret", "priority-callback-routing",
			map[string]string{"MAYDAY_TABLE": "t", "MAYDAY_BUS": "b", "MAYDAY_WEBHOOK_SECRET": "s"}, nil},
		{"webhook with no secret", "dial-detection", map[string]string{"MAYDAY_TABLE": "t", "MAYDAY_BUS": "b"},
			[]string{"MAYDAY_WEBHOOK_SECRET_ARN"}},
		{"webhook with Twilio configured", "dial-detection", map[string]string{"MAYDAY_TABLE": "t", "MAYDAY_BUS": "b",
			"MAYDAY_WEBHOOK_SECRET": "s", "MAYDAY_TWILIO_AUTH_TOKEN_ARN": "arn:y", "MAYDAY_TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef",
			"MAYDAY_TWILIO_ORDINARY_URL": "https://voice.example.com/twiml", "MAYDAY_CALLBACK_FALLBACK": "client:security-desk",
			"MAYDAY_DEFAULT_CALLER_ID": "US=+12065550100"}, nil},
		{"Twilio configured with the default fallback and no default caller ID", "priority-callback-routing", map[string]string{
			"MAYDAY_TABLE": "t", "MAYDAY_BUS": "b", "MAYDAY_WEBHOOK_SECRET": "s", "MAYDAY_TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef"},
			[]string{"MAYDAY_CALLBACK_FALLBACK=\"security-desk\"", "E.164", "MAYDAY_DEFAULT_CALLER_ID (context defaultCallerId) is not set"}},
		{"Twilio configured with a number as the fallback", "dial-detection", map[string]string{
			"MAYDAY_TABLE": "t", "MAYDAY_BUS": "b", "MAYDAY_WEBHOOK_SECRET": "s", "MAYDAY_TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef",
			"MAYDAY_CALLBACK_FALLBACK": "+1 (425) 555-9999", "MAYDAY_DEFAULT_CALLER_ID": "GB=+442071230000"}, nil},
		{"Twilio configured with client: and no identity", "dial-detection", map[string]string{
			"MAYDAY_TABLE": "t", "MAYDAY_BUS": "b", "MAYDAY_WEBHOOK_SECRET": "s", "MAYDAY_TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef",
			"MAYDAY_CALLBACK_FALLBACK": "client:", "MAYDAY_DEFAULT_CALLER_ID": "GB=+442071230000"}, []string{"client:<identity>"}},
		{"no Twilio account: any fallback", "priority-callback-routing",
			map[string]string{"MAYDAY_TABLE": "t", "MAYDAY_BUS": "b", "MAYDAY_WEBHOOK_SECRET": "s", "MAYDAY_CALLBACK_FALLBACK": "security-desk"}, nil},
		{"a function that serves no Twilio route starts without", "lease-expiry",
			map[string]string{"MAYDAY_TABLE": "t", "MAYDAY_BUS": "b", "MAYDAY_TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef"}, nil},
		{"malformed Twilio settings", "priority-callback-routing", map[string]string{"MAYDAY_TABLE": "t", "MAYDAY_BUS": "b",
			"MAYDAY_WEBHOOK_SECRET": "s", "MAYDAY_TWILIO_ACCOUNT_SID": "AC123", "MAYDAY_TWILIO_ORDINARY_URL": "/twiml"},
			[]string{"MAYDAY_TWILIO_ACCOUNT_SID", "MAYDAY_TWILIO_ORDINARY_URL"}},
		{"negative rotation overlap", "dial-detection",
			map[string]string{"MAYDAY_TABLE": "t", "MAYDAY_BUS": "b", "MAYDAY_WEBHOOK_SECRET": "s", "MAYDAY_WEBHOOK_SECRET_OVERLAP": "-1h"},
			[]string{"MAYDAY_WEBHOOK_SECRET_OVERLAP"}},
		{"no rotation overlap", "priority-callback-routing",
			map[string]string{"MAYDAY_TABLE": "t", "MAYDAY_BUS": "b", "MAYDAY_WEBHOOK_SECRET": "s", "MAYDAY_WEBHOOK_SECRET_OVERLAP": "0s"}, nil},
		{"malformed domain setting", "presence-restore", map[string]string{"MAYDAY_TABLE": "t", "MAYDAY_CALLBACK_LEASE": "soon"},
			[]string{"MAYDAY_CALLBACK_LEASE"}},
		{"email without a sender falls back to the default", "email-notification", map[string]string{"MAYDAY_ESCALATION_GROUP": "g", "MAYDAY_ESCALATION_FUNCTION_ARN": "arn:f", "MAYDAY_ESCALATION_ROLE_ARN": "arn:r", "MAYDAY_ESCALATION_DLQ_ARN": "arn:q", "MAYDAY_TABLE": "t", "MAYDAY_RECORD_TABLE": "r",
			"MAYDAY_ALERT_SECRET_ARN": "arn:a", "MAYDAY_ALERT_WEBHOOK_SECRET_ARN": "arn:w"}, nil},
		{"email without the record table", "email-notification", map[string]string{"MAYDAY_TABLE": "t",
			"MAYDAY_ALERT_SECRET_ARN": "arn:a", "MAYDAY_ALERT_WEBHOOK_SECRET_ARN": "arn:w"}, []string{"MAYDAY_RECORD_TABLE"}},
		{"email without the alert keys", "email-notification", map[string]string{"MAYDAY_TABLE": "t", "MAYDAY_RECORD_TABLE": "r"},
			[]string{"MAYDAY_ALERT_SECRET_ARN", "MAYDAY_ALERT_WEBHOOK_SECRET_ARN"}},
		{"email with the alert keys themselves and an SMS number", "email-notification", map[string]string{"MAYDAY_ESCALATION_GROUP": "g", "MAYDAY_ESCALATION_FUNCTION_ARN": "arn:f", "MAYDAY_ESCALATION_ROLE_ARN": "arn:r", "MAYDAY_ESCALATION_DLQ_ARN": "arn:q", "MAYDAY_TABLE": "t", "MAYDAY_RECORD_TABLE": "r",
			"MAYDAY_ALERT_SECRET": "a", "MAYDAY_ALERT_WEBHOOK_SECRET": "w", "MAYDAY_SMS_ORIGINATION": "+12065550199"}, nil},
		{"email with a malformed SMS origination", "email-notification", map[string]string{"MAYDAY_TABLE": "t", "MAYDAY_RECORD_TABLE": "r",
			"MAYDAY_ALERT_SECRET": "a", "MAYDAY_ALERT_WEBHOOK_SECRET": "w", "MAYDAY_SMS_ORIGINATION": "my phone"}, []string{"MAYDAY_SMS_ORIGINATION"}},
		{"email with an alert base URL that is not one", "email-notification", map[string]string{"MAYDAY_TABLE": "t", "MAYDAY_RECORD_TABLE": "r",
			"MAYDAY_ALERT_SECRET": "a", "MAYDAY_ALERT_WEBHOOK_SECRET": "w", "MAYDAY_ALERT_BASE_URL": "desk"}, []string{"MAYDAY_ALERT_BASE_URL"}},
		{"email without the escalation schedule's group, target, role and dead-letter queue", "email-notification", map[string]string{"MAYDAY_TABLE": "t",
			"MAYDAY_RECORD_TABLE": "r", "MAYDAY_ALERT_SECRET": "a", "MAYDAY_ALERT_WEBHOOK_SECRET": "w"},
			[]string{"MAYDAY_ESCALATION_GROUP", "MAYDAY_ESCALATION_FUNCTION_ARN", "MAYDAY_ESCALATION_ROLE_ARN", "MAYDAY_ESCALATION_DLQ_ARN"}},
		{"alert page", "alert-ack", map[string]string{"MAYDAY_TABLE": "t", "MAYDAY_ALERT_SECRET_ARN": "arn:a",
			"MAYDAY_ESCALATION_GROUP": "g"}, nil},
		{"alert page without its key", "alert-ack", map[string]string{"MAYDAY_TABLE": "t", "MAYDAY_ESCALATION_GROUP": "g"},
			[]string{"MAYDAY_ALERT_SECRET_ARN"}},
		{"emergency record", "emergency-record", map[string]string{"MAYDAY_RECORD_TABLE": "r"}, nil},
		{"emergency record with a bad retention", "emergency-record", map[string]string{"MAYDAY_RECORD_TABLE": "r",
			"MAYDAY_RECORD_RETENTION": "forever"}, []string{"MAYDAY_RECORD_RETENTION"}},
		{"undeclared function", "nope", map[string]string{"MAYDAY_TABLE": "t"}, []string{"no settings declared"}},
		{"presence push on TaskRouter", "presence-push", map[string]string{"MAYDAY_TABLE": "t", "MAYDAY_PRESENCE_PLATFORM": "taskrouter",
			"MAYDAY_TWILIO_AUTH_TOKEN_ARN": "arn:x"}, nil},
		{"presence push on TaskRouter without the token", "presence-push", map[string]string{"MAYDAY_TABLE": "t",
			"MAYDAY_PRESENCE_PLATFORM": "taskrouter"}, []string{"MAYDAY_TWILIO_AUTH_TOKEN_ARN"}},
		{"presence push on the webhook without its secret", "presence-push", map[string]string{"MAYDAY_TABLE": "t",
			"MAYDAY_PRESENCE_PLATFORM": "webhook"}, []string{"MAYDAY_PRESENCE_SECRET_ARN"}},
		{"presence push on Connect", "presence-push", map[string]string{"MAYDAY_TABLE": "t", "MAYDAY_PRESENCE_PLATFORM": "connect",
			"MAYDAY_CONNECT_INSTANCE_ARN":  "arn:aws:connect:us-west-2:111122223333:instance/aaaaaaaa-bbbb-cccc-dddd-111111111111",
			"MAYDAY_CONNECT_DND_STATUS_ID": "22222222-bbbb-4bbb-8bbb-222222222222"}, nil},
		{"presence push on Connect with a bad instance ARN", "presence-push", map[string]string{"MAYDAY_TABLE": "t",
			"MAYDAY_PRESENCE_PLATFORM": "connect", "MAYDAY_CONNECT_INSTANCE_ARN": "instance/1"}, []string{"MAYDAY_CONNECT_INSTANCE_ARN"}},
		{"presence push on an unknown platform", "presence-push", map[string]string{"MAYDAY_TABLE": "t",
			"MAYDAY_PRESENCE_PLATFORM": "genesys"}, []string{"MAYDAY_PRESENCE_PLATFORM"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := coldstart.Read(tc.function, func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("err = %v, want it to start", err)
				}
				if f.Options.Config.Lease <= 0 {
					t.Fatalf("no configuration read: %+v", f.Options.Config)
				}
				return
			}
			for _, w := range tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to name %s", err, w)
				}
			}
		})
	}
}
