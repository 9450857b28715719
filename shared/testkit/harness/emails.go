package harness

import (
	"encoding/json"
	"net/http"
	"testing"
)

// Emails lists what was sent, newest first, as {to, subject, text, html}:
// from the embedded outbox, or from the SES emulator's store (shared with
// other tests: filter for your own).
func (s *System) Emails(t testing.TB) []map[string]any {
	t.Helper()
	if s.SES == "" {
		if s.Main.Outbox == nil {
			t.Fatal("harness: no outbox (a mailer of the test's own is in use)")
		}
		var out []map[string]any
		for _, e := range s.Main.Outbox.Emails() {
			b, _ := json.Marshal(e)
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			out = append(out, m)
		}
		return out
	}
	resp, err := http.Get(s.SES + "/store")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var store struct {
		Emails []struct {
			Destination struct{ To []string }
			Subject     string
			Body        struct{ Text, HTML string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&store); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for i := len(store.Emails) - 1; i >= 0; i-- {
		e := store.Emails[i]
		to := make([]any, len(e.Destination.To))
		for j, a := range e.Destination.To {
			to[j] = a
		}
		out = append(out, map[string]any{"to": to, "subject": e.Subject, "text": e.Body.Text, "html": e.Body.HTML})
	}
	return out
}
