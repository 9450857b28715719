// Package mailertest is the contract every mayday.Mailer meets: the embedded
// outbox always, SES (aws-ses-v2-local, or AWS) when its endpoint is set.
package mailertest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mayday/mayday/shared/emailtemplate"
	"github.com/mayday/mayday/shared/mayday"
)

// Received is an email as the mailer's far side got it.
type Received struct {
	To      []string
	Subject string
	Text    string
	HTML    string
}

// Harness adapts one Mailer to the suite.
type Harness struct {
	// New returns a mailer holding the default template, with nothing sent
	// yet. It is called once per case.
	New func(t *testing.T) mayday.Mailer
	// Sent lists what the last mailer New returned delivered, in any order.
	Sent func(t *testing.T) []Received
}

// Data is full template data for the default template. Location carries
// HTML-special characters.
func Data() map[string]string {
	return map[string]string{
		"agentName":         "Dana Reyes",
		"agentEmail":        "dana@example.com",
		"agentId":           "a-1",
		"dialedNumber":      "9-911",
		"country":           "US",
		"location":          `<b>"Bldg" & 4</b>`,
		"callbackNumber":    "+14255550001",
		"callbackExpiresAt": "2026-11-22 22:00 UTC",
		"startedAt":         "2026-11-22 21:00 UTC",
		"callId":            "c-1",
	}
}

// Run runs the contract against h.
func Run(t *testing.T, h Harness) {
	tmpl := emailtemplate.Default().Name
	ctx := context.Background()

	t.Run("default template rendered", func(t *testing.T) {
		m := h.New(t)
		to := []string{"sup@example.com", "desk@example.com"}
		data := Data()
		if err := m.Send(ctx, mayday.Email{To: to, Template: tmpl, Data: data}); err != nil {
			t.Fatalf("Send: %v", err)
		}
		got := sentExactly(t, h, 1)[0]
		if !sameSet(got.To, to) {
			t.Errorf("To = %q, want %q", got.To, to)
		}
		if !strings.Contains(got.Subject, data["agentName"]) {
			t.Errorf("subject %q lacks the agent name %q", got.Subject, data["agentName"])
		}
		if strings.ContainsAny(got.Subject, "\r\n") {
			t.Errorf("subject %q spans lines", got.Subject)
		}
		for _, want := range []string{data["callbackNumber"], data["location"], data["callId"]} {
			if !strings.Contains(got.Text, want) {
				t.Errorf("text lacks %q (raw):\n%s", want, got.Text)
			}
		}
		if !strings.Contains(got.HTML, data["callbackNumber"]) {
			t.Errorf("html lacks the callback number %q:\n%s", data["callbackNumber"], got.HTML)
		}
		if strings.Contains(got.HTML, data["location"]) || strings.Contains(got.HTML, "<b>") {
			t.Errorf("html carries the location unescaped:\n%s", got.HTML)
		}
		for _, want := range []string{"&lt;b&gt;", "&amp; 4&lt;/b&gt;"} {
			if !strings.Contains(got.HTML, want) {
				t.Errorf("html lacks the escaped location part %q:\n%s", want, got.HTML)
			}
		}
	})

	t.Run("unknown template", func(t *testing.T) {
		m := h.New(t)
		err := m.Send(ctx, mayday.Email{To: []string{"sup@example.com"}, Template: "NoSuchTemplate", Data: Data()})
		if !errors.Is(err, mayday.ErrNotFound) {
			t.Fatalf("Send(unknown template) = %v, want ErrNotFound", err)
		}
		sentExactly(t, h, 0)
	})

	t.Run("header injection refused", func(t *testing.T) {
		m := h.New(t)
		for _, bad := range []string{"sup@example.com\r\nBcc: victim@example.com", "sup@example.com\nBcc: v@example.com"} {
			err := m.Send(ctx, mayday.Email{To: []string{"desk@example.com", bad}, Template: tmpl, Data: Data()})
			if !errors.Is(err, mayday.ErrInvalid) {
				t.Errorf("Send(to %q) = %v, want ErrInvalid", bad, err)
			}
		}
		sentExactly(t, h, 0)
	})

	t.Run("two sends", func(t *testing.T) {
		m := h.New(t)
		first, second := Data(), Data()
		second["callId"], second["agentName"], second["location"] = "c-2", "Sam Lee", ""
		for _, d := range []map[string]string{first, second} {
			if err := m.Send(ctx, mayday.Email{To: []string{"sup@example.com"}, Template: tmpl, Data: d}); err != nil {
				t.Fatalf("Send: %v", err)
			}
		}
		got := sentExactly(t, h, 2)
		var subjects []string
		for _, r := range got {
			subjects = append(subjects, r.Subject)
		}
		for _, name := range []string{"Dana Reyes", "Sam Lee"} {
			if !slices.ContainsFunc(subjects, func(s string) bool { return strings.Contains(s, name) }) {
				t.Errorf("no email for %s among subjects %q", name, subjects)
			}
		}
		for _, r := range got {
			if strings.Contains(r.Subject, "Sam Lee") && !strings.Contains(r.Text, "not provided") {
				t.Errorf("missing location not rendered as \"not provided\":\n%s", r.Text)
			}
		}
	})
}

func sentExactly(t *testing.T, h Harness, n int) []Received {
	t.Helper()
	got := h.Sent(t)
	if len(got) != n {
		t.Fatalf("delivered %d emails, want %d: %+v", len(got), n, got)
	}
	return got
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
