package presenceplatform_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/connect"

	"github.com/mayday/mayday/shared/amazonconnect/agentstatus"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/presenceplatform"
	"github.com/mayday/mayday/shared/presencewebhook"
	"github.com/mayday/mayday/shared/settings"
	"github.com/mayday/mayday/shared/taskrouter"
	"github.com/mayday/mayday/shared/testkit/presencetest"
	"github.com/mayday/mayday/shared/webhooksecret"
)

func TestNew(t *testing.T) {
	tr := map[string]string{"MAYDAY_PRESENCE_PLATFORM": "taskrouter", "MAYDAY_TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef",
		"MAYDAY_TASKROUTER_WORKSPACE_SID":    "WS0123456789abcdef0123456789abcdef",
		"MAYDAY_TASKROUTER_DND_ACTIVITY_SID": "WA0123456789abcdef0123456789abcdef", "MAYDAY_TWILIO_AUTH_TOKEN_ARN": "arn:token"}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	cn := map[string]string{"MAYDAY_PRESENCE_PLATFORM": "connect",
		"MAYDAY_CONNECT_INSTANCE_ARN":  "arn:aws:connect:us-west-2:111122223333:instance/aaaaaaaa-bbbb-cccc-dddd-111111111111",
		"MAYDAY_CONNECT_DND_STATUS_ID": "22222222-bbbb-4bbb-8bbb-222222222222"}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string // "none", "taskrouter", "webhook", "connect" or an error's text
		arn  string // the secret ARN read
	}{
		{"none", map[string]string{}, "none", ""},
		{"taskrouter", tr, "taskrouter", "arn:token"},
		{"taskrouter with a plain token", with(tr, "MAYDAY_TWILIO_AUTH_TOKEN_ARN", "", "MAYDAY_TWILIO_AUTH_TOKEN", "abc"), "taskrouter", ""},
		{"taskrouter without a token", with(tr, "MAYDAY_TWILIO_AUTH_TOKEN_ARN", ""), "MAYDAY_TWILIO_AUTH_TOKEN", ""},
		{"taskrouter without a workspace", with(tr, "MAYDAY_TASKROUTER_WORKSPACE_SID", ""), "workspace", "arn:token"},
		{"webhook", map[string]string{"MAYDAY_PRESENCE_PLATFORM": "webhook", "MAYDAY_PRESENCE_WEBHOOK_URL": "https://example.com/presence",
			"MAYDAY_PRESENCE_SECRET_ARN": "arn:presence", "MAYDAY_WEBHOOK_SECRET_ARN": "arn:hmac"}, "webhook", "arn:presence"},
		// The inbound webhooks' key never signs a notice: the receiver would
		// hold the key that signs dials.
		{"webhook with the webhook secret only", map[string]string{"MAYDAY_PRESENCE_PLATFORM": "webhook", "MAYDAY_PRESENCE_WEBHOOK_URL": "https://example.com/presence",
			"MAYDAY_WEBHOOK_SECRET_ARN": "arn:hmac", "MAYDAY_WEBHOOK_SECRET": "s"}, "MAYDAY_PRESENCE_SECRET", ""},
		{"webhook without a URL", map[string]string{"MAYDAY_PRESENCE_PLATFORM": "webhook", "MAYDAY_PRESENCE_SECRET": "s"}, "URL", ""},
		{"connect", cn, "connect", ""},
		{"connect without its Do Not Disturb status", with(cn, "MAYDAY_CONNECT_DND_STATUS_ID", ""), "Do Not Disturb", ""},
		{"connect with a bad instance ARN", with(cn, "MAYDAY_CONNECT_INSTANCE_ARN", "arn:aws:s3:::bucket"), "instance ARN", ""},
		{"unknown platform", map[string]string{"MAYDAY_PRESENCE_PLATFORM": "genesys"}, "not available", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var read string
			var clients int
			p, err := presenceplatform.New(func(s settings.Setting) string { return tc.env[s.Env] },
				func(arn string) presenceplatform.Secret {
					read = arn
					return func(context.Context) ([][]byte, error) { return nil, errors.New("unused") }
				}, func() agentstatus.API {
					clients++
					return connect.New(connect.Options{Region: "us-west-2"}) // never called
				})
			got := "none"
			switch p.(type) {
			case *taskrouter.Platform:
				got = "taskrouter"
			case *presencewebhook.Platform:
				got = "webhook"
			case *agentstatus.Statuses:
				got = "connect"
			}
			if wantClient := tc.env["MAYDAY_PRESENCE_PLATFORM"] == "connect"; (clients > 0) != wantClient {
				t.Errorf("Connect client built %d times for %s", clients, tc.env["MAYDAY_PRESENCE_PLATFORM"])
			}
			if err != nil {
				if !errors.Is(err, mayday.ErrMissingDependency) && !errors.Is(err, mayday.ErrInvalid) {
					t.Errorf("error %v is neither a missing dependency nor invalid", err)
				}
				got = err.Error()
			}
			if got != tc.want && !(err != nil && strings.Contains(got, tc.want)) {
				t.Fatalf("New = %s, want %s", got, tc.want)
			}
			if read != tc.arn {
				t.Errorf("secret read from %q, want %q", read, tc.arn)
			}
		})
	}
}

// The platform New builds from plain settings talks to the fake as the
// contract suite expects.
func TestBuiltPlatformWorks(t *testing.T) {
	f := presencetest.NewReceiver(t, []byte("local-secret"))
	f.AddAgent("a-1", presencetest.StatusAvailable)
	env := map[string]string{"MAYDAY_PRESENCE_PLATFORM": "webhook", "MAYDAY_PRESENCE_WEBHOOK_URL": f.URL,
		"MAYDAY_PRESENCE_SECRET": "local-secret", "MAYDAY_WEBHOOK_SECRET": "webhook-secret"}
	p, err := presenceplatform.New(func(s settings.Setting) string { return env[s.Env] }, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if prev, err := p.DoNotDisturb(context.Background(), "a-1"); err != nil || prev != presencetest.StatusAvailable {
		t.Fatalf("DoNotDisturb = %q, %v", prev, err)
	}
}

// A notice is signed with the presence secret, never with the webhook
// secret (what signs dials): the receiver's key cannot sign a dial.
func TestNoticeNotSignedWithTheWebhookSecret(t *testing.T) {
	var header string
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header, body = r.Header.Get(webhooksecret.SignatureHeader), must(io.ReadAll(r.Body))
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	env := map[string]string{"MAYDAY_PRESENCE_PLATFORM": "webhook", "MAYDAY_PRESENCE_WEBHOOK_URL": srv.URL,
		"MAYDAY_PRESENCE_SECRET": "presence-secret", "MAYDAY_WEBHOOK_SECRET": "webhook-secret"}
	p, err := presenceplatform.New(func(s settings.Setting) string { return env[s.Env] }, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DoNotDisturb(context.Background(), "a-1"); err != nil {
		t.Fatal(err)
	}
	if err := webhooksecret.Verify([]byte("presence-secret"), header, body, time.Now()); err != nil {
		t.Errorf("notice not signed with the presence secret: %v", err)
	}
	if err := webhooksecret.Verify([]byte("webhook-secret"), header, body, time.Now()); err == nil {
		t.Error("notice signed with the webhook secret")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
