package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/webhooksecret"
)

// Hostile input, as an attacker or a careless integrator sends it: ids
// outside [A-Za-z0-9._:@-]{1,128}, names and free text with control or
// bidirectional-override characters, invalid UTF-8 or too long, JSON keys
// that differ only by case or appear twice, unknown fields on admin routes.
// Each is refused with 400, naming the field; nothing is stored.
func TestHostileInput(t *testing.T) {
	h := newAPI(t, nil)
	site := `{"name":"Seattle HQ","country":"US","address":{"street":"1 Main St","city":"Seattle","region":"WA","postalCode":"98101","country":"US"}}`
	if rec := do(h, "PUT", "/v1/sites/sea", site, nil); rec.Code != 200 {
		t.Fatalf("site: %d %s", rec.Code, rec.Body)
	}
	if rec := do(h, "PUT", "/v1/agents/a-1", `{"name":"Ada","country":"US"}`, nil); rec.Code != 200 {
		t.Fatalf("agent: %d %s", rec.Code, rec.Body)
	}
	badIDs := map[string]string{"CR LF": "a\r\nb", "NUL": "a\x00b", "bidi override": "a\u202eb", "invalid UTF-8": "a\xffb",
		"8000 characters": strings.Repeat("a", 8000), "129 characters": strings.Repeat("a", 129), "space": "a b", "slash": "a/b",
		"non-ASCII letter": "agént"}
	jsonString := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	dial := func(field, v string) string {
		m := map[string]string{"callId": "c-1", "agentId": "a-1", "siteId": "sea"}
		m[field] = v
		return `{"type":"call.dialed","callId":` + jsonString(m["callId"]) + `,"agentId":` + jsonString(m["agentId"]) +
			`,"siteId":` + jsonString(m["siteId"]) + `,"to":"911","occurredAt":"2026-11-22T21:00:00Z"}`
	}
	type req struct{ method, path, body string }
	var cases []struct {
		name string
		req
		want string
	}
	add := func(name string, r req, want string) {
		cases = append(cases, struct {
			name string
			req
			want string
		}{name, r, want})
	}
	for name, id := range badIDs {
		p := url.PathEscape(id)
		add("agent id "+name, req{"PUT", "/v1/agents/" + p, `{"name":"Ada"}`}, "agentId")
		add("agent id read "+name, req{"GET", "/v1/agents/" + p, ""}, "agentId")
		add("site id "+name, req{"PUT", "/v1/sites/" + p, site}, "siteId")
		add("agent's site id "+name, req{"PUT", "/v1/agents/a-1", `{"name":"Ada","siteId":` + jsonString(id) + `}`}, "siteId")
		add("location site id "+name, req{"PUT", "/v1/agents/a-1/location", `{"siteId":` + jsonString(id) + `}`}, "siteId")
		add("number's site id "+name, req{"POST", "/v1/callback-numbers", `{"number":"+14255550001","country":"US","siteId":` + jsonString(id) + `}`}, "siteId")
		for _, f := range []string{"callId", "agentId", "siteId"} {
			add("dial "+f+" "+name, req{"POST", "/v1/telephony/events", dial(f, id)}, f)
		}
		add("inbound callId "+name, req{"POST", "/v1/telephony/inbound", `{"callId":` + jsonString(id) + `,"from":"+1","to":"+14255550001"}`}, "callId")
	}
	badText := map[string]string{"terminal escape": "Ada\x1b[2J", "CR LF": "Ada\r\nBcc: x", "bidi override": "Ada\u202egnp.exe",
		"isolate": "Ada\u2066x\u2069", "DEL": "Ada\x7f", "C1": "A\u0085da", "line separator": "A\u2028da"}
	for name, s := range badText {
		add("agent name "+name, req{"PUT", "/v1/agents/a-1", `{"name":` + jsonString(s) + `}`}, "name")
		add("site name "+name, req{"PUT", "/v1/sites/sea", strings.Replace(site, `"Seattle HQ"`, jsonString(s), 1)}, "name")
		add("site street "+name, req{"PUT", "/v1/sites/sea", strings.Replace(site, `"1 Main St"`, jsonString("1 "+s), 1)}, "street")
		add("location detail "+name, req{"PUT", "/v1/agents/a-1/location", `{"siteId":"sea","detail":` + jsonString(s) + `}`}, "detail")
		add("call location "+name, req{"POST", "/v1/telephony/events", strings.Replace(dial("", ""), `"to"`, `"location":`+jsonString(s)+`,"to"`, 1)}, "location")
	}
	add("agent name of 101 characters", req{"PUT", "/v1/agents/a-1", `{"name":"` + strings.Repeat("x", 101) + `"}`}, "name")
	add("agent name of 20 KB", req{"PUT", "/v1/agents/a-1", `{"name":"` + strings.Repeat("x", 20_000) + `"}`}, "name")
	add("site name of 101 characters", req{"PUT", "/v1/sites/sea", strings.Replace(site, `"Seattle HQ"`, `"`+strings.Repeat("x", 101)+`"`, 1)}, "name")
	add("location detail of 61 characters", req{"PUT", "/v1/agents/a-1/location", `{"siteId":"sea","detail":"` + strings.Repeat("x", 61) + `"}`}, "detail")
	add("call location of 201 characters", req{"POST", "/v1/telephony/events", strings.Replace(dial("", ""), `"to"`, `"location":"`+strings.Repeat("x", 201)+`","to"`, 1)}, "location")
	add("agent name, invalid UTF-8", req{"PUT", "/v1/agents/a-1", "{\"name\":\"Ada\xff\"}"}, "UTF-8")
	add("call location, invalid UTF-8", req{"POST", "/v1/telephony/events", strings.Replace(dial("", ""), `"to"`, "\"location\":\"B4\xfe\",\"to\"", 1)}, "UTF-8")
	// Keys: exact, once.
	add("dial key in capitals", req{"POST", "/v1/telephony/events", strings.Replace(dial("", ""), `"agentId":"a-1"`, `"agentId":"a-1","AGENTID":"a-4"`, 1)}, "AGENTID")
	add("dial key twice", req{"POST", "/v1/telephony/events", strings.Replace(dial("", ""), `"agentId":"a-1"`, `"agentId":"a-1","agentId":"a-4"`, 1)}, "agentId")
	add("admin key in another case", req{"PUT", "/v1/agents/a-1", `{"Name":"Ada"}`}, "Name")
	add("admin key twice", req{"PUT", "/v1/agents/a-1", `{"name":"Ada","name":"Eve"}`}, "name")
	add("admin nested key twice", req{"PUT", "/v1/sites/sea", strings.Replace(site, `"city":"Seattle"`, `"city":"Seattle","city":"Tacoma"`, 1)}, "address.city")
	add("admin unknown field", req{"PUT", "/v1/agents/a-1", `{"name":"Ada","nmae":"Eve"}`}, "nmae")
	add("presence unknown field", req{"PUT", "/v1/agents/a-1/presence", `{"presence":"Away","until":"never"}`}, "until")
	add("number unknown field", req{"POST", "/v1/callback-numbers", `{"number":"+14255550001","country":"US","site":"sea"}`}, "site")
	add("agent id in the body is another", req{"PUT", "/v1/agents/a-1", `{"agentId":"a-2","name":"Ada"}`}, "agentId")

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var hdr map[string]string
			if strings.HasPrefix(c.path, "/v1/telephony/") {
				hdr = signed(c.body)
			}
			rec := do(h, c.method, c.path, c.body, hdr)
			if rec.Code != 400 || !strings.Contains(rec.Body.String(), c.want) {
				t.Errorf("%d %.200s; want 400 naming %s", rec.Code, rec.Body, c.want)
			}
		})
	}
	// Nothing of it was stored.
	if rec := do(h, "GET", "/v1/agents/a-1", "", nil); !strings.Contains(rec.Body.String(), `"name":"Ada","email"`) || strings.Contains(rec.Body.String(), `"siteId"`) {
		t.Errorf("agent after the refusals: %s", rec.Body)
	}
}

