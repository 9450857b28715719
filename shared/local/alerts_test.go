package local_test

import (
	"strings"
	"testing"

	"github.com/mayday/mayday/shared/local"
	"github.com/mayday/mayday/shared/testkit/harness"
)

// TestLocalOutboxAlerts: locally the desk's texts and webhook posts land in
// GET /local/outbox beside the emails, each entry with its channel, to, text,
// the alert's id and its acknowledgement link (under the base URL that
// serves it); a 933 test call alerts the
// site that asks for test alerts, marked TEST.
func TestLocalOutboxAlerts(t *testing.T) {
	const base = "https://desk.example.com"
	s := harness.Start(t, harness.Options{Config: func(c *local.Config) { fast(c); c.AlertBaseURL = base }})
	c := s.Client(t)
	c.OK("PUT", "/v1/sites/sea", harness.Sample(t, "admin/site.json", map[string]any{"notify": "security@example.com",
		"notifySms": []string{"+12065550150"}, "notifyWebhook": "https://hooks.example.com/services/T/B/X", "testAlerts": true}), false)
	c.OK("PUT", "/v1/agents/a-1", map[string]any{"name": "Ada", "email": "ada@example.com", "presence": "Busy",
		"country": "US", "siteId": "sea", "emergencyContacts": "sup@example.com"}, false)
	c.OK("POST", "/v1/callback-numbers", map[string]string{"number": "+14255550001", "country": "US", "siteId": "sea"}, false)

	outbox := func() (emails, alerts []map[string]any) {
		o := c.OK("GET", "/local/outbox", nil, false)
		for _, list := range []struct {
			key string
			dst *[]map[string]any
		}{{"emails", &emails}, {"alerts", &alerts}} {
			got, _ := o[list.key].([]any) // null until the first
			for _, e := range got {
				*list.dst = append(*list.dst, e.(map[string]any))
			}
		}
		return emails, alerts
	}
	for _, step := range []struct {
		name, callID, to, marker string
	}{
		{"test call", "c-933", "933", "TEST"},
		{"emergency", "c-911", "911", "EMERGENCY"},
	} {
		t.Run(step.name, func(t *testing.T) {
			c.OK("POST", "/v1/telephony/events", harness.Sample(t, "webhooks/dial.json",
				map[string]any{"callId": step.callID, "agentId": "a-1", "to": step.to, "siteId": "sea"}), true)
			var emails, alerts []map[string]any
			harness.Eventually(t, "the alerts", func() bool {
				emails, alerts = outbox()
				return len(alerts) >= 2 && strings.Contains(alerts[0]["text"].(string), step.marker) &&
					strings.Contains(alerts[1]["text"].(string), step.marker)
			})
			s.Main.Bus.Wait()
			emails, alerts = outbox()
			email := emails[0]
			id := email["alertId"].(string)
			link, _ := email["ackLink"].(string)
			if email["channel"] != "email" || !strings.HasPrefix(link, base+"/v1/alerts/"+id+"?token=") {
				t.Fatalf("email entry: channel %v, alert %v, link %v", email["channel"], id, link)
			}
			got := map[string]map[string]any{}
			for _, a := range alerts[:2] {
				got[a["channel"].(string)] = a
				if a["alertId"] != id || a["ackLink"] != link {
					t.Errorf("%v entry: alert %v link %v, want %s %s", a["channel"], a["alertId"], a["ackLink"], id, link)
				}
				if !strings.Contains(a["text"].(string), "+14255550001") || !strings.Contains(a["text"].(string), "Main St") {
					t.Errorf("%v text lacks the callback number or the address: %q", a["channel"], a["text"])
				}
			}
			if got["sms"]["to"] != "+12065550150" || got["sms"]["segments"] != 1.0 ||
				got["webhook"]["to"] != "https://hooks.example.com/services/T/B/X" || harness.Get(got["webhook"], "body.alertId") != id {
				t.Fatalf("alerts: %v", alerts[:2])
			}
			if step.marker == "TEST" && (len(emails) != 1 || emails[0]["to"].([]any)[0] != "security@example.com") {
				t.Fatalf("the test call's email: %v", emails)
			}
		})
	}
	_, alerts := outbox()
	if len(alerts) != 4 {
		t.Fatalf("%d texts and posts for two calls, want 4", len(alerts))
	}
}

// TestLocalAlertLinkOnTheRunner: with no base URL configured, an alert's
// link names the runner itself, and opening it there shows the alert.
func TestLocalAlertLinkOnTheRunner(t *testing.T) {
	s := harness.Start(t, harness.Options{Config: fast})
	c := s.Client(t)
	c.OK("PUT", "/v1/sites/sea", harness.Sample(t, "admin/site.json", nil), false)
	c.OK("PUT", "/v1/agents/a-1", harness.Sample(t, "admin/agent.json", nil), false)
	c.OK("POST", "/v1/callback-numbers", harness.Sample(t, "admin/callback-number.json", nil), false)
	c.OK("POST", "/v1/telephony/events", harness.Sample(t, "webhooks/dial.json", nil), true)
	var link string
	harness.Eventually(t, "the desk's email with its link", func() bool {
		for _, e := range s.Emails(t) {
			if l, _ := e["ackLink"].(string); l != "" {
				link = l
				return true
			}
		}
		return false
	})
	if !strings.HasPrefix(link, s.Main.URL+"/v1/alerts/al-") {
		t.Fatalf("link %q, want one on the runner %s", link, s.Main.URL)
	}
	page := browser(t, "GET", link, "", "")
	if !strings.Contains(page, "EMERGENCY CALL") || !strings.Contains(page, ">Acknowledge</button>") {
		t.Fatalf("the link's page: %s", page)
	}
}
