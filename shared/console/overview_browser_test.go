package console_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mayday/mayday/shared/testkit/harness"
)

// counted is one request the browser made through a countingProxy.
type counted struct {
	route  string // "GET /path"
	status int
}

// countingProxy sits between the browser and the runner and records every
// request the page makes.
type countingProxy struct {
	URL  string
	mu   sync.Mutex
	seen []counted
}

func newCountingProxy(t *testing.T, target string) *countingProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{}
	// The Host stays the proxy's, so the runner's same-origin checks see
	// the page's own origin.
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(u); r.Out.Host = r.In.Host }}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		rp.ServeHTTP(rec, r)
		p.mu.Lock()
		p.seen = append(p.seen, counted{r.Method + " " + r.URL.Path, rec.status})
		p.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// take returns the requests recorded since the last take.
func (p *countingProxy) take() []counted {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.seen
	p.seen = nil
	return out
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }

// The console renders from one request per poll, /console/overview,
// whatever the number of agents; unchanged answers are 304s; readiness,
// which may ask the telephony platform, is read only when the operator
// presses Check.
func TestBrowserConsolePollsOneRoutePerPoll(t *testing.T) {
	const agents = 8
	ctx := browser(t)
	sys, c := system(t)
	for i := 2; i <= agents; i++ {
		c.OK("PUT", fmt.Sprintf("/v1/agents/a-%d", i), harness.Sample(t, "admin/agent.json", map[string]any{"name": fmt.Sprintf("Agent %d", i)}), false)
	}
	c.OK("POST", "/v1/telephony/events", harness.Sample(t, "webhooks/dial.json", nil), true)
	proxy := newCountingProxy(t, sys.URL)
	if err := chromedp.Do(ctx, chromedp.Navigate(proxy.URL+"/")); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "every agent, the lease and the emergency",
		fmt.Sprintf(`document.querySelectorAll("[data-agent]").length === %d && `, agents)+
			`(r => r && r.textContent.includes("a-1") && r.textContent.includes("c-1"))(document.querySelector('[data-number="+14255550001"]')) && `+
			`document.querySelector('[data-agent="a-1"]').textContent.includes("emergency") && `+
			`document.querySelector('[data-agent="a-8"]').textContent.includes("Agent 8") && `+
			`/Ready/.test(document.querySelector('[data-agent="a-8"]').textContent) && `+
			`document.querySelectorAll("#events-list li").length > 0 && `+
			`document.getElementById("p-subject").textContent !== ""`, 10*time.Second) // the template's one preview is in

	proxy.take()
	const window = 4500 * time.Millisecond // two polls at least, three at most
	time.Sleep(window)
	polled := proxy.take()
	var notModified int
	for _, r := range polled {
		if r.route != "GET /console/overview" {
			t.Errorf("the console requested %s while polling; want only GET /console/overview", r.route)
		}
		if r.status == http.StatusNotModified {
			notModified++
		}
	}
	t.Logf("%d agents: %d requests in %s: %v", agents, len(polled), window, polled)
	if len(polled) < 2 || len(polled) > 3 {
		t.Errorf("%d requests in %s, want one per 2 s poll", len(polled), window)
	}
	if notModified == 0 {
		t.Errorf("no poll was answered 304 though nothing changed: %v", polled)
	}

	// A change shows from the next poll.
	c.OK("PUT", "/v1/agents/a-2/presence", `{"presence":"Away"}`, false)
	waitFor(ctx, t, "a-2 away", `document.querySelector('[data-agent="a-2"]').textContent.includes("Away")`, 5*time.Second)

	// Readiness on demand.
	proxy.take()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-agent="a-2"] button[aria-label="Check readiness of a-2"]`))); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "a-2's readiness, checked", `/Checked at/.test(document.querySelector('[data-agent="a-2"]').textContent)`, 5*time.Second)
	var readiness []string
	for _, r := range proxy.take() {
		if strings.HasSuffix(r.route, "/readiness") {
			readiness = append(readiness, r.route)
		}
	}
	if len(readiness) != 1 || readiness[0] != "GET /v1/agents/a-2/readiness" {
		t.Errorf("readiness requests after Check = %q, want one for a-2", readiness)
	}
}
