package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
)

var alertKey = []byte("alert-key")

// busLog keeps what is published.
type busLog struct {
	mu  sync.Mutex
	evs []events.Event
}

func (b *busLog) Publish(_ context.Context, evs ...events.Event) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.evs = append(b.evs, evs...)
	return nil
}

func (b *busLog) count(detailType string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, e := range b.evs {
		if e.DetailType == detailType {
			n++
		}
	}
	return n
}

// outboxLog reads the events the store recorded with its writes.
type outboxLog struct{ store *inmem.Store }

func (o *outboxLog) count(detailType string) int {
	n := 0
	for _, e := range o.store.PendingEvents() {
		if e.DetailType == detailType {
			n++
		}
	}
	return n
}

// alertAPI serves every route over a store holding one open alert of
// site sea, al-1, whose link's token is returned.
func alertAPI(t *testing.T, limiter *httpapi.AlertLimiter) (http.Handler, *inmem.Store, *outboxLog, string) {
	t.Helper()
	store, bus := inmem.NewStore(), &busLog{}
	o := mayday.Options{Config: settings.Defaults(),
		AlertSecret: func(context.Context) ([][]byte, error) { return [][]byte{alertKey}, nil }}
	uc, err := mayday.NewUseCases(store, bus, inmem.NewOutbox(mayday.SystemClock{}), o)
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour)
	if _, err := store.UpdateAlert(context.Background(), "al-1", func(a *mayday.Alert) error {
		*a = mayday.Alert{ID: "al-1", CallID: "c-1", SiteID: "sea", Tier: mayday.TierDesk, At: time.Now(), AgentID: "a-1",
			AgentName: "Ada <Agent>", DialedNumber: "911", CallerID: "+14255550100", CallerIDSource: mayday.CallerLease,
			SiteName: "Seattle HQ", Address: "1 Main St, Seattle", Detail: "Floor 3", SentAt: time.Now(), ExpiresAt: exp}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	api := httpapi.ForUseCases(uc)
	api.AlertLimiter = limiter
	return mustHandler(t, api, httpapi.FnAlertAck, httpapi.FnAdmin), store, &outboxLog{store}, mayday.SignAlertToken(alertKey, "al-1", exp)
}

// TestAlertPage: GET shows the alert (JSON, or the page with its form)
// and changes nothing; the token is checked first.
func TestAlertPage(t *testing.T) {
	h, store, bus, token := alertAPI(t, nil)
	expired := mayday.SignAlertToken(alertKey, "al-1", time.Now().Add(-time.Minute))
	for _, tc := range []struct {
		name, path, accept string
		status             int
		want               []string
	}{
		{"json", "/v1/alerts/al-1?token=" + token, "", 200, []string{`"alertId":"al-1"`, `"callerId":"+14255550100"`, `"acknowledged":false`}},
		{"page", "/v1/alerts/al-1?token=" + token, "text/html,application/xhtml+xml", 200,
			[]string{`<form method="post" action="/v1/alerts/al-1/ack">`, `name="token" value="` + token + `"`, "Ada &lt;Agent&gt;", "+14255550100", "Seattle HQ, 1 Main St, Seattle, Floor 3"}},
		{"no token", "/v1/alerts/al-1", "", 401, []string{"alert token invalid"}},
		{"wrong token", "/v1/alerts/al-1?token=" + mayday.SignAlertToken([]byte("other"), "al-1", time.Now().Add(time.Hour)), "", 401, nil},
		{"another alert's token", "/v1/alerts/al-2?token=" + token, "", 401, nil},
		{"expired", "/v1/alerts/al-1?token=" + expired, "", 403, []string{"expired"}},
		{"expired page", "/v1/alerts/al-1?token=" + expired, "text/html", 403, []string{"This link has expired."}},
		{"unknown alert", "/v1/alerts/al-9?token=" + mayday.SignAlertToken(alertKey, "al-9", time.Now().Add(time.Hour)), "", 404, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := do(h, "GET", tc.path, "", map[string]string{"Accept": tc.accept})
			if w.Code != tc.status {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, tc.status)
			}
			for _, s := range tc.want {
				if !strings.Contains(w.Body.String(), s) {
					t.Errorf("body lacks %q: %s", s, w.Body)
				}
			}
			if tc.accept != "" && (w.Header().Get("Referrer-Policy") != "no-referrer" || !strings.Contains(w.Header().Get("Content-Security-Policy"), "form-action 'self'")) {
				t.Errorf("page headers %v", w.Header())
			}
		})
	}
	a, _ := store.GetAlert(context.Background(), "al-1")
	if a.Version != 1 || a.Acknowledged() || bus.count(events.EmergencyAlertAcknowledged) != 0 {
		t.Fatalf("GET changed the alert: %+v", a)
	}
}

