package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/testkit/harness"
	"github.com/mayday/mayday/shared/testkit/integration"
)

// The browser tests (TestBrowser…) drive Debian's Chromium, headless, through the local
// runner's console and desk. MAYDAY_SCREENSHOTS=<dir> also writes
// console.png, panel.png and security.png there (the README's pictures: docs/).

// browser opens a headless Chromium for the test, with the flags this
// network needs (nothing reaches out), a fresh profile and any extra flags.
func browser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	exec := integration.Chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exec), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900))
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start %s: %v", exec, err)
	}
	return ctx
}

// system is a local runner with the repository's sample site, agent a-1
// and one callback number at the site.
func system(t *testing.T) (*harness.System, *harness.Client) {
	t.Helper()
	sys := harness.Start(t, harness.Options{})
	c := sys.Client(t)
	c.OK("PUT", "/v1/sites/sea", harness.Sample(t, "admin/site.json", nil), false)
	c.OK("PUT", "/v1/agents/a-1", harness.Sample(t, "admin/agent.json", nil), false)
	c.OK("POST", "/v1/callback-numbers", harness.Sample(t, "admin/callback-number.json", nil), false)
	return sys, c
}

// panelJS evaluates an expression over the panel's shadow root, bound as r.
func panelJS(expr string) string {
	return `(() => { const p = document.querySelector("mayday-agent-panel"); const r = p && p.shadowRoot; if (!r) return null; return (` + expr + `); })()`
}

// waitFor polls a JS condition in the page until it holds or within runs out.
func waitFor(ctx context.Context, t *testing.T, what, cond string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(within), chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		dump, _ := chromedp.Run(ctx, chromedp.Evaluate[string](panelJS(`r.innerHTML`)+` || document.body.innerText`))
		t.Fatalf("%s: not within %s: %v\npage: %.2000s", what, within, err, dump)
	}
	return time.Since(start)
}

// contrastJS defines lowContrast(elements): each element whose text colour
// against its nearest opaque background is below WCAG AA's 4.5:1, with
// the ratio ("" when none).
const contrastJS = `(() => { window.lowContrast = (els) => {
  const rgb = (c) => (c.match(/[0-9.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const bg = (el) => { for (; el; el = el.parentElement || (el.getRootNode() && el.getRootNode().host)) {
      const c = rgb(getComputedStyle(el).backgroundColor); if (c.length === 3 || c[3] > 0) return c; }
    return [255, 255, 255]; };
  const bad = [];
  for (const el of els) {
    if (!el.textContent.trim() || el.getClientRects().length === 0) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) bad.push(el.className + " " + JSON.stringify(el.textContent.trim()) + " " + ratio.toFixed(2));
  }
  return bad.join("; ");
}; })(), `

func eval[T any](ctx context.Context, t *testing.T, expr string) T {
	t.Helper()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return out
}

