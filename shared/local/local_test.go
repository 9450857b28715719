package local_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/local"
	"github.com/mayday/mayday/shared/testkit/harness"
)

// Flow drives the whole chain through the HTTP contract: an operator
// configures a site, an agent and a callback number at the site; a 933 test
// call reads back the caller ID and location; the agent dials, and the answer
// presents the leased number and the site's address; the email reaches the
// agent's contacts and the site's recipients; the emergency service calls
// back, both calls end, and the lease runs out.
func Flow(t *testing.T, s *harness.System) {
	c := s.Client(t)
	outbox := func() []map[string]any { return s.Emails(t) }
	agent := fmt.Sprintf("a-%d", time.Now().UnixNano())
	site := "site-" + agent
	callID, callbackID, testCallID := agent+"-c1", agent+"-c9", agent+"-c933"
	number := fmt.Sprintf("+1425%07d", time.Now().UnixNano()%10_000_000)

	// The site first: the agent and the number refer to it. One of its
	// recipients is also an emergency contact (spelt otherwise): the email
	// goes to each address once.
	c.OK("PUT", "/v1/sites/"+site, harness.Sample(t, "admin/site.json",
		map[string]any{"notify": "security@example.com; Desk@example.com"}), false)
	c.OK("PUT", "/v1/agents/"+agent, map[string]any{"name": "Ada <Agent>", "email": "ada@example.com", "presence": "Busy",
		"country": "US", "siteId": site, "emergencyContacts": "sup@example.com; desk@example.com", "mailboxEnabled": true,
		"outboundVoiceProfile": true}, false)
	c.OK("POST", "/v1/callback-numbers", map[string]string{"number": number, "country": "US", "siteId": site}, false)
	r := c.OK("GET", "/v1/agents/"+agent+"/readiness", nil, false)
	if r["ready"] != true || !strings.Contains(fmt.Sprint(r["checks"]), "name:site ok:true") {
		t.Fatalf("readiness: %v", r)
	}
	// wantLocation checks an answer's location: the site's, with the dial's detail.
	wantLocation := func(what string, r map[string]any) {
		t.Helper()
		if harness.Get(r, "location.siteId") != site || harness.Get(r, "location.name") != "Seattle HQ" ||
			harness.Get(r, "location.address.houseNumber") != "1" || harness.Get(r, "location.address.street") != "Main St" || harness.Get(r, "location.address.city") != "Seattle" ||
			harness.Get(r, "location.address.region") != "WA" || harness.Get(r, "location.address.postalCode") != "98101" ||
			harness.Get(r, "location.address.country") != "US" || harness.Get(r, "location.detail") != "Building 4, floor 2" {
			t.Fatalf("%s: location %v", what, r["location"])
		}
	}

	// 933, the address-check test call, from the agent's home site (the dial
	// names none): the caller ID and location an emergency call would get,
	// without leasing, Do Not Disturb or email.
	test := harness.Sample(t, "webhooks/dial.json", map[string]any{"callId": testCallID, "agentId": agent, "to": "933", "siteId": ""})
	r = c.OK("POST", "/v1/telephony/events", test, true)
	if r["emergency"] != false || r["reason"] != "test-call" || r["callerId"] != number || r["callbackExpiresAt"] != nil {
		t.Fatalf("933: %v", r)
	}
	wantLocation("933", r)
	if st := c.OK("GET", "/v1/agents/"+agent+"/state", nil, false); st["presence"] != "Busy" || harness.Get(st, "emergency.callbackNumber") != nil {
		t.Fatalf("state after 933: %v", st)
	}
	for _, n := range c.OK("GET", "/v1/callback-numbers", nil, false)["numbers"].([]any) {
		if n := n.(map[string]any); n["number"] == number && (n["lease"] != nil || n["siteId"] != site) {
			t.Fatalf("pool entry after 933: %v", n)
		}
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

	// The dial leases before it answers: the answer presents the number the
	// 933 read back, and the site's address.
	dial := harness.Sample(t, "webhooks/dial.json", map[string]any{"callId": callID, "agentId": agent, "siteId": site})
	r = c.OK("POST", "/v1/telephony/events", dial, true)
	if r["emergency"] != true || r["callId"] != callID || r["callerId"] != number || r["callbackExpiresAt"] == nil {
		t.Fatalf("dial: %v", r)
	}
	wantLocation("dial", r)
	expires := r["callbackExpiresAt"]
	// Telephony retries: the same caller ID.
	if r := c.OK("POST", "/v1/telephony/events", dial, true); r["callerId"] != number || r["callbackExpiresAt"] != expires {
		t.Fatalf("retried dial: %v", r)
	}

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
	s.Main.Settle()
	emails := ours()
	if len(emails) != 1 {
		t.Fatalf("%d emails for one (retried) dial, want 1", len(emails))
	}
	// To the agent's contacts and the site's recipients, each once; naming
	// the number the emergency service received and the site's address.
	e := emails[0]
	if fmt.Sprint(e["to"]) != "[sup@example.com desk@example.com security@example.com]" || !strings.Contains(e["subject"].(string), "Ada <Agent>") ||
		!strings.Contains(e["text"].(string), number) || !strings.Contains(e["text"].(string), "Building 4, floor 2") ||
		!strings.Contains(e["text"].(string), "Seattle HQ: 1 Main St, Seattle, WA 98101, US") ||
		!strings.Contains(e["html"].(string), number) || !strings.Contains(e["html"].(string), "1 Main St, Seattle, WA 98101, US") ||
		!strings.Contains(e["html"].(string), "Ada &lt;Agent&gt;") {
		t.Fatalf("email: %v", e)
	}

	inbound := harness.Sample(t, "webhooks/inbound.json", map[string]any{"callId": callbackID, "to": number})
	r = c.OK("POST", "/v1/telephony/inbound", inbound, true)
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

// TestSecretRotation: while a rotation is under way the runner accepts the
// previous secret beside the current one, and nothing else.
func TestSecretRotation(t *testing.T) {
	s := harness.Start(t, harness.Options{Config: func(c *local.Config) {
		c.Secret, c.SecretPrevious = "current-secret", "previous-secret"
	}})
	for _, tc := range []struct {
		secret string
		want   int
	}{{"current-secret", http.StatusOK}, {"previous-secret", http.StatusOK}, {"another-secret", http.StatusUnauthorized}} {
		dial := harness.Sample(t, "webhooks/dial.json", map[string]any{"callId": harness.Unique() + "-c", "to": "+14255550123"})
		if got, _, _ := harness.NewClient(t, s.URL, []byte(tc.secret)).Do("POST", "/v1/telephony/events", dial, true); got != tc.want {
			t.Errorf("signed with %s: %d, want %d", tc.secret, got, tc.want)
		}
	}
}
