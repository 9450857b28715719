package presencewebhook_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/presencewebhook"
	"github.com/mayday/mayday/shared/testkit/presencetest"
)

var secret = []byte("presence-secret")

func keys(context.Context) ([][]byte, error) { return [][]byte{secret, []byte("older-secret")}, nil }

func newPlatform(t *testing.T, url string) *presencewebhook.Platform {
	t.Helper()
	p, err := presencewebhook.New(url, keys, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestContract(t *testing.T) {
	presencetest.Run(t, func(t *testing.T) presencetest.Subject {
		f := presencetest.NewReceiver(t, secret)
		return presencetest.Subject{Platform: newPlatform(t, f.URL), Fake: f}
	})
}

// The notices, signed with the current secret: do-not-disturb, then
// restore handing back what the receiver answered.
func TestNotices(t *testing.T) {
	ctx := context.Background()
	f := presencetest.NewReceiver(t, secret)
	f.AddAgent("a-1", presencetest.StatusBusy)
	p := newPlatform(t, f.URL)
	prev, err := p.DoNotDisturb(ctx, "a-1")
	if err != nil || prev != presencetest.StatusBusy {
		t.Fatalf("DoNotDisturb = %q, %v", prev, err)
	}
	if err := p.Restore(ctx, "a-1", prev); err != nil {
		t.Fatal(err)
	}
	got := f.Notices()
	if len(got) != 2 || got[0].Presence != "do-not-disturb" || got[0].Previous != "" ||
		got[1].Presence != "restore" || got[1].Previous != presencetest.StatusBusy || got[0].AgentID != "a-1" {
		t.Fatalf("notices %+v", got)
	}
	if time.Since(got[0].At) > time.Minute {
		t.Errorf("notice time %v", got[0].At)
	}
}

// Answers: 2xx with or without a body is done; 404 is ErrNotFound; 5xx,
// a 3xx and no answer in time are errors (retried).
func TestAnswers(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		body     string
		ctype    string
		delay    time.Duration
		previous string
		err      error // nil: success; errAny: some error
	}{
		{"no content", 204, "", "", 0, "", nil},
		{"json previous", 200, `{"previous":"lunch"}`, "application/json", 0, "lunch", nil},
		{"text body", 200, "ok", "text/plain", 0, "", nil},
		{"not json despite the type", 200, "ok", "application/json", 0, "", nil},
		{"unknown agent", 404, "", "", 0, "", mayday.ErrNotFound},
		{"server error", 503, "", "", 0, "", errAny},
		{"redirect", 302, "", "", 0, "", errAny},
		{"bad request", 400, "", "", 0, "", errAny},
		{"too slow", 200, "", "", 600 * time.Millisecond, "", errAny},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/elsewhere" { // followed, a redirect would end here, in success
					w.WriteHeader(http.StatusOK)
					return
				}
				time.Sleep(tc.delay)
				if tc.ctype != "" {
					w.Header().Set("Content-Type", tc.ctype)
				}
				if tc.status == 302 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			var client *http.Client // the default: follows no redirect
			if tc.delay > 0 {
				client = &http.Client{Timeout: 300 * time.Millisecond}
			}
			p, err := presencewebhook.New(srv.URL, keys, client, nil)
			if err != nil {
				t.Fatal(err)
			}
			prev, err := p.DoNotDisturb(context.Background(), "a-1")
			switch {
			case tc.err == nil && err != nil:
				t.Fatalf("error %v", err)
			case tc.err == errAny && err == nil:
				t.Fatal("no error")
			case tc.err != nil && tc.err != errAny && !errors.Is(err, tc.err):
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if prev != tc.previous {
				t.Errorf("previous %q, want %q", prev, tc.previous)
			}
		})
	}
}

var errAny = errors.New("any error")

func TestNewChecks(t *testing.T) {
	for _, u := range []string{"", "example.com/hook", "ftp://example.com/x", "https://"} {
		if _, err := presencewebhook.New(u, keys, nil, nil); !errors.Is(err, mayday.ErrInvalid) {
			t.Errorf("New(%q): %v, want ErrInvalid", u, err)
		}
	}
	if _, err := presencewebhook.New("https://example.com/hook", nil, nil, nil); !errors.Is(err, mayday.ErrMissingDependency) {
		t.Errorf("New without a secret: %v", err)
	}
}
