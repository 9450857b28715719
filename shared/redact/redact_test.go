package redact_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/mayday/mayday/shared/redact"
)

func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"notification c-1: send: recipient: \"sup@example.com\" is not valid", "notification c-1: send: recipient: \"[email]\" is not valid"},
		{"lease +14255550001: renew: timeout", "lease [number]: renew: timeout"},
		{"dialled 9-911 from +1 (425) 555-0100", "dialled 9-911 from [number]"},
		{"agent a-1 call c-123 attempt 3 took 1500ms", "agent a-1 call c-123 attempt 3 took 1500ms"},
		{"2026-11-22T21:00:00Z", "2026-11-22T21:00:00Z"},
		{"event 12970286-2064-411c-a8ff-5ac1be70a8d3", "event 12970286-2064-411c-a8ff-5ac1be70a8d3"},
	}
	for _, tt := range tests {
		if got := redact.String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(redact.Handler(slog.NewJSONHandler(&buf, nil))).With("who", "desk@example.com")
	err := fmt.Errorf("send to %s: %w", "sup@example.com", errors.New("throttled"))
	log.Error("delivery failed for +14255550100", "err", err, "agentId", "a-1",
		slog.Group("g", "to", "x@example.org"))
	out := buf.String()
	for _, leak := range []string{"desk@example.com", "sup@example.com", "x@example.org", "4255550100"} {
		if strings.Contains(out, leak) {
			t.Errorf("log leaks %q: %s", leak, out)
		}
	}
	for _, keep := range []string{`"agentId":"a-1"`, "throttled", "[email]", "[number]"} {
		if !strings.Contains(out, keep) {
			t.Errorf("log lacks %q: %s", keep, out)
		}
	}
}
