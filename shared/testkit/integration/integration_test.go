package integration_test

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/mayday/mayday/shared/testkit/integration"
)

// recorder stands in for the test handed to Endpoints, recording whether it
// was skipped or failed. Like testing.T, Skipf and Fatalf stop the goroutine.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// call runs Endpoints on a recorder in its own goroutine, as the testing
// package runs a test, so that Goexit ends only that call.
func call(names ...string) (r *recorder, got []string, returned bool) {
	r = &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		got = integration.Endpoints(r, names...)
		returned = true
	}()
	<-done
	return r, got, returned
}

func TestEndpoints(t *testing.T) {
	const ddb, ses = "MAYDAY_TEST_ENDPOINT_A", "MAYDAY_TEST_ENDPOINT_B"
	for _, tc := range []struct {
		name            string
		env             map[string]string
		want            []string // values returned; nil when the test stops
		skipped, failed bool
		mentions        []string // in the skip or failure message
	}{
		{name: "all set", env: map[string]string{ddb: "http://127.0.0.1:1", ses: "http://127.0.0.1:2"},
			want: []string{"http://127.0.0.1:1", "http://127.0.0.1:2"}},
		{name: "all set, required", env: map[string]string{ddb: "x", ses: "y", integration.RequireVar: "1"},
			want: []string{"x", "y"}},
		{name: "one unset", env: map[string]string{ses: "y"}, skipped: true, mentions: []string{ddb}},
		{name: "both unset", env: map[string]string{}, skipped: true, mentions: []string{ddb, ses}},
		{name: "unset, required", env: map[string]string{ses: "y", integration.RequireVar: "1"},
			failed: true, mentions: []string{ddb, integration.RequireVar}},
		{name: "unset, required is not 1", env: map[string]string{integration.RequireVar: "true"},
			skipped: true, mentions: []string{ddb, ses}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, n := range []string{ddb, ses, integration.RequireVar} {
				t.Setenv(n, tc.env[n])
			}
			r, got, returned := call(ddb, ses)
			if (r.skipped != "") != tc.skipped || (r.failed != "") != tc.failed {
				t.Fatalf("skipped %q, failed %q; want skipped %v, failed %v", r.skipped, r.failed, tc.skipped, tc.failed)
			}
			if tc.skipped || tc.failed {
				if returned {
					t.Error("Endpoints returned after stopping the test")
				}
				for _, m := range tc.mentions {
					if !strings.Contains(r.skipped+r.failed, m) {
						t.Errorf("message %q does not name %s", r.skipped+r.failed, m)
					}
				}
				return
			}
			if !returned || !slices.Equal(got, tc.want) {
				t.Errorf("Endpoints = %q (returned %v), want %q", got, returned, tc.want)
			}
		})
	}
}

func TestEndpoint(t *testing.T) {
	t.Setenv("MAYDAY_TEST_ENDPOINT_A", "http://127.0.0.1:9")
	t.Setenv(integration.RequireVar, "1")
	if got := integration.Endpoint(t, "MAYDAY_TEST_ENDPOINT_A"); got != "http://127.0.0.1:9" {
		t.Errorf("Endpoint = %q", got)
	}
}