// TestAlertAckRoute: the token in the body only; the first
// acknowledgement wins and is announced, later ones answer who and when;
// the page's form post works from its own origin, not from another.
func TestAlertAckRoute(t *testing.T) {
	h, store, bus, token := alertAPI(t, nil)
	form := func(name string) string { return url.Values{"token": {token}, "name": {name}}.Encode() }
	formType := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html",
		"Sec-Fetch-Site": "same-origin", "Origin": "http://example.com"}
	for _, tc := range []struct {
		name, path, body string
		header           map[string]string
		status           int
		want             string
	}{
		{"token in the query only", "/v1/alerts/al-1/ack?token=" + token, `{"name":"Lee"}`, map[string]string{"Content-Type": "application/json"}, 401, "token missing"},
		{"wrong token", "/v1/alerts/al-1/ack", `{"token":"1.AAAA"}`, map[string]string{"Content-Type": "application/json"}, 401, ""},
		{"text/plain", "/v1/alerts/al-1/ack", form("Lee"), map[string]string{"Content-Type": "text/plain"}, 415, ""},
		{"cross-site form", "/v1/alerts/al-1/ack", form("Mallory"), map[string]string{"Content-Type": "application/x-www-form-urlencoded",
			"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, 403, ""},
		{"bad name", "/v1/alerts/al-1/ack", `{"token":"` + token + `","name":"a\u202eb"}`, map[string]string{"Content-Type": "application/json"}, 400, "name"},
		{"first (form, from the page)", "/v1/alerts/al-1/ack", form("Desk officer Lee"), formType, 200, "Acknowledged. The emergency is yours."},
		{"later (json)", "/v1/alerts/al-1/ack", `{"token":"` + token + `","name":"Kim"}`, map[string]string{"Content-Type": "application/json"}, 200, `"first":false`},
		{"later (form)", "/v1/alerts/al-1/ack", form("Kim"), formType, 200, "Already acknowledged."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := do(h, "POST", tc.path, tc.body, tc.header)
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.want) {
				t.Fatalf("%d %s, want %d containing %q", w.Code, w.Body, tc.status, tc.want)
			}
			if tc.status == 200 && !strings.Contains(w.Body.String(), "Desk officer Lee") {
				t.Fatalf("answer does not name the first: %s", w.Body)
			}
		})
	}
	if n := bus.count(events.EmergencyAlertAcknowledged); n != 1 {
		t.Fatalf("%d acknowledgements announced, want 1", n)
	}
	a, _ := store.GetAlert(context.Background(), "al-1")
	if a.AcknowledgedBy != "Desk officer Lee" || a.Version != 2 {
		t.Fatalf("stored %+v", a)
	}
}

