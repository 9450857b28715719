package local_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/local"
	"github.com/mayday/mayday/shared/testkit/harness"
	"github.com/mayday/mayday/shared/testkit/twiliotest"
)

const ordinaryURL = "https://voice.example.com/twiml/outbound"

// TwilioFlow drives the chain through the Twilio routes, as Twilio calls
// them: a 933 read-back, the agent's emergency dial presenting the lease
// (retried), the email, the PSAP callback ringing the agent's client and
// then the fallback, both calls ending through the status callback, an
// ordinary call handed back; and a bad signature over each route.
func TwilioFlow(t *testing.T, s *harness.System) {
	c := s.Client(t)
	agent := fmt.Sprintf("tw-%d", time.Now().UnixNano())
	site := "site-" + agent
	from := "client:" + agent
	callID, callbackID := "CA"+agent+"-1", "CA"+agent+"-9"
	number := fmt.Sprintf("+1425%07d", time.Now().UnixNano()%10_000_000)
	c.OK("PUT", "/v1/sites/"+site, harness.Sample(t, "admin/site.json", nil), false)
	c.OK("PUT", "/v1/agents/"+agent, map[string]any{"name": "Ada", "email": "ada@example.com", "presence": "Busy",
		"country": "US", "siteId": site, "emergencyContacts": "sup@example.com", "mailboxEnabled": true,
		"outboundVoiceProfile": true}, false)
	c.OK("POST", "/v1/callback-numbers", map[string]string{"number": number, "country": "US", "siteId": site}, false)
	state := func() map[string]any { return c.OK("GET", "/v1/agents/"+agent+"/state", nil, false) }

	// 933: dialled, presenting what an emergency call would, nothing else.
	code, d, raw := s.Twilio(t, "/v1/twilio/voice", "voice", map[string]string{"CallSid": callID + "-933", "From": from, "Caller": from,
		"To": "933", "SiteId": ""}, "")
	if code != 200 || d.Dial == nil || !slices.Equal(d.Dial.Number, []string{"933"}) || d.Dial.CallerID != number {
		t.Fatalf("933: %d %s", code, raw)
	}
	if st := state(); st["presence"] != "Busy" {
		t.Fatalf("state after 933: %v", st)
	}

	// The emergency dial: 911 presenting the lease; Twilio's retry gets the same.
	dial := map[string]string{"CallSid": callID, "From": from, "Caller": from, "SiteId": site}
	for range 2 {
		code, d, raw = s.Twilio(t, "/v1/twilio/voice", "voice", dial, "")
		if code != 200 || d.Dial == nil || !slices.Equal(d.Dial.Number, []string{"911"}) || d.Dial.CallerID != number ||
			d.Dial.AnswerOnBridge != "true" {
			t.Fatalf("dial: %d %s", code, raw)
		}
	}
	if st := state(); st["presence"] != "DoNotDisturb" || harness.Get(st, "emergency.active") != true {
		t.Fatalf("state during the call: %v", st)
	}
	harness.Eventually(t, "the email", func() bool {
		for _, e := range s.Emails(t) {
			if strings.Contains(e["text"].(string), callID) && strings.Contains(e["text"].(string), number) {
				return true
			}
		}
		return false
	})

	// The PSAP calls the number back: the agent's client rings, at once.
	inbound := map[string]string{"CallSid": callbackID, "To": number, "Called": number}
	code, d, raw = s.Twilio(t, "/v1/twilio/inbound", "inbound", inbound, "")
	if code != 200 || d.Dial == nil || !slices.Equal(d.Dial.Client, []string{agent}) || d.Dial.Timeout != "30" ||
		d.Dial.Action != s.URL+"/v1/twilio/inbound" {
		t.Fatalf("callback: %d %s", code, raw)
	}
	// Unanswered: Twilio comes back to the action URL, and the fallback rings.
	code, d, raw = s.Twilio(t, "/v1/twilio/inbound", "inbound-dial-action", inbound, "")
	if code != 200 || d.Dial == nil || !slices.Equal(d.Dial.Number, []string{harness.Fallback}) {
		t.Fatalf("unanswered callback: %d %s", code, raw)
	}

	// Both calls end (the status callback); presence comes back.
	for _, id := range []string{callID, callbackID} {
		if code, _, raw := s.Twilio(t, "/v1/twilio/status", "status", map[string]string{"CallSid": id,
			"Timestamp": time.Now().UTC().Format(time.RFC1123Z)}, ""); code != 204 {
			t.Fatalf("status of %s: %d %s", id, code, raw)
		}
	}
	harness.Eventually(t, "presence restored", func() bool { return state()["presence"] == "Busy" })

	// An ordinary call goes to the customer's own application.
	code, d, raw = s.Twilio(t, "/v1/twilio/voice", "voice", map[string]string{"CallSid": callID + "-ord", "From": from,
		"Caller": from, "To": "+14255550123"}, "")
	if code != 200 || d.Redirect == nil || d.Redirect.URL != ordinaryURL || d.Redirect.Method != "POST" {
		t.Fatalf("ordinary call: %d %s", code, raw)
	}
	// Its end puts it in call history, where the emergency calls never are.
	if code, _, raw := s.Twilio(t, "/v1/twilio/status", "status", map[string]string{"CallSid": callID + "-ord"}, ""); code != 204 {
		t.Fatalf("status of the ordinary call: %d %s", code, raw)
	}
	var calls []string
	harness.Eventually(t, "the ordinary call in history", func() bool {
		calls = nil
		for _, a := range c.OK("GET", "/v1/agents/"+agent+"/history", nil, false)["activities"].([]any) {
			calls = append(calls, a.(map[string]any)["callId"].(string))
		}
		return len(calls) > 0
	})
	if !slices.Equal(calls, []string{callID + "-ord"}) {
		t.Fatalf("history: %v", calls)
	}

	// A bad signature over each route changes nothing.
	for _, r := range [][2]string{{"/v1/twilio/voice", "voice"}, {"/v1/twilio/status", "status"}, {"/v1/twilio/inbound", "inbound"}} {
		code, _, raw := s.Twilio(t, r[0], r[1], map[string]string{"CallSid": callID + "-bad", "From": from, "To": "911"}, "not-the-token")
		if code != 403 {
			t.Fatalf("%s signed with another token: %d %s", r[0], code, raw)
		}
	}
	if st := state(); st["presence"] != "Busy" {
		t.Fatalf("state after refused requests: %v", st)
	}
}

