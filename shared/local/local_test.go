package local_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/awsclients"
	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/local"
)

// client drives a running local system over HTTP, exactly as SPEC §4 says.
type client struct {
	t      *testing.T
	url    string
	secret []byte
	bus    interface{ Wait() }
}

// waitBus lets every delivery in flight finish, so counts are final.
func (c *client) waitBus() { c.bus.Wait() }

func (c *client) do(method, path string, body any, sign bool) (int, map[string]any) {
	c.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		raw, _ = json.Marshal(b)
	}
	req, err := http.NewRequest(method, c.url+path, bytes.NewReader(raw))
	if err != nil {
		c.t.Fatal(err)
	}
	if sign {
		req.Header.Set(httpapi.SignatureHeader, httpapi.Sign(c.secret, time.Now(), raw))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			c.t.Fatalf("%s %s: %d %s: not JSON", method, path, resp.StatusCode, b)
		}
	}
	return resp.StatusCode, out
}

func (c *client) ok(method, path string, body any, sign bool) map[string]any {
	c.t.Helper()
	code, out := c.do(method, path, body, sign)
	if code/100 != 2 {
		c.t.Fatalf("%s %s: %d %v", method, path, code, out)
	}
	return out
}

func (c *client) sample(name string, set map[string]string) string {
	c.t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "webhooks", name))
	if err != nil {
		c.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		c.t.Fatal(err)
	}
	m["occurredAt"] = time.Now().UTC().Format(time.RFC3339)
	for k, v := range set {
		m[k] = v
	}
	out, _ := json.Marshal(m)
	return string(out)
}

// eventually waits for asynchronous work (the bus) to show.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func get(m map[string]any, path string) any {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

func startLocal(t *testing.T, m *local.Main) *client {
	t.Helper()
	m.Config.Addr = "127.0.0.1:0"
	m.Config.Lease = 2 * time.Second
	m.Config.SweepInterval = 100 * time.Millisecond
	m.Config.Secret = "e2e-secret"
	m.Config.Fallback = "+14255559999"
	m.Config.Dial.Prefix = "9"
	m.Config.BusBackoff = 10 * time.Millisecond
	m.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := m.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return &client{t: t, url: m.URL, secret: []byte(m.Config.Secret), bus: m.Bus}
}

// Flow drives the whole chain of SPEC §1 and §3 through the HTTP contract.
// outbox returns the emails delivered so far, newest first.
func Flow(t *testing.T, c *client, outbox func() []map[string]any) {
	agent := fmt.Sprintf("a-%d", time.Now().UnixNano())
	callID, callbackID := agent+"-c1", agent+"-c9"
	number := fmt.Sprintf("+1425%07d", time.Now().UnixNano()%10_000_000)

	c.ok("PUT", "/v1/agents/"+agent, map[string]any{"name": "Ada <Agent>", "email": "ada@example.com", "presence": "Busy",
		"country": "US", "emergencyContacts": "sup@example.com; desk@example.com", "mailboxEnabled": true,
		"outboundVoiceProfile": true}, false)
	c.ok("POST", "/v1/callback-numbers", map[string]string{"number": number, "country": "US"}, false)
	if r := c.ok("GET", "/v1/agents/"+agent+"/readiness", nil, false); r["ready"] != true {
		t.Fatalf("readiness: %v", r)
	}
	// The emulator's inbox is shared with other tests: count this call's.
	ours := func() []map[string]any {
		var out []map[string]any
		for _, e := range outbox() {
			if strings.Contains(e["text"].(string), callID) {
				out = append(out, e)
			}
		}
		return out
	}

	dial := c.sample("dial.json", map[string]string{"callId": callID, "agentId": agent})
	if r := c.ok("POST", "/v1/telephony/events", dial, true); r["emergency"] != true || r["callId"] != callID {
		t.Fatalf("dial: %v", r)
	}
	c.ok("POST", "/v1/telephony/events", dial, true) // telephony retries

	st := c.ok("GET", "/v1/agents/"+agent+"/state", nil, false)
	if st["presence"] != "DoNotDisturb" || get(st, "emergency.active") != true || st["alert"] != "Emergency call in progress" ||
		get(st, "conversationForm.save") != false || get(st, "conversationForm.refresh") != false ||
		fmt.Sprint(get(st, "panel.actions")) != "[deviceSettings endCall]" {
		t.Fatalf("state during the call: %v", st)
	}
	eventually(t, "the callback lease", func() bool {
		st = c.ok("GET", "/v1/agents/"+agent+"/state", nil, false)
		return get(st, "emergency.callbackNumber") == number
	})
	eventually(t, "the email", func() bool { return len(ours()) > 0 })
	c.waitBus()
	emails := ours()
	if len(emails) != 1 {
		t.Fatalf("%d emails for one (retried) dial, want 1", len(emails))
	}
	e := emails[0]
	if fmt.Sprint(e["to"]) != "[sup@example.com desk@example.com]" || !strings.Contains(e["subject"].(string), "Ada <Agent>") ||
		!strings.Contains(e["text"].(string), number) || !strings.Contains(e["text"].(string), "Building 4, floor 2") ||
		!strings.Contains(e["html"].(string), "Ada &lt;Agent&gt;") {
		t.Fatalf("email: %v", e)
	}

	inbound := c.sample("inbound.json", map[string]string{"callId": callbackID, "to": number})
	r := c.ok("POST", "/v1/telephony/inbound", inbound, true)
	if r["route"] != "agent" || r["agentId"] != agent || r["priority"] != "emergency" ||
		fmt.Sprint(r["bypass"]) != "[routing-rules capacity presence]" {
		t.Fatalf("callback route: %v", r)
	}
	c.ok("POST", "/v1/telephony/events", c.sample("end.json", map[string]string{"callId": callID}), true)
	c.ok("POST", "/v1/telephony/events", c.sample("end.json", map[string]string{"callId": callbackID}), true)
	eventually(t, "presence restored", func() bool {
		st = c.ok("GET", "/v1/agents/"+agent+"/state", nil, false)
		return st["presence"] == "Busy"
	})
	if get(st, "emergency.active") != false || get(st, "emergency.callbackNumber") != number || st["alert"] != nil ||
		get(st, "conversationForm.save") != true {
		t.Fatalf("state after the calls: %v", st)
	}
	if h := c.ok("GET", "/v1/agents/"+agent+"/history", nil, false); fmt.Sprint(h["activities"]) != "[]" {
		t.Fatalf("history: %v", h)
	}

	// The lease (2s here) runs out; the sweep releases it.
	eventually(t, "the lease to expire", func() bool {
		st = c.ok("GET", "/v1/agents/"+agent+"/state", nil, false)
		return get(st, "emergency.callbackNumber") == nil
	})
	for _, n := range c.ok("GET", "/v1/callback-numbers", nil, false)["numbers"].([]any) {
		if n := n.(map[string]any); n["number"] == number && (n["lease"] != nil || n["releasedAt"] == nil) {
			t.Fatalf("pool entry after expiry: %v", n)
		}
	}
	late := c.sample("inbound.json", map[string]string{"callId": callbackID + "-late", "to": number})
	if r := c.ok("POST", "/v1/telephony/inbound", late, true); r["route"] != "fallback" || r["target"] != "+14255559999" || r["priority"] != "emergency" {
		t.Fatalf("late callback: %v", r)
	}
}

