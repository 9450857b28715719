package local_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/testkit/harness"
)

// TestEmergencyRecordEndToEnd: a dial, its email, the desk's
// acknowledgement, a callback and the end,
// through the runner's HTTP contract; the record of the call then reads
// back in order, chained and verified, each email with its message id,
// and nothing of it in call history.
func TestEmergencyRecordEndToEnd(t *testing.T) {
	s := harness.Start(t, harness.Options{Config: fast})
	c := s.Client(t)
	agent := fmt.Sprintf("a-%d", time.Now().UnixNano())
	site, callID, callbackID := "site-"+agent, agent+"-c1", agent+"-c9"
	number := fmt.Sprintf("+1425%07d", time.Now().UnixNano()%10_000_000)
	c.OK("PUT", "/v1/sites/"+site, harness.Sample(t, "admin/site.json", nil), false)
	c.OK("PUT", "/v1/agents/"+agent, map[string]any{"name": "Ada", "email": "ada@example.com", "presence": "Busy",
		"country": "US", "siteId": site, "emergencyContacts": "sup@example.com"}, false)
	c.OK("POST", "/v1/callback-numbers", map[string]string{"number": number, "country": "US", "siteId": site}, false)

	if code, _, _ := c.Do("GET", "/v1/emergencies/"+callID+"/record", nil, false); code != 404 {
		t.Fatalf("record before the call: %d, want 404", code)
	}
	c.OK("POST", "/v1/telephony/events", harness.Sample(t, "webhooks/dial.json", map[string]any{"callId": callID, "agentId": agent, "siteId": site}), true)
	harness.Eventually(t, "the email", func() bool { return len(s.Emails(t)) > 0 })
	s.Main.Bus.Wait()
	alerts := c.OK("GET", "/v1/alerts?siteId="+site, nil, false)["alerts"].([]any)
	if len(alerts) != 1 {
		t.Fatalf("open alerts of the site: %v", alerts)
	}
	alertID := alerts[0].(map[string]any)["alertId"].(string)
	c.OK("PUT", "/v1/alerts/"+alertID+"/acknowledgement", map[string]string{"name": "Desk officer Lee"}, false)
	s.Main.Bus.Wait()
	c.OK("POST", "/v1/telephony/inbound", harness.Sample(t, "webhooks/inbound.json", map[string]any{"callId": callbackID, "to": number}), true)
	s.Main.Bus.Wait()
	c.OK("POST", "/v1/telephony/events", harness.Sample(t, "webhooks/end.json", map[string]any{"callId": callID}), true)
	c.OK("POST", "/v1/telephony/events", harness.Sample(t, "webhooks/end.json", map[string]any{"callId": callbackID}), true)
	harness.Eventually(t, "presence restored", func() bool {
		return c.OK("GET", "/v1/agents/"+agent+"/state", nil, false)["presence"] == "Busy"
	})
	s.Main.Bus.Wait()

	r := c.OK("GET", "/v1/emergencies/"+callID+"/record", nil, false)
	if r["verified"] != true || r["callId"] != callID {
		t.Fatalf("record: %v", r)
	}
	var kinds []string
	byKind := map[string]map[string]any{}
	prev := ""
	for i, e := range r["entries"].([]any) {
		e := e.(map[string]any)
		if e["seq"] != float64(i+1) || (i > 0 && e["prevHash"] != prev) {
			t.Errorf("entry %d: seq %v, prevHash %v after %v", i+1, e["seq"], e["prevHash"], prev)
		}
		prev = e["hash"].(string)
		kinds = append(kinds, e["kind"].(string))
		byKind[e["kind"].(string)] = e["fields"].(map[string]any)
	}
	// The chain is in the order entries were appended. The test waits for
	// the bus between the dial, the callback and the ends, so those phases
	// are in order; within a phase the consumers of its events append in
	// any order, but one event's entries (the start's three) keep theirs.
	phases := [][]string{
		{"dial-received", "location-presented", "caller-id-presented", "lease-allocated", "notification-sent"},
		{"alert-acknowledged"},
		{"callback-routed"},
		{"call-ended", "presence-restored"},
	}
	i := 0
	for _, phase := range phases {
		if i+len(phase) > len(kinds) {
			t.Fatalf("kinds %v, want the phases %v", kinds, phases)
		}
		got := slices.Sorted(slices.Values(kinds[i : i+len(phase)]))
		if want := slices.Sorted(slices.Values(phase)); !slices.Equal(got, want) {
			t.Errorf("entries %d-%d are %v, want %v (kinds %v)", i+1, i+len(phase), got, want, kinds)
		}
		i += len(phase)
	}
	if i != len(kinds) {
		t.Errorf("kinds %v, want the phases %v", kinds, phases)
	}
	start := []int{slices.Index(kinds, "dial-received"), slices.Index(kinds, "location-presented"), slices.Index(kinds, "caller-id-presented")}
	if !slices.IsSorted(start) {
		t.Errorf("the start's entries out of order: %v", kinds)
	}
	for kind, want := range map[string]map[string]string{
		"dial-received":       {"agentId": agent, "emergencyNumber": "911"},
		"location-presented":  {"siteId": site, "locationKind": "site"},
		"caller-id-presented": {"callerId": number, "callerIdSource": "lease"},
		"notification-sent":   {"channel": "email", "recipients": "3"}, // the contact and the site's two
		"alert-acknowledged":  {"alertId": alertID, "by": "Desk officer Lee", "siteId": site},
		"callback-routed":     {"callId": callbackID, "route": "agent"},
		"presence-restored":   {"presence": "Busy"},
	} {
		for f, v := range want {
			if got := byKind[kind][f]; got != v {
				t.Errorf("%s %s = %v, want %s", kind, f, got, v)
			}
		}
	}
	emails := s.Emails(t)
	if id := byKind["notification-sent"]["messageId"]; id == nil || id != emails[0]["messageId"] {
		t.Errorf("notification message id %v, the outbox's %v", id, emails[0]["messageId"])
	}
	if h := c.OK("GET", "/v1/agents/"+agent+"/history", nil, false); fmt.Sprint(h["activities"]) != "[]" {
		t.Errorf("history: %v", h)
	}
}
