package local_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/local"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/testkit/harness"
)

// TestLocalEscalation: at a site that escalates after 1s, an
// unacknowledged alert reaches the escalate tier (email and text) once,
// announced once; an alert acknowledged through its link — the page, then
// its form posted as a browser does — or from the console never escalates.
func TestLocalEscalation(t *testing.T) {
	const base = "https://desk.example.com"
	s := harness.Start(t, harness.Options{Config: func(c *local.Config) {
		c.Lease, c.SweepInterval, c.AlertBaseURL = time.Minute, 100*time.Millisecond, base
	}})
	c := s.Client(t)
	c.OK("PUT", "/v1/sites/sea", harness.Sample(t, "admin/site.json", map[string]any{"notify": "security@example.com",
		"notifySms": []string{"+12065550150"}, "escalateAfter": "1s", "escalate": []string{"director@example.com", "+12065550160"}}), false)
	c.OK("PUT", "/v1/agents/a-1", map[string]any{"name": "Ada", "email": "ada@example.com", "presence": "Busy",
		"country": "US", "siteId": "sea"}, false)
	c.OK("POST", "/v1/callback-numbers", map[string]string{"number": "+14255550001", "country": "US", "siteId": "sea"}, false)
	c.OK("POST", "/v1/callback-numbers", map[string]string{"number": "+14255550002", "country": "US", "siteId": "sea"}, false)

	// escalations counts the escalate tier's messages of an alert.
	escalations := func(alertID string) (emails, texts int) {
		o := c.OK("GET", "/local/outbox", nil, false)
		sent, _ := o["emails"].([]any)
		posted, _ := o["alerts"].([]any)
		for _, e := range sent {
			e := e.(map[string]any)
			if e["alertId"] == alertID && strings.Contains(strings.Join(strs(e["to"]), ","), "director@example.com") {
				emails++
			}
		}
		for _, a := range posted {
			a := a.(map[string]any)
			if a["alertId"] == alertID && a["to"] == "+12065550160" {
				texts++
			}
		}
		return emails, texts
	}
	dial := func(callID, agentID string) (alertID, link string) {
		t.Helper()
		if agentID != "a-1" {
			c.OK("PUT", "/v1/agents/"+agentID, map[string]any{"name": "Bo", "email": "bo@example.com", "presence": "Busy",
				"country": "US", "siteId": "sea"}, false)
		}
		c.OK("POST", "/v1/telephony/events", harness.Sample(t, "webhooks/dial.json",
			map[string]any{"callId": callID, "agentId": agentID, "to": "911", "siteId": "sea"}), true)
		harness.Eventually(t, "the desk's alert of "+callID, func() bool {
			emails, _ := c.OK("GET", "/local/outbox", nil, false)["emails"].([]any)
			for _, e := range emails {
				e := e.(map[string]any)
				if l, _ := e["ackLink"].(string); l != "" && e["alertId"] == mayday.AlertID(callID, mayday.TierDesk) {
					alertID, link = e["alertId"].(string), l
					return true
				}
			}
			return false
		})
		return alertID, link
	}

	t.Run("unacknowledged escalates once", func(t *testing.T) {
		id, _ := dial("c-1", "a-1")
		harness.Eventually(t, "the escalation", func() bool { e, x := escalations(id); return e == 1 && x == 1 })
		time.Sleep(1500 * time.Millisecond) // a second escalation would have come by now
		if e, x := escalations(id); e != 1 || x != 1 {
			t.Fatalf("escalate tier got %d emails, %d texts; want 1 each", e, x)
		}
		s.Main.Bus.Wait()
		if n := countEvents(s, events.EmergencyAlertEscalated); n != 1 {
			t.Fatalf("%d escalations announced, want 1", n)
		}
		if got := recordOf(t, c, "c-1", mayday.RecordAlertEscalated); len(got) != 1 || got[0]["alertId"] != id {
			t.Fatalf("the record's escalations: %v, want one of %s", got, id)
		}
	})
	t.Run("acknowledged never escalates", func(t *testing.T) {
		id, link := dial("c-2", "a-2")
		path := strings.TrimPrefix(link, base)
		page := browser(t, "GET", s.Main.URL+path, "", s.Main.URL)
		if !strings.Contains(page, `action="/v1/alerts/`+id+`/ack"`) {
			t.Fatalf("the page has no acknowledge form: %s", page)
		}
		u, _ := url.Parse(path)
		done := browser(t, "POST", s.Main.URL+"/v1/alerts/"+id+"/ack",
			url.Values{"token": {u.Query().Get("token")}, "name": {"Desk officer Lee"}}.Encode(), s.Main.URL)
		if !strings.Contains(done, "Acknowledged. The emergency is yours.") {
			t.Fatalf("acknowledgement page: %s", done)
		}
		time.Sleep(2 * time.Second) // past escalateAfter
		if e, x := escalations(id); e != 0 || x != 0 {
			t.Fatalf("an acknowledged alert escalated: %d emails, %d texts", e, x)
		}
		if n := s.Main.Escalations.Pending(); n != 0 {
			t.Fatalf("%d escalations still pending", n)
		}
		s.Main.Bus.Wait()
		if n := countEvents(s, events.EmergencyAlertAcknowledged); n != 1 {
			t.Fatalf("%d acknowledgements announced, want 1", n)
		}
		if got := recordOf(t, c, "c-2", mayday.RecordAlertAcknowledged); len(got) != 1 || got[0]["by"] != "Desk officer Lee" {
			t.Fatalf("the record's acknowledgements: %v, want one by Desk officer Lee", got)
		}
		if got := recordOf(t, c, "c-2", mayday.RecordAlertEscalated); len(got) != 0 {
			t.Fatalf("the record has escalations of an acknowledged alert: %v", got)
		}
	})
	t.Run("acknowledged from the console never escalates", func(t *testing.T) {
		id, _ := dial("c-3", "a-3")
		c.OK("PUT", "/v1/alerts/"+id+"/acknowledgement", map[string]string{"name": "Desk officer Kim"}, false)
		time.Sleep(2 * time.Second) // past escalateAfter
		if e, x := escalations(id); e != 0 || x != 0 {
			t.Fatalf("an alert acknowledged from the console escalated: %d emails, %d texts", e, x)
		}
		s.Main.Bus.Wait()
		if got := recordOf(t, c, "c-3", mayday.RecordAlertAcknowledged); len(got) != 1 || got[0]["by"] != "Desk officer Kim" {
			t.Fatalf("the record's acknowledgements: %v", got)
		}
	})
}

// recordOf is the fields of the call's record entries of one kind.
func recordOf(t *testing.T, c *harness.Client, callID, kind string) []map[string]any {
	t.Helper()
	var out []map[string]any
	entries, _ := c.OK("GET", "/v1/emergencies/"+callID+"/record", nil, false)["entries"].([]any)
	for _, e := range entries {
		if e := e.(map[string]any); e["kind"] == kind {
			out = append(out, e["fields"].(map[string]any))
		}
	}
	return out
}

// browser sends what a browser on the runner's own page sends: HTML
// accepted, a form posted from the same origin.
func browser(t *testing.T, method, u, form, origin string) string {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	if method == "POST" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s: %d %s", method, u, resp.StatusCode, b)
	}
	return string(b)
}

func strs(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			out = append(out, x.(string))
		}
	}
	return out
}

// countEvents counts the events of a detail-type the bus carried.
func countEvents(s *harness.System, detailType string) int {
	n := 0
	for _, raw := range s.Main.Bus.Events() {
		if strings.Contains(string(raw), `"detail-type":"`+detailType+`"`) {
			n++
		}
	}
	return n
}
