package httpapi_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
	"github.com/mayday/mayday/shared/webhooksecret"
)

// TestSecretRotationWindow: after a rotation, a webhook signed with the
// previous secret is accepted for the overlap and refused after it; one
// signed with the current secret is always accepted; a secret that cannot
// be read is a retryable 503, never a 401.
func TestSecretRotationWindow(t *testing.T) {
	rotated := time.Now().Add(-time.Minute)
	now := time.Now()
	var fetchErr error
	source := &webhooksecret.Rotating{
		Fetch: func(context.Context) (webhooksecret.Versions, error) {
			return webhooksecret.Versions{Current: []byte("new"), Since: rotated, Previous: []byte("old")}, fetchErr
		},
		Overlap: time.Hour,
		Now:     func() time.Time { return now },
	}
	uc, err := mayday.NewUseCases(inmem.NewStore(), nopBus{}, inmem.NewOutbox(mayday.SystemClock{}),
		mayday.Options{Config: settings.Defaults()})
	if err != nil {
		t.Fatal(err)
	}
	api := httpapi.ForUseCases(uc)
	api.Secrets = source.Source()
	h := mustHandler(t, api, httpapi.FnCallbackRouting)
	body := `{"callId":"c-9","from":"+14255550199","to":"+14255550123"}`
	post := func(key string) int {
		hdr := map[string]string{webhooksecret.SignatureHeader: webhooksecret.Sign([]byte(key), time.Now(), []byte(body))}
		return do(h, "POST", "/v1/telephony/inbound", body, hdr).Code
	}
	for _, tc := range []struct {
		name  string
		at    time.Time
		key   string
		wants int
	}{
		{"current inside the window", rotated.Add(time.Minute), "new", 200},
		{"previous inside the window", rotated.Add(59 * time.Minute), "old", 200},
		{"previous after the window", rotated.Add(time.Hour), "old", 401},
		{"current after the window", rotated.Add(48 * time.Hour), "new", 200},
		{"never a secret", rotated.Add(time.Minute), "other", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now = tc.at
			if got := post(tc.key); got != tc.wants {
				t.Errorf("status %d, want %d", got, tc.wants)
			}
		})
	}

	fresh := &webhooksecret.Rotating{Fetch: func(context.Context) (webhooksecret.Versions, error) {
		return webhooksecret.Versions{}, errors.New("AccessDeniedException")
	}}
	api.Secrets = fresh.Source()
	h = mustHandler(t, api, httpapi.FnCallbackRouting)
	if got := post("new"); got != 503 {
		t.Errorf("secret unreadable: status %d, want 503 (the platform retries; the 5xx alarm fires)", got)
	}
}