func TestLocalEndToEnd(t *testing.T) {
	m := &local.Main{}
	c := startLocal(t, m)
	Flow(t, c, func() []map[string]any {
		_, out := c.do("GET", "/local/outbox", nil, false)
		var emails []map[string]any
		for _, e := range out["emails"].([]any) {
			emails = append(emails, e.(map[string]any))
		}
		return emails
	})
	seen := map[string]bool{}
	eventually(t, "the sweep's event", func() bool {
		_, evs := c.do("GET", "/local/events", nil, false)
		for _, e := range evs["events"].([]any) {
			seen[e.(map[string]any)["detail-type"].(string)] = true
		}
		return seen["Callback Lease Expired"]
	})
	for _, want := range []string{"Emergency Call Started", "Callback Lease Allocated", "Emergency Callback Routed",
		"Emergency Call Ended", "Callback Lease Expired"} {
		if !seen[want] {
			t.Errorf("no %q event on the bus; saw %v", want, seen)
		}
	}
	if _, dl := c.do("GET", "/local/dead-letters", nil, false); fmt.Sprint(dl["deadLetters"]) != "[]" {
		t.Errorf("dead letters: %v", dl)
	}
}

// TestLocalEndToEndOnEmulators runs the same flow with the DynamoDB store on
// DynamoDB Local and the SES mailer on aws-ses-v2-local.
func TestLocalEndToEndOnEmulators(t *testing.T) {
	ddb, ses := os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"), os.Getenv("AWS_ENDPOINT_URL_SESV2")
	if ddb == "" || ses == "" {
		if os.Getenv("MAYDAY_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_SESV2 must be set")
		}
		t.Skip("AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SESV2 not set")
	}
	ctx := context.Background()
	clients, err := awsclients.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := &local.Main{}
	if m.Store, err = awsclients.EnsureStore(ctx, clients, fmt.Sprintf("e2e-%d", time.Now().UnixNano())); err != nil {
		t.Fatal(err)
	}
	if m.Mailer, err = awsclients.EnsureMailer(ctx, clients, "mayday@example.com"); err != nil {
		t.Fatal(err)
	}
	c := startLocal(t, m)
	Flow(t, c, func() []map[string]any {
		resp, err := http.Get(ses + "/store")
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
		for i := len(store.Emails) - 1; i >= 0; i-- { // newest first, as /local/outbox
			e := store.Emails[i]
			to := make([]any, len(e.Destination.To))
			for j, a := range e.Destination.To {
				to[j] = a
			}
			out = append(out, map[string]any{"to": to, "subject": e.Subject, "text": e.Body.Text, "html": e.Body.HTML})
		}
		return out
	})
}