// What is allowed stays allowed: every id character, 128 of them, a name
// of 100 characters in any script, a webhook's unknown fields (platforms
// add them), and an agent put back as GET answered it.
func TestInputLimitsAccepted(t *testing.T) {
	h := newAPI(t, nil)
	long := strings.Repeat("a", 128)
	name := strings.Repeat("é", 50) + strings.Repeat("日", 50)
	for _, s := range []struct{ method, path, body string }{
		{"PUT", "/v1/agents/A.z_0:9@x-y", `{"name":"` + name + `","country":"US"}`},
		{"PUT", "/v1/agents/" + long, `{"name":"Ada"}`},
		{"PUT", "/v1/sites/" + long, `{"name":"` + name + `","country":"US","address":{"street":"1 Main St","city":"Seattle","region":"WA","postalCode":"98101","country":"US"}}`},
		{"PUT", "/v1/agents/" + long + "/location", `{"siteId":"` + long + `","detail":"Floor 3, desk 12 — près de la fenêtre"}`},
	} {
		if rec := do(h, s.method, s.path, s.body, nil); rec.Code != 200 {
			t.Errorf("%s %.60s: %d %s", s.method, s.path, rec.Code, rec.Body)
		}
	}
	got := do(h, "GET", "/v1/agents/A.z_0:9@x-y", "", nil)
	if rec := do(h, "PUT", "/v1/agents/A.z_0:9@x-y", got.Body.String(), nil); rec.Code != 200 {
		t.Errorf("agent put back as fetched: %d %s", rec.Code, rec.Body)
	}
	dial := `{"type":"call.dialed","callId":"` + long + `","agentId":"` + long + `","to":"911","country":"US","platformField":{"Nested":1},"occurredAt":"2026-11-22T21:00:00Z"}`
	if rec := do(h, "POST", "/v1/telephony/events", dial, signed(dial)); rec.Code != 200 {
		t.Errorf("dial with an unknown field: %d %s", rec.Code, rec.Body)
	}
}