func screenshot(ctx context.Context, t *testing.T, sel, name string) {
	dir := os.Getenv("MAYDAY_SCREENSHOTS")
	if dir == "" {
		return
	}
	action := chromedp.FullScreenshot(100)
	if sel != "" {
		action = chromedp.Screenshot(chromedp.CSS(sel))
	}
	png, err := chromedp.Run(ctx, action)
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The desk follows a call live: the dial shows the alert and the reduced
// panel without a reload, End call (pressed from the keyboard) ends the
// call, and the panel comes back with the agent's presence restored.
func TestBrowserDeskFollowsAnEmergencyCallLive(t *testing.T) {
	ctx := browser(t)
	sys, c := system(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(sys.URL+"/desk/a-1")); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the panel shows the agent", panelJS(`r.querySelector(".presence").textContent === "Busy"`), 10*time.Second)
	if got := eval[string](ctx, t, panelJS(`[...r.querySelectorAll(".actions button")].map(b => b.textContent).join("|")`)); !strings.Contains(got, "Hold") {
		t.Fatalf("normal panel actions = %q, want the full set", got)
	}
	if eval[bool](ctx, t, panelJS(`r.querySelector(".form").hidden`)) {
		t.Fatal("Save/Refresh hidden before any emergency")
	}
	alertRole := eval[string](ctx, t, panelJS(`(a => a.getAttribute("role") + " " + a.getAttribute("aria-live"))(r.querySelector(".alert"))`))
	if alertRole != "alert assertive" {
		t.Fatalf("alert region = %q, want role=alert aria-live=assertive", alertRole)
	}
	_ = eval[bool](ctx, t, `window.__sameDocument = true`)

	c.OK("POST", "/v1/telephony/events", harness.Sample(t, "webhooks/dial.json", nil), true)
	took := waitFor(ctx, t, "the alert appears", panelJS(`r.querySelector(".alert").textContent === "`+mayday.EmergencyAlert+`"`), 5*time.Second)
	t.Logf("alert shown %s after the dial's answer", took.Round(time.Millisecond))
	if took > time.Second {
		t.Errorf("alert took %s after the dial, want within a second", took)
	}
	waitFor(ctx, t, "the callback number shows with its time left",
		panelJS(`!r.querySelector(".callback").hidden && r.querySelector(".number").textContent === "+14255550001" && /left/.test(r.querySelector(".left").textContent)`), 3*time.Second)
	if got := eval[string](ctx, t, panelJS(`[...r.querySelectorAll(".actions button")].map(b => b.textContent).join("|")`)); got != "Device settings|End call" {
		t.Fatalf("emergency panel actions = %q, want only Device settings and End call", got)
	}
	if !eval[bool](ctx, t, panelJS(`r.querySelector(".form").hidden && r.querySelectorAll(".form button").length === 0`)) {
		t.Fatal("Save/Refresh still offered during the emergency")
	}
	if !eval[bool](ctx, t, `window.__sameDocument === true`) {
		t.Fatal("the page was reloaded")
	}
	screenshot(ctx, t, "mayday-agent-panel", "panel.png")
	if low := eval[string](ctx, t, panelJS(contrastJS+`lowContrast(r.querySelectorAll(".alert, .presence, .label, .number, .left, button"))`)); low != "" {
		t.Fatalf("text below WCAG AA contrast (4.5:1): %s", low)
	}

	// End call from the keyboard: focus the button, press Enter.
	_ = eval[bool](ctx, t, panelJS(`(r.querySelector('button[data-action="endCall"]').focus(), true)`))
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the alert goes and presence is restored",
		panelJS(`r.querySelector(".alert").textContent === "" && r.querySelector(".presence").textContent === "Busy"`), 5*time.Second)
	if !eval[bool](ctx, t, panelJS(`!r.querySelector(".form").hidden && r.querySelectorAll(".actions button").length > 2`)) {
		t.Fatal("the full panel did not come back after the call")
	}
	st := c.OK("GET", "/v1/agents/a-1/state", nil, false)
	if harness.Get(st, "emergency.active") != false || st["presence"] != "Busy" {
		t.Fatalf("state after End call = %v, want the call ended and presence Busy", st)
	}
}

// The console shows the site's pool with the live lease (who holds it)
// and the agent with its readiness.
func TestBrowserConsoleShowsPoolsLeasesAndAgents(t *testing.T) {
	ctx := browser(t)
	sys, c := system(t)
	c.OK("POST", "/v1/telephony/events", harness.Sample(t, "webhooks/dial.json", nil), true)
	if err := chromedp.Do(ctx, chromedp.Navigate(sys.URL+"/")); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the pool shows the number leased by a-1",
		`(r => r && r.textContent.includes("a-1") && r.textContent.includes("c-1") && /left/.test(r.textContent))(document.querySelector('[data-site="sea"] [data-number="+14255550001"]'))`, 10*time.Second)
	waitFor(ctx, t, "the agent shows with its readiness",
		`(r => r && r.textContent.includes("Ada Agent") && r.textContent.includes("sup@example.com") && /Ready|Fix/.test(r.textContent))(document.querySelector('[data-agent="a-1"]'))`, 10*time.Second)
	waitFor(ctx, t, "the events show", `document.querySelectorAll("#events-list li").length > 0`, 5*time.Second)
	screenshot(ctx, t, "", "console.png")
}