// twilioRunner is the runner with Twilio's ordinary-call URL set (the auth
// token is the local default).
func twilioRunner(c *local.Config) {
	fast(c)
	c.TwilioOrdinaryURL = ordinaryURL
}

func TestTwilioEndToEnd(t *testing.T) {
	TwilioFlow(t, harness.Start(t, harness.Options{Config: twilioRunner}))
}

// TestTwilioEndToEndOnEmulators runs the same flow on DynamoDB Local and
// aws-ses-v2-local.
func TestTwilioEndToEndOnEmulators(t *testing.T) {
	TwilioFlow(t, harness.Start(t, harness.Options{DynamoDB: true, SES: true, Config: twilioRunner}))
}

// With a Twilio account configured, the runner's readiness report asks
// Twilio's REST API (here its local fake) whether the numbers the agent's
// calls may present have an emergency address registered.
func TestTwilioReadiness(t *testing.T) {
	const number = "+14255550101"
	f := twiliotest.NewNumbers(t, twiliotest.Registered("+12065550100"))
	s := harness.Start(t, harness.Options{Config: func(c *local.Config) {
		twilioRunner(c)
		c.TwilioAccountSID, c.TwilioAuthToken, c.TwilioAPIURL = f.AccountSID, f.AuthToken, f.URL
	}})
	c := s.Client(t)
	c.OK("PUT", "/v1/agents/tw-ready", map[string]any{"name": "Ada", "country": "US", "emergencyContacts": "sup@example.com",
		"mailboxEnabled": true, "outboundVoiceProfile": true, "browserLocation": true}, false)
	c.OK("POST", "/v1/callback-numbers", map[string]string{"number": number, "country": "US"}, false)
	check := func(name string) map[string]any {
		for _, ch := range c.OK("GET", "/v1/agents/tw-ready/readiness", nil, false)["checks"].([]any) {
			if m := ch.(map[string]any); m["name"] == name {
				return m
			}
		}
		t.Fatalf("no %s check", name)
		return nil
	}
	if ch := check("emergencyAddresses"); ch["ok"] != false || !strings.Contains(fmt.Sprint(ch["fix"]), number) {
		t.Fatalf("the pool number without an address: %v", ch)
	}
	f.Set(twiliotest.Registered("+12065550100"), twiliotest.Registered(number))
	if ch := check("emergencyAddresses"); ch["ok"] != true {
		t.Fatalf("every number registered: %v", ch)
	}
	if ch := check("platformEmergencyCalling"); ch["ok"] != true {
		t.Fatalf("a US agent: %v", ch)
	}
}
