package emailtemplate_test

import (
	"html"
	"strings"
	"sync"
	"testing"

	"github.com/mayday/mayday/shared/emailtemplate"
	"github.com/mayday/mayday/shared/emailtemplate/render"
)

// variables are the Handlebars variables of the Emergency Call Notification
// template, every one of which the default template shows.
var variables = []string{"agentName", "agentEmail", "agentId", "dialedNumber", "country", "location",
	"callbackNumber", "callbackExpiresAt", "startedAt", "callId"}

// fold is what TemplateData promises to do to a value: line breaks folded.
func fold(v string) string {
	return strings.Join(strings.FieldsFunc(v, func(r rune) bool { return r == '\r' || r == '\n' }), " ")
}

// FuzzTemplateData renders the default template with arbitrary values. No
// value may add markup to the HTML part (it has exactly the <, >, quotes and
// apostrophes of the template itself, rendered with harmless values taking
// the same branches), nor a line to any part; the subject is one line; the text part
// shows each value, line breaks folded, and the HTML part its escaped form.
func FuzzTemplateData(f *testing.F) {
	f.Add("Dana Reyes", "dana@example.com", "a-1", "9-911", "US", "Building 4, floor 2", "+14255550001",
		"2026-11-22 22:00 UTC", "2026-11-22 21:00 UTC", "c-1")
	f.Add(`<script>alert("x")</script>`, `"><img src=x onerror=alert(1)>`, `a' onmouseover='x`, "&amp;", "<", ">",
		"{{agentName}}", "{{{agentNameHtml}}}", "</td></tr></table>", "<!--")
	f.Add("Dana\r\nBcc: victim@example.com", "a@b.com\r\nBcc: x@y.com", "\n", "\r", "\r\n\r\n", "",
		"line1\nline2", "\u2028", "\x00", "\xff\xfe")
	f.Add("", "", "", "", "", "", "", "", "", "")
	f.Add("   ", "\t", "Ωμέγα", "９１１", "ÜK", "<b>\"Bldg\" & 4</b>", "+44 20 7123 0001", "never", "now", strings.Repeat("<", 1000))
	base := emailtemplate.Default()
	var refMu sync.Mutex
	refs := map[int]render.Rendered{}
	f.Fuzz(func(t *testing.T, agentName, agentEmail, agentID, dialedNumber, country, location, callbackNumber,
		callbackExpiresAt, startedAt, callID string) {
		vals := []string{agentName, agentEmail, agentID, dialedNumber, country, location, callbackNumber,
			callbackExpiresAt, startedAt, callID}
		vars, harmless, key := map[string]string{}, map[string]string{}, 0
		for i, k := range variables {
			vars[k], harmless[k] = vals[i], ""
			if fold(vals[i]) != "" {
				harmless[k], key = "x", key|1<<i
			}
		}
		r, err := render.Render(base, emailtemplate.TemplateData(vars))
		if err != nil {
			t.Fatalf("Render: %v", err)
		}
		// The reference depends only on which values are empty: cache it.
		refMu.Lock()
		ref, ok := refs[key]
		refMu.Unlock()
		if !ok {
			if ref, err = render.Render(base, emailtemplate.TemplateData(harmless)); err != nil {
				t.Fatalf("Render (reference): %v", err)
			}
			refMu.Lock()
			refs[key] = ref
			refMu.Unlock()
		}
		for _, c := range []string{"<", ">", `"`, "'", "\n", "\r"} {
			if got, want := strings.Count(r.HTML, c), strings.Count(ref.HTML, c); got != want {
				t.Fatalf("HTML holds %d %q, the template %d: a value got through raw\n%s", got, c, want, r.HTML)
			}
		}
		for _, c := range []string{"\n", "\r"} {
			if got, want := strings.Count(r.Text, c), strings.Count(ref.Text, c); got != want {
				t.Fatalf("text holds %d %q, the template %d: a value added a line\n%s", got, c, want, r.Text)
			}
		}
		if strings.ContainsAny(r.Subject, "\r\n") {
			t.Fatalf("subject spans lines: %q", r.Subject)
		}
		for i, k := range variables {
			v := fold(vals[i])
			if v == "" {
				continue
			}
			if !strings.Contains(r.Text, v) {
				t.Fatalf("text does not show %s=%q (folded %q):\n%s", k, vals[i], v, r.Text)
			}
			if !strings.Contains(r.HTML, html.EscapeString(v)) {
				t.Fatalf("HTML does not show %s=%q escaped:\n%s", k, vals[i], r.HTML)
			}
		}
		for _, v := range []string{agentName, agentID} {
			if w := strings.Join(strings.Fields(v), " "); !strings.Contains(r.Subject, w) {
				t.Fatalf("subject %q does not show %q", r.Subject, w)
			}
		}
	})
}
