package local_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/local"
	"github.com/mayday/mayday/shared/testkit/harness"
)

// Flow drives the whole chain through the HTTP contract: an operator
// configures an agent and a pool, the agent dials, the emergency service
// calls back, both calls end, and the lease runs out.
func Flow(t *testing.T, s *harness.System) {
	c := s.Client(t)
	outbox := func() []map[string]any { return s.Emails(t) }
	agent := fmt.Sprintf("a-%d", time.Now().UnixNano())
	callID, callbackID := agent+"-c1", agent+"-c9"
	number := fmt.Sprintf("+1425%07d", time.Now().UnixNano()%10_000_000)

	c.OK("PUT", "/v1/agents/"+agent, map[string]any{"name": "Ada <Agent>", "email": "ada@example.com", "presence": "Busy",
		"country": "US", "emergencyContacts": "sup@example.com; desk@example.com", "mailboxEnabled": true,
		"outboundVoiceProfile": true}, false)
	c.OK("POST", "/v1/callback-numbers", map[string]string{"number": number, "country": "US"}, false)
	if r := c.OK("GET", "/v1/agents/"+agent+"/readiness", nil, false); r["ready"] != true {
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

	dial := harness.Sample(t, "webhooks/dial.json", map[string]any{"callId": callID, "agentId": agent})
	if r := c.OK("POST", "/v1/telephony/events", dial, true); r["emergency"] != true || r["callId"] != callID {
		t.Fatalf("dial: %v", r)
	}
	c.OK("POST", "/v1/telephony/events", dial, true) // telephony retries

	st := c.OK("GET", "/v1/agents/"+agent+"/state", nil, false)
	if st["presence"] != "DoNotDisturb" || harness.Get(st, "emergency.active") != true || st["alert"] != "Emergency call in progress" ||
		harness.Get(st, "conversationForm.save") != false || harness.Get(st, "conversationForm.refresh") != false ||
		fmt.Sprint(harness.Get(st, "panel.actions")) != "[deviceSettings endCall]" {
		t.Fatalf("state during the call: %v", st)
	}
	harness.Eventually(t, "the callback lease", func() bool {
		st = c.OK("GET", "/v1/agents/"+agent+"/state", nil, false)
		return harness.Get(st, "emergency.callbackNumber") == number
	})
	harness.Eventually(t, "the email", func() bool { return len(ours()) > 0 })
	s.Main.Bus.Wait()
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

	inbound := harness.Sample(t, "webhooks/inbound.json", map[string]any{"callId": callbackID, "to": number})
	r := c.OK("POST", "/v1/telephony/inbound", inbound, true)
	if r["route"] != "agent" || r["agentId"] != agent || r["priority"] != "emergency" ||
		fmt.Sprint(r["bypass"]) != "[routing-rules capacity presence]" {
		t.Fatalf("callback route: %v", r)
	}
	c.OK("POST", "/v1/telephony/events", harness.Sample(t, "webhooks/end.json", map[string]any{"callId": callID}), true)
	c.OK("POST", "/v1/telephony/events", harness.Sample(t, "webhooks/end.json", map[string]any{"callId": callbackID}), true)
	harness.Eventually(t, "presence restored", func() bool {
		st = c.OK("GET", "/v1/agents/"+agent+"/state", nil, false)
		return st["presence"] == "Busy"
	})
	if harness.Get(st, "emergency.active") != false || harness.Get(st, "emergency.callbackNumber") != number || st["alert"] != nil ||
		harness.Get(st, "conversationForm.save") != true {
		t.Fatalf("state after the calls: %v", st)
	}
	if h := c.OK("GET", "/v1/agents/"+agent+"/history", nil, false); fmt.Sprint(h["activities"]) != "[]" {
		t.Fatalf("history: %v", h)
	}

	// The lease (2s here) runs out; the sweep releases it.
	harness.Eventually(t, "the lease to expire", func() bool {
		st = c.OK("GET", "/v1/agents/"+agent+"/state", nil, false)
		return harness.Get(st, "emergency.callbackNumber") == nil
	})
	for _, n := range c.OK("GET", "/v1/callback-numbers", nil, false)["numbers"].([]any) {
		if n := n.(map[string]any); n["number"] == number && (n["lease"] != nil || n["releasedAt"] == nil) {
			t.Fatalf("pool entry after expiry: %v", n)
		}
	}
	late := harness.Sample(t, "webhooks/inbound.json", map[string]any{"callId": callbackID + "-late", "to": number})
	if r := c.OK("POST", "/v1/telephony/inbound", late, true); r["route"] != "fallback" || r["target"] != "+14255559999" || r["priority"] != "emergency" {
		t.Fatalf("late callback: %v", r)
	}
}

// fast is the end-to-end tests' runner: a 2 s lease swept every 100 ms.
func fast(c *local.Config) { c.Lease, c.SweepInterval = 2*time.Second, 100*time.Millisecond }

func TestLocalEndToEnd(t *testing.T) {
	s := harness.Start(t, harness.Options{Config: fast})
	Flow(t, s)
	c := s.Client(t)
	seen := map[string]bool{}
	harness.Eventually(t, "the sweep's event", func() bool {
		_, evs, _ := c.Do("GET", "/local/events", nil, false)
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
	if _, dl, _ := c.Do("GET", "/local/dead-letters", nil, false); fmt.Sprint(dl["deadLetters"]) != "[]" {
		t.Errorf("dead letters: %v", dl)
	}
}

// TestLocalEndToEndOnEmulators runs the same flow with the DynamoDB store on
// DynamoDB Local and the SES mailer on aws-ses-v2-local.
func TestLocalEndToEndOnEmulators(t *testing.T) {
	Flow(t, harness.Start(t, harness.Options{DynamoDB: true, SES: true, Config: fast}))
}