// TestAlertRateLimit: beyond an alert's bucket, 429 with Retry-After;
// another alert from another client is not held up.
func TestAlertRateLimit(t *testing.T) {
	h, _, _, token := alertAPI(t, &httpapi.AlertLimiter{PerAlert: httpapi.Rate{Burst: 3, PerSecond: 0.1}, PerClient: httpapi.Rate{Burst: 100, PerSecond: 1}})
	for i := range 3 {
		if w := do(h, "GET", "/v1/alerts/al-1?token="+token, "", nil); w.Code != 200 {
			t.Fatalf("request %d: %d", i, w.Code)
		}
	}
	w := do(h, "POST", "/v1/alerts/al-1/ack", `{"token":"`+token+`"}`, map[string]string{"Content-Type": "application/json"})
	if w.Code != 429 || w.Header().Get("Retry-After") != "10" {
		t.Fatalf("over the limit: %d Retry-After %q %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	if w := do(h, "GET", "/v1/alerts/al-2?token=x", "", nil); w.Code != 401 {
		t.Fatalf("another alert: %d, want 401 (not limited)", w.Code)
	}
	l := &httpapi.AlertLimiter{PerAlert: httpapi.Rate{Burst: 100, PerSecond: 1}, PerClient: httpapi.Rate{Burst: 2, PerSecond: 0.5}}
	now := time.Now()
	for i, want := range []bool{true, true, false} {
		if ok, _ := l.Allow("al-"+string(rune('a'+i)), "192.0.2.1", now); ok != want {
			t.Fatalf("client request %d: %v, want %v", i, ok, want)
		}
	}
	if ok, _ := l.Allow("al-z", "192.0.2.1", now.Add(2*time.Second)); !ok {
		t.Fatal("the client's bucket did not refill")
	}
}

// TestAlertConsoleRoutes: the console lists the open alerts of a site and
// acknowledges without a token, under the admin guard.
func TestAlertConsoleRoutes(t *testing.T) {
	h, _, bus, _ := alertAPI(t, nil)
	list := func(q string) (int, []string) {
		w := do(h, "GET", "/v1/alerts"+q, "", nil)
		var v struct {
			Alerts []httpapi.AlertView `json:"alerts"`
		}
		_ = json.Unmarshal(w.Body.Bytes(), &v)
		var ids []string
		for _, a := range v.Alerts {
			ids = append(ids, a.AlertID)
		}
		return w.Code, ids
	}
	if code, ids := list("?open=true&siteId=sea"); code != 200 || len(ids) != 1 || ids[0] != "al-1" {
		t.Fatalf("open of sea: %d %v", code, ids)
	}
	if code, ids := list("?siteId=bel"); code != 200 || len(ids) != 0 {
		t.Fatalf("open of bel: %d %v", code, ids)
	}
	if code, _ := list("?open=maybe"); code != 400 {
		t.Fatalf("open=maybe: %d, want 400", code)
	}
	w := do(h, "PUT", "/v1/alerts/al-1/acknowledgement", `{"name":"console: Lee"}`, map[string]string{"Content-Type": "application/json"})
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"first":true`) {
		t.Fatalf("console ack: %d %s", w.Code, w.Body)
	}
	w = do(h, "PUT", "/v1/alerts/al-1/acknowledgement", `{"name":"Kim"}`, map[string]string{"Content-Type": "application/json"})
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"first":false`) || !strings.Contains(w.Body.String(), `"acknowledgedBy":"console: Lee"`) {
		t.Fatalf("console ack again: %d %s", w.Code, w.Body)
	}
	if code, ids := list("?siteId=sea"); code != 200 || len(ids) != 0 {
		t.Fatalf("open after the acknowledgement: %d %v", code, ids)
	}
	// The desk still sees who acknowledged it while its link is live.
	w = do(h, "GET", "/v1/alerts?open=false&siteId=sea", "", nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"alertId":"al-1"`) || !strings.Contains(w.Body.String(), `"acknowledgedBy":"console: Lee"`) {
		t.Fatalf("live of sea: %d %s", w.Code, w.Body)
	}
	if w2 := do(h, "GET", "/v1/alerts?open=false&siteId=sea", "", map[string]string{"If-None-Match": w.Header().Get("ETag")}); w2.Code != 304 {
		t.Fatalf("unchanged live alerts: %d, want 304", w2.Code)
	}
	if w := do(h, "PUT", "/v1/alerts/al-9/acknowledgement", `{}`, nil); w.Code != 404 {
		t.Fatalf("unknown alert: %d", w.Code)
	}
	if n := bus.count(events.EmergencyAlertAcknowledged); n != 1 {
		t.Fatalf("%d announced", n)
	}
}
