package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/testkit/harness"
)

// The location prompt in the panel: the desk (console styles, the state
// stream) and a bare host page (the component alone, polling).

// Expressions over the panel's shadow root (see panelJS).
var (
	promptShown = panelJS(`!r.querySelector(".where").hidden && r.querySelector(".where").getClientRects().length > 0`)
	promptGone  = panelJS(`r.querySelector(".where").hidden && r.querySelector(".where").getClientRects().length === 0`)
	lineText    = panelJS(`r.querySelector(".where-line").textContent.replace(/\s+/g, " ").trim()`)
	noteShown   = panelJS(`!r.querySelector(".where-note").hidden && r.querySelector(".where-note").getClientRects().length > 0`)
	sitesLoaded = panelJS(`r.querySelectorAll("#w-site option").length > 0`)
)

// remoteAgent stores an agent with no home site: the state asks the desk
// to confirm where they are.
func remoteAgent(t *testing.T, c *harness.Client, id string) {
	t.Helper()
	c.OK("PUT", "/v1/agents/"+id, harness.Sample(t, "admin/agent.json", map[string]any{"siteId": ""}), false)
	if st := c.OK("GET", "/v1/agents/"+id+"/state", nil, false); st["confirmLocation"] != true {
		t.Fatalf("state of an agent with no site = %v, want confirmLocation", st)
	}
}

// typeInto focuses a field of the prompt and types text with the keyboard.
func typeInto(ctx context.Context, t *testing.T, id, text string) {
	t.Helper()
	if !eval[bool](ctx, t, panelJS(`(f => !!f && (f.focus(), r.activeElement === f))(r.getElementById(`+jsString(id)+`))`)) {
		t.Fatalf("field #%s cannot be focused", id)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(text)); err != nil {
		t.Fatal(err)
	}
}

// choose sets a select of the prompt.
func choose(ctx context.Context, t *testing.T, id, value string) {
	t.Helper()
	sel := panelJS(`(s => (s.value = ` + jsString(value) + `, s.value))(r.getElementById(` + jsString(id) + `))`)
	if got := eval[string](ctx, t, sel); got != value {
		t.Fatalf("select #%s has no option %q", id, value)
	}
}

// pressSubmit submits a form of the prompt from the keyboard: Enter on
// its submit button.
func pressSubmit(ctx context.Context, t *testing.T, form string) {
	t.Helper()
	_ = eval[bool](ctx, t, panelJS(`(r.querySelector(".`+form+` button[type=submit]").focus(), true)`))
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
}

