package console_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/testkit/harness"
)

// The console's own routes on the local runner, without a browser.
func TestConsoleRoutes(t *testing.T) {
	sys := harness.Start(t, harness.Options{})
	tests := []struct {
		name, method, path, body, contentType, origin string
		status                                        int
		want                                          string // in the answer
	}{
		{"console page", "GET", "/", "", "", "", 200, "Mayday console"},
		{"desk page", "GET", "/desk/a-1", "", "", "", 200, "mayday-agent-panel"},
		{"security desk page", "GET", "/desk/security", "", "", "", 200, `src="/assets/security.js"`},
		{"security desk of one site", "GET", "/desk/security?siteId=sea", "", "", "", 200, `src="/assets/security.js"`},
		{"security desk script", "GET", "/assets/security.js", "", "", "", 200, "createOscillator"},
		{"panel component", "GET", "/assets/mayday-panel.js", "", "", "", 200, `customElements.define("mayday-agent-panel"`},
		{"config", "GET", "/console/config", "", "", "", 200, `"local":true`},
		{"stored template", "GET", "/console/template", "", "", "", 200, `"name":"` + mayday.TemplateName + `"`},
		{"preview", "POST", "/console/template/preview", `{"subject":"{{agentName}} at {{siteName}}","html":"<p>{{{agentNameHtml}}}</p>","text":"{{callId}}"}`,
			"application/json", "", 200, `"subject":"Ada Agent at Seattle HQ"`},
		{"preview escapes in HTML as SES does with the Html twins", "POST", "/console/template/preview",
			`{"subject":"x","html":"{{{locationHtml}}}","text":"x"}`, "application/json", "", 200, `"html":"Building 4, floor 2"`},
		{"preview of a broken template", "POST", "/console/template/preview", `{"subject":"{{#if x}}","html":"","text":""}`,
			"application/json", "", 400, "subject"},
		{"preview with an unknown field", "POST", "/console/template/preview", `{"subjekt":"x"}`, "application/json", "", 400, "subjekt"},
		{"push of a broken template", "PUT", "/console/template", `{"subject":"{{#if x}}","html":"","text":""}`, "application/json", "", 400, "does not render"},
		{"push of a raw variable in the HTML part", "PUT", "/console/template", `{"subject":"x","html":"<p>{{agentName}}</p>","text":"x"}`, "application/json", "", 400, "agentNameHtml"},
		{"push of an arbitrary link", "PUT", "/console/template", `{"subject":"x","html":"<a href=\"http://evil.example\">x</a>","text":"x"}`, "application/json", "", 400, "https://"},
		{"preview of a raw variable in the HTML part", "POST", "/console/template/preview", `{"subject":"x","html":"<p>{{{agentName}}}</p>","text":"x"}`, "application/json", "", 400, "agentNameHtml"},
		{"another template name", "PUT", "/console/template", `{"name":"Other","subject":"x","html":"x","text":"x"}`, "application/json", "", 400, "only"},
		{"a form post from another site", "PUT", "/console/template", `subject=x`, "application/x-www-form-urlencoded", "", 415, "content type"},
		{"a template over 256 KiB", "PUT", "/console/template", `{"subject":"x","html":"` + strings.Repeat("x", 300<<10) + `","text":"x"}`, "application/json", "", 413, "too large"},
		{"JSON from another origin", "PUT", "/console/template", `{"subject":"x","html":"x","text":"x"}`, "application/json", "http://evil.example", 403, "origin"},
		{"end call without a call id", "POST", "/console/agents/a-1/end-call", `{}`, "application/json", "", 400, "callId"},
		{"replay of no dead letter", "POST", "/console/dead-letters/nope/replay", ``, "", "", 404, "no such dead letter"},
		{"events", "GET", "/console/events", "", "", "", 200, `"events":`},
		{"dead letters", "GET", "/console/dead-letters", "", "", "", 200, `"deadLetters":`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, sys.URL+tc.path, strings.NewReader(tc.body))
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.status || !strings.Contains(string(b), tc.want) {
				t.Fatalf("%s %s = %d %.300s, want %d with %q", tc.method, tc.path, res.StatusCode, b, tc.status, tc.want)
			}
		})
	}
}