// A missing thing is named once, and a too-large admin body is 413.
func TestErrorsKeepTheirMeaning(t *testing.T) {
	h := newAPI(t, nil)
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/v1/agents/nobody", ""},
		{"PUT", "/v1/agents/nobody/presence", `{"presence":"Away"}`},
		{"GET", "/v1/sites/nowhere", ""},
		{"DELETE", "/v1/agents/nobody/location", ""},
	} {
		rec := do(h, c.method, c.path, c.body, nil)
		var e map[string]string
		_ = json.Unmarshal(rec.Body.Bytes(), &e)
		if rec.Code != 404 || strings.Count(e["error"], "not found") != 1 || strings.Count(e["error"], "nobody")+strings.Count(e["error"], "nowhere") != 1 {
			t.Errorf("%s %s: %d %q; want 404 naming the missing thing once", c.method, c.path, rec.Code, e["error"])
		}
	}
	big := `{"name":"` + strings.Repeat("x", 70_000) + `"}`
	if rec := do(h, "PUT", "/v1/agents/a-1", big, nil); rec.Code != 413 {
		t.Errorf("admin body over 64 KiB: %d %s", rec.Code, rec.Body)
	}
}

// A state read whose caller went away (a state stream closed) is not a
// server failure: no ERROR line, no 500.
func TestClosedStateStreamIsNotAnError(t *testing.T) {
	uc := newUseCases(t)
	var logs bytes.Buffer
	api := httpapi.ForUseCases(uc)
	api.Secrets, api.Log = webhooksecret.Static(string(secret)), slog.New(slog.NewJSONHandler(&logs, nil))
	h := mustHandler(t, api)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, "GET", "/v1/agents/a-1/state", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code >= 500 || strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("closed stream: %d, logs %s", rec.Code, logs.String())
	}
}