// Editing the template changes the preview (rendered by the outbox's
// renderer); pushing it makes the next email use it.
func TestBrowserTemplateEditorPreviewsAndPushes(t *testing.T) {
	ctx := browser(t)
	sys, c := system(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(sys.URL+"/#template")); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the stored template's preview", `document.getElementById("p-subject").textContent.includes("Ada Agent")`, 10*time.Second)
	subject := chromedp.ID("t-subject")
	clear := func() { _ = eval[bool](ctx, t, `(document.getElementById("t-subject").value = "", true)`) }
	clear()
	if err := chromedp.Do(ctx, chromedp.SendKeys(subject, "Urgent: {{agentName}} at {{siteName}}")); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the preview follows the subject", `document.getElementById("p-subject").textContent === "Urgent: Ada Agent at Seattle HQ"`, 5*time.Second)
	waitFor(ctx, t, "the HTML part renders in the preview frame",
		`(d => d && d.body && d.body.textContent.includes("An emergency call was made") && d.body.textContent.includes("Ada Agent"))(document.getElementById("p-html").contentDocument)`, 5*time.Second)

	if err := chromedp.Do(ctx, chromedp.SendKeys(subject, " {{#if")); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "a broken template is reported", `/Does not render/.test(document.getElementById("t-status").textContent)`, 5*time.Second)
	clear()
	if err := chromedp.Do(ctx, chromedp.SendKeys(subject, "Urgent: {{agentName}}"), chromedp.Click(chromedp.ID("t-push"))); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the push succeeds", `/Pushed/.test(document.getElementById("t-status").textContent)`, 5*time.Second)

	c.OK("POST", "/v1/telephony/events", harness.Sample(t, "webhooks/dial.json", map[string]any{"callId": "c-2"}), true)
	harness.Eventually(t, "the email with the pushed subject", func() bool {
		for _, e := range sys.Emails(t) {
			if fmt.Sprint(e["subject"]) == "Urgent: Ada Agent" {
				return true
			}
		}
		return false
	})
}

// Without a stream, the component polls the state route: a desktop that
// only has the state route still follows the call. It also emits
// mayday-state for the host.
func TestBrowserPanelPollsTheStateRouteWithoutAStream(t *testing.T) {
	ctx := browser(t)
	sys, c := system(t)
	hostPage(ctx, t, sys, "a-1")
	waitFor(ctx, t, "the polled panel shows the agent", panelJS(`r.querySelector(".presence").textContent === "Busy"`), 10*time.Second)
	c.OK("POST", "/v1/telephony/events", harness.Sample(t, "webhooks/dial.json", nil), true)
	took := waitFor(ctx, t, "the polled panel shows the alert", panelJS(`r.querySelector(".alert").textContent === "`+mayday.EmergencyAlert+`"`), 5*time.Second)
	if took > time.Second {
		t.Errorf("alert took %s by polling every 250ms, want within a second", took)
	}
	if n := eval[int](ctx, t, `window.states`); n < 2 {
		t.Fatalf("mayday-state emitted %d times, want one per rendered state", n)
	}
}

// hostPage opens a bare host page on the runner's origin, with none of the
// console's pages or styles: the component's script and one polling
// element for agent. It counts the mayday-state events in window.states.
func hostPage(ctx context.Context, t *testing.T, sys *harness.System, agent string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(sys.URL+"/assets/mayday-panel.js")); err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(agent)
	_ = eval[bool](ctx, t, `(() => {
		document.documentElement.innerHTML = "<body></body>";
		window.states = 0;
		document.addEventListener("mayday-state", () => window.states++);
		const s = document.createElement("script");
		s.src = "/assets/mayday-panel.js";
		s.onload = () => {
			const p = document.createElement("mayday-agent-panel");
			p.setAttribute("agent-id", `+string(js)+`);
			p.setAttribute("poll-interval", "250");
			document.body.append(p);
		};
		document.head.append(s);
		return true;
	})()`)
}

