package local_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/local"
)

// A runner started in process ignores the caller's environment, and each
// one listens on a port of its own.
func TestInProcess(t *testing.T) {
	for k, v := range map[string]string{"MAYDAY_ADDR": "127.0.0.1:1", "MAYDAY_WEBHOOK_SECRET": "from-env",
		"MAYDAY_CALLBACK_FALLBACK": "+14255550000", "MAYDAY_DIAL_PREFIX": "8", "MAYDAY_SWEEP_INTERVAL": "1s"} {
		t.Setenv(k, v)
	}
	cfg, err := local.InProcess("in-process", "+14255559999")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, got, want string }{
		{"addr", cfg.Addr, "127.0.0.1:0"},
		{"secret", cfg.Secret, "in-process"},
		{"fallback", cfg.Fallback, "+14255559999"},
		{"dial prefix", cfg.Dial.Prefix, "9"},
		{"sweep", cfg.SweepInterval.String(), time.Hour.String()},
		{"bus backoff", cfg.BusBackoff.String(), (5 * time.Millisecond).String()},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	urls := map[string]bool{}
	for range 2 {
		m := &local.Main{Config: cfg, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if err := m.Open(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = m.Close() })
		urls[m.URL] = true
	}
	if len(urls) != 2 {
		t.Errorf("two runners share a URL: %v", urls)
	}
}
