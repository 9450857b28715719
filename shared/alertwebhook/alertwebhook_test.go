package alertwebhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/alertwebhook"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/webhooksecret"
)

var (
	now   = time.Date(2026, 11, 22, 21, 0, 5, 0, time.UTC)
	alert = mayday.Alert{ID: mayday.AlertID("c-1", mayday.TierDesk), CallID: "c-1", Tier: mayday.TierDesk,
		At: now.Add(-5 * time.Second), AgentID: "a-1", AgentName: "Ada", DialedNumber: "9-911", EmergencyNumber: "911",
		CallerID: "+14255550001", CallerIDSource: mayday.CallerLease, SiteName: "Seattle HQ",
		Address: "1 Main St, Seattle, WA 98101, US", Detail: "Floor 2", ExpiresAt: now.Add(time.Hour),
		Link: "https://mayday.example.com/v1/alerts/al-x?token=1.abc"}
)

// receiver is a webhook receiver that verifies the signature as a
// Mayday-aware receiver would, and answers status.
type receiver struct {
	status int
	got    []alertwebhook.Payload
	errs   []error
	header http.Header
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.header = req.Header
	if err := webhooksecret.Verify([]byte("k1"), req.Header.Get(webhooksecret.SignatureHeader), body, now); err != nil {
		r.errs = append(r.errs, err)
	}
	var p alertwebhook.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		r.errs = append(r.errs, err)
	}
	r.got = append(r.got, p)
	w.WriteHeader(r.status)
}

// TestPostAlert: the post a receiver gets — JSON with the displayable
// text and the fields, signed with the current key at our clock — and
// what a refusal or a redirect becomes.
func TestPostAlert(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  int
		keys    []string
		wantErr error
	}{
		{"ok", 200, []string{"k1", "k0"}, nil},
		{"accepted", 202, []string{"k1"}, nil},
		{"refused", 500, []string{"k1"}, alertwebhook.ErrRejected},
		{"found", 302, []string{"k1"}, alertwebhook.ErrRejected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &receiver{status: tc.status}
			srv := httptest.NewTLSServer(rec)
			defer srv.Close()
			p := &alertwebhook.Poster{Secret: webhooksecret.Static(tc.keys[0], tc.keys[1:]...), Now: func() time.Time { return now },
				Client: srv.Client()}
			err := p.PostAlert(context.Background(), srv.URL+"/hook", alert)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if len(rec.errs) > 0 || len(rec.got) != 1 {
				t.Fatalf("receiver: %v, %d posts", rec.errs, len(rec.got))
			}
			got := rec.got[0]
			if got.AlertID != alert.ID || got.CallID != "c-1" || got.Tier != "desk" || got.Test || got.AgentName != "Ada" ||
				got.DialedNumber != "9-911" || got.CallerID != "+14255550001" || got.CallerIDSource != "lease" ||
				got.Location != (alertwebhook.Location{Site: "Seattle HQ", Address: alert.Address, Detail: "Floor 2"}) ||
				got.AckLink != alert.Link || !got.ExpiresAt.Equal(alert.ExpiresAt) || !got.At.Equal(alert.At) {
				t.Fatalf("payload %+v", got)
			}
			for _, want := range []string{"EMERGENCY CALL", "+14255550001", "Seattle HQ", "Floor 2", alert.Link} {
				if !strings.Contains(got.Text, want) {
					t.Errorf("text %q lacks %q", got.Text, want)
				}
			}
			if ct := rec.header.Get("Content-Type"); ct != "application/json" || rec.header.Get("X-Mayday-Alert-Id") != alert.ID {
				t.Errorf("headers %v", rec.header)
			}
		})
	}
}

// TestDefaultClientRefusesRedirects: without a client of the caller's,
// a redirect (which could lead off https) is not followed.
func TestDefaultClientRefusesRedirects(t *testing.T) {
	hits := 0
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits++ }))
	defer target.Close()
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
	}))
	defer redirect.Close()
	p := &alertwebhook.Poster{Secret: webhooksecret.Static("k1")}
	if err := p.PostAlert(context.Background(), redirect.URL, alert); !errors.Is(err, alertwebhook.ErrRejected) || hits != 0 {
		t.Fatalf("err %v, %d hits on the redirect target; want rejected, none", err, hits)
	}
}

func TestSecretMissing(t *testing.T) {
	p := &alertwebhook.Poster{Secret: webhooksecret.Static("")}
	if err := p.PostAlert(context.Background(), "https://127.0.0.1:1/x", alert); err == nil {
		t.Fatal("posted without a key")
	}
}
