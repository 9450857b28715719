package taskrouter_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/taskrouter"
	"github.com/mayday/mayday/shared/testkit/presencetest"
)

func newPlatform(t *testing.T, f *presencetest.TaskRouter, restoreTo string) *taskrouter.Platform {
	t.Helper()
	p, err := taskrouter.New(taskrouter.Config{AccountSID: f.AccountSID, WorkspaceSID: f.WorkspaceSID,
		DoNotDisturb: f.DND, RestoreTo: restoreTo, BaseURL: f.URL,
		AuthToken: func(context.Context) ([][]byte, error) { return [][]byte{[]byte(f.AuthToken)}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestContract(t *testing.T) {
	presencetest.Run(t, func(t *testing.T) presencetest.Subject {
		f := presencetest.NewTaskRouter(t)
		return presencetest.Subject{Platform: newPlatform(t, f, ""), Fake: f}
	})
}

// The requests, as TaskRouter's API takes them: the worker found once by
// its client identity, then fetched by SID; the activity set with a
// form-encoded ActivitySid.
func TestRequests(t *testing.T) {
	ctx := context.Background()
	f := presencetest.NewTaskRouter(t)
	f.AddAgent("a-1", presencetest.ActivityBusy)
	p := newPlatform(t, f, "")
	prev, err := p.DoNotDisturb(ctx, "a-1")
	if err != nil || prev != presencetest.ActivityBusy {
		t.Fatalf("DoNotDisturb = %q, %v; want %q", prev, err, presencetest.ActivityBusy)
	}
	if err := p.Restore(ctx, "a-1", prev); err != nil {
		t.Fatal(err)
	}
	ws := "/v1/Workspaces/" + f.WorkspaceSID + "/Workers"
	wk := ws + "/WK00000000000000000000000000000001"
	want := []presencetest.Request{
		{Method: "GET", Path: ws, Form: url.Values{"TargetWorkersExpression": {`contact_uri == "client:a-1"`}, "PageSize": {"2"}}},
		{Method: "POST", Path: wk, Form: url.Values{"ActivitySid": {presencetest.ActivityDND}}},
		{Method: "GET", Path: wk, Form: url.Values{}},
		{Method: "POST", Path: wk, Form: url.Values{"ActivitySid": {presencetest.ActivityBusy}}},
	}
	got := f.Requests()
	if len(got) != len(want) {
		t.Fatalf("requests:\n%v\nwant:\n%v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i].String() {
			t.Errorf("request %d: %v, want %v", i, got[i], want[i])
		}
		if ua := got[i].Header.Get("User-Agent"); !strings.HasPrefix(ua, "twilio-go/") {
			t.Errorf("request %d: User-Agent %q, want twilio-go's", i, ua)
		}
	}
}

func TestRestore(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name              string
		now, prev, config string
		want              string
		moved             bool
	}{
		{"to the previous activity", presencetest.ActivityDND, presencetest.ActivityBusy, "", presencetest.ActivityBusy, true},
		{"unknown previous, no default: left", presencetest.ActivityDND, "", "", presencetest.ActivityDND, false},
		{"unknown previous: the default", presencetest.ActivityDND, "", presencetest.ActivityAvailable, presencetest.ActivityAvailable, true},
		{"moved meanwhile: left", presencetest.ActivityOffline, presencetest.ActivityBusy, "", presencetest.ActivityOffline, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := presencetest.NewTaskRouter(t)
			f.AddAgent("a-1", tc.now)
			if err := newPlatform(t, f, tc.config).Restore(ctx, "a-1", tc.prev); err != nil {
				t.Fatal(err)
			}
			if got := f.Status("a-1"); got != tc.want {
				t.Errorf("activity %q, want %q", got, tc.want)
			}
			if moved := len(f.Moves("a-1")) > 0; moved != tc.moved {
				t.Errorf("moved = %v, want %v", moved, tc.moved)
			}
		})
	}
}

// A worker deleted and created again is found again; a worker gone is
// ErrNotFound; an agent id that cannot be quoted is refused.
func TestWorkerLookup(t *testing.T) {
	ctx := context.Background()
	f := presencetest.NewTaskRouter(t)
	f.AddAgent("a-1", presencetest.ActivityAvailable)
	p := newPlatform(t, f, "")
	if _, err := p.DoNotDisturb(ctx, "a-1"); err != nil {
		t.Fatal(err)
	}
	f.RemoveAgent("a-1")
	if err := p.Restore(ctx, "a-1", presencetest.ActivityAvailable); !errors.Is(err, mayday.ErrNotFound) {
		t.Fatalf("restore of a deleted worker: %v, want ErrNotFound", err)
	}
	f.AddAgent("a-1", presencetest.ActivityDND)
	if err := p.Restore(ctx, "a-1", presencetest.ActivityAvailable); err != nil {
		t.Fatal(err)
	}
	if got := f.Status("a-1"); got != presencetest.ActivityAvailable {
		t.Errorf("recreated worker: %q", got)
	}
	if _, err := p.DoNotDisturb(ctx, `a"1`); !errors.Is(err, mayday.ErrInvalid) {
		t.Errorf("quote in an agent id: %v, want ErrInvalid", err)
	}
}

// A wrong auth token is what the fake refuses; the adapter reports it.
func TestWrongToken(t *testing.T) {
	f := presencetest.NewTaskRouter(t)
	f.AddAgent("a-1", presencetest.ActivityAvailable)
	p, err := taskrouter.New(taskrouter.Config{AccountSID: f.AccountSID, WorkspaceSID: f.WorkspaceSID, DoNotDisturb: f.DND,
		BaseURL: f.URL, AuthToken: func(context.Context) ([][]byte, error) { return [][]byte{[]byte("ffff")}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DoNotDisturb(context.Background(), "a-1"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("with a wrong token: %v, want Twilio's 401", err)
	}
	if got := f.Status("a-1"); got != presencetest.ActivityAvailable {
		t.Errorf("moved with a wrong token: %q", got)
	}
}

func TestNewRefusesMissingSettings(t *testing.T) {
	_, err := taskrouter.New(taskrouter.Config{})
	if !errors.Is(err, mayday.ErrMissingDependency) {
		t.Fatalf("New with nothing: %v", err)
	}
}
