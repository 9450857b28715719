package emailtemplate_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mayday/mayday/shared/emailtemplate"
	"github.com/mayday/mayday/shared/emailtemplate/render"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func fullData() map[string]string {
	return map[string]string{
		"agentName":         "Dana Reyes",
		"agentEmail":        "dana@example.com",
		"agentId":           "a-1",
		"dialedNumber":      "9-911",
		"country":           "US",
		"location":          `<b>"Bldg" & 4</b>, floor 2`,
		"siteName":          "Seattle HQ",
		"address":           "1 Main St, Seattle, WA 98101, US",
		"callbackNumber":    "+14255550001",
		"callbackExpiresAt": "2026-11-22 22:00 UTC",
		"startedAt":         "2026-11-22 21:00 UTC",
		"callId":            "c-1",
	}
}

func TestDefaultGolden(t *testing.T) {
	r, err := render.Render(emailtemplate.Default(), emailtemplate.TemplateData(fullData()))
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []struct{ name, got string }{
		{"subject", r.Subject}, {"text", r.Text}, {"html", r.HTML},
	} {
		t.Run(part.name, func(t *testing.T) {
			path := filepath.Join("testdata", "default."+part.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(part.got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if part.got != string(want) {
				t.Errorf("%s differs from %s (run with -update if intended):\n got: %q\nwant: %q", part.name, path, part.got, want)
			}
		})
	}
}

func TestDefaultRender(t *testing.T) {
	tests := []struct {
		name   string
		change func(map[string]string)
		check  func(t *testing.T, r render.Rendered)
	}{
		{"missing location and site renders not provided", func(d map[string]string) {
			delete(d, "location")
			delete(d, "siteName")
			delete(d, "address")
		},
			func(t *testing.T, r render.Rendered) {
				if !strings.Contains(r.Text, "Location:  not provided") {
					t.Errorf("text:\n%s", r.Text)
				}
				if !strings.Contains(r.HTML, "<td>not provided</td>") {
					t.Errorf("html:\n%s", r.HTML)
				}
			}},
		{"empty location and site renders not provided", func(d map[string]string) { d["location"], d["siteName"] = "", "" },
			func(t *testing.T, r render.Rendered) {
				if !strings.Contains(r.Text, "Location:  not provided") {
					t.Errorf("text:\n%s", r.Text)
				}
			}},
		{"subject stays on one line", func(d map[string]string) { d["agentName"] = "Dana\r\nBcc: victim@example.com\n" },
			func(t *testing.T, r render.Rendered) {
				if strings.ContainsAny(r.Subject, "\r\n") {
					t.Errorf("subject spans lines: %q", r.Subject)
				}
				if want := "Emergency call made by Dana Bcc: victim@example.com (a-1)"; r.Subject != want {
					t.Errorf("subject = %q, want %q", r.Subject, want)
				}
			}},
		{"html escaped, text raw", nil,
			func(t *testing.T, r render.Rendered) {
				if !strings.Contains(r.Text, `<b>"Bldg" & 4</b>`) {
					t.Errorf("text not raw:\n%s", r.Text)
				}
				if strings.Contains(r.HTML, "<b>") || !strings.Contains(r.HTML, "&lt;b&gt;") {
					t.Errorf("html not escaped:\n%s", r.HTML)
				}
			}},
		{"no site: the dial's location alone", func(d map[string]string) { delete(d, "siteName"); delete(d, "address") },
			func(t *testing.T, r render.Rendered) {
				if !strings.Contains(r.Text, "Location:  <b>\"Bldg\" & 4</b>, floor 2\n") {
					t.Errorf("text:\n%s", r.Text)
				}
			}},
		{"site and detail", nil,
			func(t *testing.T, r render.Rendered) {
				if !strings.Contains(r.Text, "Location:  Seattle HQ: 1 Main St, Seattle, WA 98101, US (<b>") ||
					!strings.Contains(r.HTML, "Seattle HQ: 1 Main St, Seattle, WA 98101, US (&lt;b&gt;") {
					t.Errorf("location:\n%s\n%s", r.Text, r.HTML)
				}
				if !strings.Contains(r.Text, "will reach the agent directly") {
					t.Errorf("a leased number must say the agent is reached:\n%s", r.Text)
				}
			}},
		{"a remote agent: the address they confirmed, and whether it was verified", func(d map[string]string) {
			delete(d, "siteName")
			d["address"] = "2121 7th Ave, Seattle, WA 98121, US"
			d["addressNote"] = "Address given by the agent; it could not be verified."
			d["callerIdSource"] = "The agent's own number, registered at the remote address."
		},
			func(t *testing.T, r render.Rendered) {
				for _, want := range []string{"Remote: 2121 7th Ave, Seattle, WA 98121, US (",
					"could not be verified", "The agent's own number"} {
					if !strings.Contains(r.Text, want) || !strings.Contains(r.HTML, strings.ReplaceAll(want, "'", "&#39;")) {
						t.Errorf("want %q in\n%s\n%s", want, r.Text, r.HTML)
					}
				}
			}},
		{"a test call is marked TEST", func(d map[string]string) { d["test"] = "TEST" },
			func(t *testing.T, r render.Rendered) {
				if !strings.HasPrefix(r.Subject, "TEST (not an emergency): ") || !strings.Contains(r.Text, "TEST CALL (933), not an emergency") ||
					!strings.Contains(r.HTML, "TEST CALL (933), not an emergency") || strings.Contains(r.Text, "An emergency call was made") {
					t.Errorf("not marked TEST:\n%s\n%s\n%s", r.Subject, r.Text, r.HTML)
				}
			}},
		{"an escalation is marked ESCALATED", func(d map[string]string) { d["escalated"] = "ESCALATED" },
			func(t *testing.T, r render.Rendered) {
				if !strings.HasPrefix(r.Subject, "ESCALATED, NOT ACKNOWLEDGED: ") || !strings.Contains(r.Text, "has not acknowledged") ||
					!strings.Contains(r.HTML, "has not acknowledged") {
					t.Errorf("not marked ESCALATED:\n%s\n%s\n%s", r.Subject, r.Text, r.HTML)
				}
			}},
		{"an emergency is not marked TEST, and has no link without one", nil,
			func(t *testing.T, r render.Rendered) {
				if strings.Contains(r.Subject+r.Text+r.HTML, "TEST") || strings.Contains(r.Text+r.HTML, "Acknowledge") ||
					strings.Contains(r.Subject+r.Text+r.HTML, "ESCALATED") {
					t.Errorf("marked TEST or linked:\n%s\n%s", r.Subject, r.Text)
				}
			}},
		{"the acknowledgement link", func(d map[string]string) { d["ackLink"] = "https://desk.example.com/v1/alerts/al-1?token=1.a&b" },
			func(t *testing.T, r render.Rendered) {
				if !strings.Contains(r.Text, "Acknowledge: https://desk.example.com/v1/alerts/al-1?token=1.a&b\n") ||
					!strings.Contains(r.HTML, "https://desk.example.com/v1/alerts/al-1?token=1.a&amp;b") {
					t.Errorf("link:\n%s\n%s", r.Text, r.HTML)
				}
			}},
		{"no lease expiry omits the reservation", func(d map[string]string) { delete(d, "callbackExpiresAt") },
			func(t *testing.T, r render.Rendered) {
				if strings.Contains(r.Text, "reserved") || strings.Contains(r.HTML, "reserved") {
					t.Errorf("reservation shown without an expiry:\n%s", r.Text)
				}
				if !strings.Contains(r.Text, "not the\nagent") || strings.Contains(r.Text, "reach the agent directly") {
					t.Errorf("without a lease the email must say a call back does not reach the agent:\n%s", r.Text)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := fullData()
			if tc.change != nil {
				tc.change(d)
			}
			r, err := render.Render(emailtemplate.Default(), emailtemplate.TemplateData(d))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, r)
		})
	}
}