// An agent with no home site is asked where they work, on the desk; what
// they submit is stored, or refused with the server's words on the field
// it names; once saved the prompt goes and the location line shows it
// with its expiry. The cases open desks in turn in one tab, more than a
// browser's six connections to a host: a page left frees its stream.
func TestBrowserDeskAsksWhereTheAgentWorks(t *testing.T) {
	ctx := browser(t)
	sys, c := system(t)
	home := map[string]string{"w-house": "2121", "w-street": "7th Ave", "w-city": "Seattle", "w-region": "WA", "w-postal": "98121"}
	with := func(m map[string]string, k, v string) map[string]string {
		out := map[string]string{}
		for kk, vv := range m {
			out[kk] = vv
		}
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
		return out
	}
	tests := []struct {
		name    string
		form    string            // at-site or at-address
		typed   map[string]string // field id: what the agent types
		chosen  map[string]string // select id: the option chosen
		refused string            // the server's refusal shown, "" when saved
		invalid string            // the field marked invalid on refusal
		line    string            // the location line once saved
		note    bool              // the unverified-address note shows
		stored  map[string]any    // the stored location (GET .../location)
	}{
		{name: "a site", form: "at-site", typed: map[string]string{"w-site-detail": "Building 4"}, chosen: map[string]string{"w-site": "sea"},
			line: "Location Seattle HQ (Building 4) until", stored: map[string]any{"kind": "site", "siteId": "sea", "detail": "Building 4", "validated": true}},
		{name: "an address without a postal code", form: "at-address", typed: with(home, "w-postal", ""), chosen: map[string]string{"w-country": "US"},
			refused: "address.postalCode is required", invalid: "w-postal"},
		{name: "an address with no country", form: "at-address", typed: home,
			refused: "address.country is required", invalid: "w-country"},
		{name: "an own number of another country", form: "at-address", typed: with(home, "w-callback", "+442071230000"), chosen: map[string]string{"w-country": "US"},
			refused: "callbackNumber +442071230000 is not a number of US", invalid: "w-callback"},
		{name: "a valid address", form: "at-address", typed: with(home, "w-detail", "Apt 3"), chosen: map[string]string{"w-country": "US"},
			line:   "Location Home: 2121 7th Ave, Seattle (Apt 3) until",
			stored: map[string]any{"kind": "remote", "address.postalCode": "98121", "address.city": "Seattle", "detail": "Apt 3", "validated": true}},
		{name: "an address the geocoder cannot verify", form: "at-address", typed: with(home, "w-postal", "9812"), chosen: map[string]string{"w-country": "US"},
			line: "Location Home: 2121 7th Ave, Seattle until", note: true,
			stored: map[string]any{"kind": "remote", "address.postalCode": "9812", "validated": false}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := fmt.Sprintf("r-%d", i+1)
			remoteAgent(t, c, id)
			if err := chromedp.Do(ctx, chromedp.Navigate(sys.URL+"/desk/"+id)); err != nil {
				t.Fatal(err)
			}
			waitFor(ctx, t, "the prompt", promptShown, 10*time.Second)
			waitFor(ctx, t, "the sites to pick from", sitesLoaded, 5*time.Second)
			if got := eval[string](ctx, t, lineText); !strings.HasPrefix(got, "Location Not confirmed") {
				t.Fatalf("location line = %q, want Not confirmed", got)
			}
			if i == 0 {
				screenshot(ctx, t, "mayday-agent-panel", "panel-location.png")
			}
			for f, v := range tc.typed {
				typeInto(ctx, t, f, v)
			}
			for f, v := range tc.chosen {
				choose(ctx, t, f, v)
			}
			pressSubmit(ctx, t, tc.form)
			if tc.refused != "" {
				waitFor(ctx, t, "the refusal", panelJS(`r.querySelector(".where-error").textContent.includes(`+jsString(tc.refused)+`)`), 5*time.Second)
				if !eval[bool](ctx, t, promptShown) {
					t.Fatal("the prompt closed on a refusal")
				}
				marked := eval[string](ctx, t, panelJS(`[...r.querySelectorAll("[aria-invalid=true]")].map(e => e.id + ">" + e.getAttribute("aria-describedby")).join(",")`))
				if !strings.HasPrefix(marked, tc.invalid+">w-error") || strings.Contains(marked, ",") {
					t.Fatalf("fields marked invalid = %q, want %s described by the error", marked, tc.invalid)
				}
				if focused := eval[string](ctx, t, panelJS(`r.activeElement ? r.activeElement.id : ""`)); focused != tc.invalid {
					t.Fatalf("focus on %q after the refusal, want the field it names (%s)", focused, tc.invalid)
				}
				if status, _, _ := c.Do("GET", "/v1/agents/"+id+"/location", nil, false); status != 404 {
					t.Fatalf("location after a refusal: %d, want none stored (404)", status)
				}
				return
			}
			waitFor(ctx, t, "the prompt goes", promptGone, 5*time.Second)
			waitFor(ctx, t, "the location line", lineText+`.startsWith(`+jsString(tc.line)+`)`, 5*time.Second)
			if got := eval[bool](ctx, t, noteShown); got != tc.note {
				t.Fatalf("unverified-address note shown = %v, want %v", got, tc.note)
			}
			if got := eval[string](ctx, t, panelJS(`r.querySelector(".where-until").getAttribute("datetime") || ""`)); got == "" {
				t.Fatal("the line shows no expiry")
			}
			loc := c.OK("GET", "/v1/agents/"+id+"/location", nil, false)
			for path, want := range tc.stored {
				if got := harness.Get(loc, path); got != want {
					t.Errorf("stored %s = %v, want %v (%v)", path, got, want, loc)
				}
			}
			// The state no longer asks, and the prompt stays away.
			if st := c.OK("GET", "/v1/agents/"+id+"/state", nil, false); st["confirmLocation"] != false {
				t.Fatalf("state after confirming = %v, want confirmLocation false", st)
			}
			time.Sleep(600 * time.Millisecond)
			if !eval[bool](ctx, t, promptGone) {
				t.Fatal("the prompt came back")
			}
		})
	}
}