// From an empty runner, an operator sets everything up in the console:
// a site, its callback numbers (one removed again) and an agent, whose
// readiness then shows.
func TestBrowserConsoleSetsUpASiteNumbersAndAnAgent(t *testing.T) {
	ctx := browser(t)
	sys := harness.Start(t, harness.Options{})
	if err := chromedp.Do(ctx, chromedp.Navigate(sys.URL+"/")); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the empty console", `document.getElementById("sites-list").textContent.includes("No sites")`, 10*time.Second)
	edit := func(button, id, body string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID(button))); err != nil {
			t.Fatal(err)
		}
		waitFor(ctx, t, "the editor opens", `document.getElementById("editor").open`, 5*time.Second)
		js, _ := json.Marshal(body)
		_ = eval[bool](ctx, t, `(document.getElementById("editor-json").value = `+string(js)+`, true)`)
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("editor-id"), id), chromedp.Click(chromedp.ID("editor-save"))); err != nil {
			t.Fatal(err)
		}
		waitFor(ctx, t, "the editor closes once saved", `!document.getElementById("editor").open`, 5*time.Second)
	}
	// A site the API refuses: the editor stays open and says why.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("new-site"))); err != nil {
		t.Fatal(err)
	}
	_ = eval[bool](ctx, t, `(document.getElementById("editor-json").value = '{"name": "No address"}', true)`)
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("editor-id"), "bad"), chromedp.Click(chromedp.ID("editor-save"))); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the refusal shown", `document.getElementById("editor").open && /Not saved/.test(document.getElementById("editor-status").textContent)`, 5*time.Second)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("editor-cancel"))); err != nil {
		t.Fatal(err)
	}
	edit("new-site", "sea", harness.Sample(t, "admin/site.json", nil))
	waitFor(ctx, t, "the new site", `(e => e && e.textContent.includes("Seattle HQ"))(document.querySelector('[data-site="sea"]'))`, 5*time.Second)

	addNumber := func(n string) {
		t.Helper()
		_ = eval[bool](ctx, t, `(document.getElementById("n-site").value = "sea", true)`)
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("n-number"), n), chromedp.SendKeys(chromedp.ID("n-country"), "US"),
			chromedp.Click(chromedp.CSS(`#add-number button[type="submit"]`))); err != nil {
			t.Fatal(err)
		}
		waitFor(ctx, t, "number "+n+" in the site's pool", `!!document.querySelector('[data-site="sea"] [data-number="`+n+`"]')`, 5*time.Second)
		_ = eval[bool](ctx, t, `(document.getElementById("n-country").value = "", true)`)
	}
	addNumber("+14255550001")
	addNumber("+14255550002")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-number="+14255550002"] button`))); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the removed number gone", `!document.querySelector('[data-number="+14255550002"]')`, 5*time.Second)

	edit("new-agent", "a-1", harness.Sample(t, "admin/agent.json", nil))
	waitFor(ctx, t, "the new agent, ready", `(e => e && e.textContent.includes("Ada Agent") && e.textContent.includes("Ready"))(document.querySelector('[data-agent="a-1"]'))`, 5*time.Second)

	c := sys.Client(t)
	if ns := c.OK("GET", "/v1/callback-numbers", nil, false)["numbers"].([]any); len(ns) != 1 {
		t.Fatalf("numbers stored = %v, want the one left", ns)
	}
	if a := c.OK("GET", "/v1/agents/a-1", nil, false); a["siteId"] != "sea" || a["name"] != "Ada Agent" {
		t.Fatalf("agent stored = %v", a)
	}
}
