package webhooksecret_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/webhooksecret"
)

func strs(b [][]byte) []string {
	var out []string
	for _, s := range b {
		out = append(out, string(s))
	}
	return out
}

func TestStatic(t *testing.T) {
	for _, tc := range []struct {
		name     string
		current  string
		previous []string
		want     []string
	}{
		{"current only", "new", nil, []string{"new"}},
		{"with the previous", "new", []string{"old"}, []string{"new", "old"}},
		{"empty previous ignored", "new", []string{""}, []string{"new"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := webhooksecret.Static(tc.current, tc.previous...)(context.Background())
			if err != nil || !reflect.DeepEqual(strs(got), tc.want) {
				t.Fatalf("= %v, %v; want %v", strs(got), err, tc.want)
			}
		})
	}
	if _, err := webhooksecret.Static("")(context.Background()); err == nil {
		t.Fatal("no secret at all must be an error")
	}
}

// store is a secret store whose versions and failures the test sets.
type store struct {
	v     webhooksecret.Versions
	err   error
	reads int
}

func (s *store) fetch(context.Context) (webhooksecret.Versions, error) {
	s.reads++
	return s.v, s.err
}

// TestRotatingOverlap: the previous secret is served only until the overlap
// has passed since the current one became current; the current always.
func TestRotatingOverlap(t *testing.T) {
	rotated := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	st := &store{v: webhooksecret.Versions{Current: []byte("new"), Since: rotated, Previous: []byte("old")}}
	now := rotated
	r := &webhooksecret.Rotating{Fetch: st.fetch, Overlap: time.Hour, Now: func() time.Time { return now }}
	for _, tc := range []struct {
		at   time.Duration
		want []string
	}{
		{0, []string{"new", "old"}},
		{59 * time.Minute, []string{"new", "old"}},
		{time.Hour, []string{"new"}},
		{3 * time.Hour, []string{"new"}},
	} {
		now = rotated.Add(tc.at)
		got, err := r.Secrets(context.Background())
		if err != nil || !reflect.DeepEqual(strs(got), tc.want) {
			t.Errorf("at +%v: %v, %v; want %v", tc.at, strs(got), err, tc.want)
		}
	}
}

// TestRotatingCache: one read per TTL; a failed refresh keeps serving the
// last good secrets and asks again only after a pause; with nothing read
// yet a failure is an error.
func TestRotatingCache(t *testing.T) {
	st := &store{err: errors.New("throttled")}
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	r := &webhooksecret.Rotating{Fetch: st.fetch, Now: func() time.Time { return now }}
	ctx := context.Background()
	if _, err := r.Secrets(ctx); err == nil {
		t.Fatal("first read failing must be an error (the webhook answers 503)")
	}
	st.err, st.v = nil, webhooksecret.Versions{Current: []byte("k1")}
	for range 3 {
		if got, err := r.Secrets(ctx); err != nil || string(got[0]) != "k1" {
			t.Fatalf("%v, %v", strs(got), err)
		}
	}
	if st.reads != 2 {
		t.Fatalf("%d reads, want 2 (one failed, then cached)", st.reads)
	}
	now = now.Add(webhooksecret.DefaultTTL)
	st.err = errors.New("unavailable")
	if got, err := r.Secrets(ctx); err != nil || string(got[0]) != "k1" {
		t.Fatalf("refresh failing: %v, %v; want the last good k1", strs(got), err)
	}
	now = now.Add(time.Second)
	_, _ = r.Secrets(ctx)
	if st.reads != 3 {
		t.Fatalf("%d reads, want 3: no new read straight after a failed one", st.reads)
	}
	now = now.Add(30 * time.Second)
	st.err, st.v = nil, webhooksecret.Versions{Current: []byte("k2")}
	if got, _ := r.Secrets(ctx); string(got[0]) != "k2" {
		t.Fatalf("after the pause: %v, want k2", strs(got))
	}
	st.v = webhooksecret.Versions{}
	now = now.Add(webhooksecret.DefaultTTL)
	if got, err := r.Secrets(ctx); err != nil || string(got[0]) != "k2" {
		t.Fatalf("an empty secret read: %v, %v; want the last good k2", strs(got), err)
	}
}