// send sends a console request as its page does (a JSON body) and checks
// the answer's status.
func send(t *testing.T, sys *harness.System, method, path, body string, want int) {
	t.Helper()
	req, err := http.NewRequest(method, sys.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != want {
		t.Fatalf("%s %s = %d %.300s, want %d", method, path, res.StatusCode, b, want)
	}
}

// A pushed template is what the outbox sends with next.
func TestPushedTemplateIsSentWith(t *testing.T) {
	sys := harness.Start(t, harness.Options{})
	c := sys.Client(t)
	send(t, sys, "PUT", "/console/template",
		`{"subject":"Pushed {{agentId}}","html":"<p>{{{agentIdHtml}}}</p>","text":"{{agentId}}"}`, http.StatusOK)
	var got map[string]any
	c.OK("PUT", "/v1/sites/sea", harness.Sample(t, "admin/site.json", nil), false)
	c.OK("PUT", "/v1/agents/a-1", harness.Sample(t, "admin/agent.json", nil), false)
	c.OK("POST", "/v1/telephony/events", harness.Sample(t, "webhooks/dial.json", nil), true)
	harness.Eventually(t, "the email", func() bool {
		es := sys.Emails(t)
		if len(es) > 0 {
			got = es[0]
		}
		return len(es) > 0
	})
	if got["subject"] != "Pushed a-1" || got["text"] != "a-1" {
		b, _ := json.Marshal(got)
		t.Fatalf("email %s, want the pushed template", b)
	}
}

// GET /v1/agents lists the agents at the sites and a site-less agent in an
// emergency, not an idle site-less one: on the embedded store, and on
// DynamoDB Local when its endpoint is set.
func TestListAgents(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts harness.Options
	}{{"embedded", harness.Options{}}, {"dynamodb", harness.Options{DynamoDB: true}}} {
		t.Run(tc.name, func(t *testing.T) {
			sys := harness.Start(t, tc.opts)
			c := sys.Client(t)
			c.OK("PUT", "/v1/sites/sea", harness.Sample(t, "admin/site.json", nil), false)
			c.OK("PUT", "/v1/agents/a-1", harness.Sample(t, "admin/agent.json", nil), false)
			c.OK("PUT", "/v1/agents/a-2", harness.Sample(t, "admin/agent.json", map[string]any{"siteId": ""}), false)
			c.OK("PUT", "/v1/agents/a-3", harness.Sample(t, "admin/agent.json", map[string]any{"siteId": ""}), false)
			c.OK("POST", "/v1/telephony/events", harness.Sample(t, "webhooks/dial.json", map[string]any{"agentId": "a-3", "callId": "c-3", "siteId": ""}), true)
			out := c.OK("GET", "/v1/agents", nil, false)
			var ids []string
			for _, a := range out["agents"].([]any) {
				ids = append(ids, a.(map[string]any)["agentId"].(string))
			}
			if strings.Join(ids, ",") != "a-1,a-3" {
				t.Fatalf("agents = %v, want a-1 (at sea) and a-3 (in an emergency)", ids)
			}
		})
	}
}

// Locally with -mailer ses, the console pushes to the configured SES
// endpoint (aws-ses-v2-local), as mayday template push does.
func TestConsolePushesToTheSESEndpoint(t *testing.T) {
	sys := harness.Start(t, harness.Options{SES: true})
	send(t, sys, "PUT", "/console/template",
		`{"subject":"From the console {{agentId}}","html":"<p>{{{agentIdHtml}}}</p>","text":"{{agentId}}"}`, http.StatusOK)
	got := sys.Client(t).OK("GET", "/console/template", nil, false)
	if got["subject"] != "From the console {{agentId}}" {
		t.Fatalf("template read back from SES = %v", got)
	}
}

// failingMailer fails every send while down is set.
type failingMailer struct {
	inner mayday.Mailer
	down  atomic.Bool
}

func (f *failingMailer) Send(ctx context.Context, e mayday.Email) error {
	if f.down.Load() {
		return errors.New("mailer down")
	}
	return f.inner.Send(ctx, e)
}

// A notification that failed every attempt is replayed from the console
// once the mailer is back, and sent once.
func TestDeadLetterReplayFromTheConsole(t *testing.T) {
	fm := &failingMailer{}
	fm.down.Store(true)
	sys := harness.Start(t, harness.Options{WrapMailer: func(m mayday.Mailer) mayday.Mailer { fm.inner = m; return fm }})
	c := sys.Client(t)
	c.OK("PUT", "/v1/sites/sea", harness.Sample(t, "admin/site.json", nil), false)
	c.OK("PUT", "/v1/agents/a-1", harness.Sample(t, "admin/agent.json", nil), false)
	c.OK("POST", "/v1/telephony/events", harness.Sample(t, "webhooks/dial.json", nil), true)
	var id string
	harness.Eventually(t, "the notification dead-lettered", func() bool {
		dl := c.OK("GET", "/console/dead-letters", nil, false)["deadLetters"].([]any)
		if len(dl) == 1 {
			id = dl[0].(map[string]any)["id"].(string)
		}
		return id != ""
	})
	fm.down.Store(false)
	send(t, sys, "POST", "/console/dead-letters/"+id+"/replay", "", http.StatusAccepted)
	harness.Eventually(t, "the email sent", func() bool { return len(sys.Emails(t)) == 1 })
	sys.Main.Settle()
	if n := len(sys.Emails(t)); n != 1 {
		t.Fatalf("%d emails after the replay, want 1", n)
	}
	if dl := c.OK("GET", "/console/dead-letters", nil, false)["deadLetters"].([]any); len(dl) != 0 {
		t.Fatalf("dead letters after the replay: %v", dl)
	}
}

// The state stream sends a change once: an unknown agent is one error
// event, however long it stays unknown; its creation is a state event.
func TestStateStreamSendsEachChangeOnce(t *testing.T) {
	sys := harness.Start(t, harness.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", sys.URL+"/console/agents/a-9/state/stream", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	events := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
				events <- v
			}
		}
		close(events)
	}()
	if ev := <-events; ev != "error" {
		t.Fatalf("first event %q, want error (no agent a-9)", ev)
	}
	select {
	case ev := <-events:
		t.Fatalf("event %q while nothing changed", ev)
	case <-time.After(time.Second): // four reads, nothing new
	}
	sys.Client(t).OK("PUT", "/v1/agents/a-9", harness.Sample(t, "admin/agent.json", map[string]any{"siteId": ""}), false)
	select {
	case ev := <-events:
		if ev != "state" {
			t.Fatalf("event %q after the agent was created, want state", ev)
		}
	case <-time.After(time.Second):
		t.Fatal("no state event within a second of the change")
	}
}