// An emergency in progress keeps the prompt out of the way: the alert and
// End call show where they would, not covered; after the call the prompt
// is back, since the agent still has not said where they are.
func TestBrowserLocationPromptNeverCoversTheEmergency(t *testing.T) {
	ctx := browser(t)
	sys, c := system(t)
	remoteAgent(t, c, "r-e")
	if err := chromedp.Do(ctx, chromedp.Navigate(sys.URL+"/desk/r-e")); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the prompt", promptShown, 10*time.Second)
	c.OK("POST", "/v1/telephony/events", harness.Sample(t, "webhooks/dial.json", map[string]any{"agentId": "r-e"}), true)
	waitFor(ctx, t, "the alert", panelJS(`r.querySelector(".alert").textContent === "`+mayday.EmergencyAlert+`"`), 5*time.Second)
	waitFor(ctx, t, "the prompt withdrawn", promptGone, time.Second)
	if st := c.OK("GET", "/v1/agents/r-e/state", nil, false); st["confirmLocation"] != true {
		t.Fatalf("state during the call = %v, want confirmLocation still true", st)
	}
	// Whatever is on top at the centre of the alert and of End call is them.
	onTop := eval[string](ctx, t, panelJS(`[".alert", 'button[data-action="endCall"]'].map(sel => {
		const el = r.querySelector(sel), b = el.getBoundingClientRect();
		const top = r.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
		return el === top || el.contains(top) ? "" : sel + " covered by " + (top ? top.className || top.tagName : "nothing");
	}).filter(Boolean).join("; ")`))
	if onTop != "" {
		t.Fatal(onTop)
	}
	if eval[bool](ctx, t, panelJS(`!r.querySelector(".change").hidden`)) {
		t.Fatal("Change location offered during the emergency")
	}
	_ = eval[bool](ctx, t, panelJS(`(r.querySelector('button[data-action="endCall"]').focus(), true)`))
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the prompt back after the call", panelJS(`r.querySelector(".alert").textContent === ""`)+` && `+promptShown, 5*time.Second)
}

// The component alone, on a host page without the console's styles, asks
// the same; its prompt is a labelled region whose every field has a label,
// legible, and operable from the keyboard; Change reopens it with the
// current site chosen, Cancel closes it.
func TestBrowserPanelComponentAsksWhereTheAgentWorks(t *testing.T) {
	ctx := browser(t)
	sys, c := system(t)
	remoteAgent(t, c, "r-c")
	hostPage(ctx, t, sys, "r-c")
	_ = eval[bool](ctx, t, `(window.located = [], document.addEventListener("mayday-location", (e) => window.located.push(e.detail)), true)`)
	waitFor(ctx, t, "the prompt", promptShown, 10*time.Second)
	waitFor(ctx, t, "the sites to pick from", sitesLoaded, 5*time.Second)

	region := eval[string](ctx, t, panelJS(`(s => s.getAttribute("role") + ": " + r.getElementById(s.getAttribute("aria-labelledby")).textContent)(r.querySelector(".where"))`))
	if region != "region: Where are you working?" {
		t.Fatalf("prompt = %q, want a region named by its heading", region)
	}
	unlabelled := eval[string](ctx, t, panelJS(`[...r.querySelectorAll(".where input, .where select")].filter(f => !f.labels.length || !f.labels[0].textContent.trim()).map(f => f.id || f.name).join(",")`))
	if unlabelled != "" {
		t.Fatalf("fields without a label: %s", unlabelled)
	}
	if got := eval[string](ctx, t, panelJS(`[...r.getElementById("w-country").options].map(o => o.value).filter(Boolean).join(",")`)); got != "US,CA,PR,GB,DK" {
		t.Fatalf("countries offered = %s", got)
	}
	if got := eval[string](ctx, t, panelJS(`r.getElementById("w-site").selectedOptions[0].textContent`)); got != "Seattle HQ — 1 Main St, Seattle" {
		t.Fatalf("site offered = %q", got)
	}
	if low := eval[string](ctx, t, panelJS(contrastJS+`lowContrast(r.querySelectorAll(".where h3, .where p, .where legend, .where label, .where .hint, .where button, .where-line span"))`)); low != "" {
		t.Fatalf("text below WCAG AA contrast (4.5:1): %s", low)
	}

	pressSubmit(ctx, t, "at-site")
	waitFor(ctx, t, "the prompt goes", promptGone, 5*time.Second)
	waitFor(ctx, t, "the location line", lineText+`.startsWith("Location Seattle HQ until")`, 5*time.Second)
	if got := eval[string](ctx, t, `window.located.map(d => d.agentId + ":" + d.location.siteId).join(",")`); got != "r-c:sea" {
		t.Fatalf("mayday-location events = %q, want one for r-c at sea", got)
	}
	if focused := eval[string](ctx, t, panelJS(`r.activeElement ? r.activeElement.className : ""`)); !strings.Contains(focused, "change") {
		t.Fatalf("focus on %q after saving, want Change", focused)
	}

	// Change, from the keyboard: the prompt comes back with the site chosen
	// and a Cancel, which closes it again.
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the prompt reopened", promptShown+` && `+panelJS(`!r.querySelector(".cancel").hidden && r.getElementById("w-site").value === "sea"`), 5*time.Second)
	_ = eval[bool](ctx, t, panelJS(`(r.querySelector(".cancel").focus(), true)`))
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the prompt closed", promptGone, 5*time.Second)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
