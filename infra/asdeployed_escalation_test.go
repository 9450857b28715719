package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/awsscheduler"
	"github.com/mayday/mayday/shared/settings"
	"github.com/mayday/mayday/shared/testkit/awsfake"
	"github.com/mayday/mayday/shared/testkit/harness"
	"github.com/mayday/mayday/shared/testkit/lambdarie"
	"github.com/mayday/mayday/shared/testkit/presencetest"
)

// escalation runs the security desk's escalation as deployed, on a site
// that texts its desk and escalates after a second to a director (email)
// and a number (SMS): email-notification texts the desk from the stack's
// origination identity and schedules the escalation in the stack's group,
// through the role the stack made for Scheduler; one alert nobody
// acknowledges escalates when its schedule fires — alert-escalation, under
// the emulator, emails and texts the next tier once, announces it, and the
// emergency record holds it; the other, acknowledged from its email's
// link on alert-ack's URL, has its schedule deleted and never escalates.
func escalation(t *testing.T, c *rieClient, d *lambdarie.Deployment, ses *sesAccount, presence *presencetest.Receiver, stamp string) {
	t.Helper()
	ctx, start := context.Background(), time.Now()
	ids := functionIDs(t)
	admin, dial := ids[functions.AdminAPI], ids[functions.DialDetection]
	const desk, director, directorPhone = "+12065550150", "director@example.com", "+12065550160"
	origination := testCfg.Get(settings.SMSOrigination)
	site, agent := "rie-esc-"+stamp, "rie-e-"+stamp
	number := fmt.Sprintf("+1206%07d", time.Now().UnixNano()%10_000_000)
	c.ok(admin, "PUT", "/v1/sites/"+site, harness.Sample(t, "admin/site.json", map[string]any{
		"notifySms": []string{desk}, "escalateAfter": "1s", "escalate": []string{director, directorPhone}}), false)
	c.ok(admin, "PUT", "/v1/agents/"+agent, harness.Sample(t, "admin/agent.json", map[string]any{"siteId": site}), false)
	presence.AddAgent(agent, presencetest.StatusAvailable)
	c.ok(admin, "POST", "/v1/callback-numbers", fmt.Sprintf(`{"number":%q,"country":"US","siteId":%q}`, number, site), false)

	texts := func(to, callbackNumber string) []awsfake.SMSRequest {
		var out []awsfake.SMSRequest
		for _, m := range d.SMS.Sent() {
			if m.DestinationPhoneNumber == to && strings.Contains(m.MessageBody, callbackNumber) {
				out = append(out, m)
			}
		}
		return out
	}
	group := d.Physical[d.Template.OfType("AWS::Scheduler::ScheduleGroup")[0]].Ref
	role := d.Physical[logicalID(t, "AWS::IAM::Role", "EscalationSchedulerRole")].Attrs["Arn"]
	escalationARN := lambdarie.ARN(ids[functions.AlertEscalation])

	// Two emergency calls at the site; the desk is emailed and texted for
	// each, and each alert's escalation scheduled.
	unacked, acked := agent+"-c1", agent+"-c2"
	alerts := map[string]string{}
	schedules := map[string]awsfake.Schedule{}
	for _, call := range []string{unacked, acked} {
		if r := c.ok(dial, "POST", "/v1/telephony/events", harness.Sample(t, "webhooks/dial.json",
			map[string]any{"callId": call, "agentId": agent, "siteId": site}), true); r["emergency"] != true || r["callerId"] != number {
			t.Fatalf("dial at the escalating site: %v", r)
		}
	}
	d.Settle()
	sent := texts(desk, number)
	if len(sent) != 2 {
		t.Fatalf("the desk's texts: %+v; all texts %+v", sent, d.SMS.Sent())
	}
	for i, call := range []string{unacked, acked} {
		m := sent[i]
		if m.OriginationIdentity != origination || m.Service != "sms-voice" || m.MessageType != "TRANSACTIONAL" || m.Context["alertId"] == "" {
			t.Errorf("the desk's text for %s: %+v", call, m)
		}
		alerts[call] = m.Context["alertId"]
	}
	// The texts went in dial order only by chance: name each by its email.
	for _, call := range []string{unacked, acked} {
		emails := ses.emails(t, call)
		if len(emails) != 1 {
			t.Fatalf("emails for %s: %q", call, emails)
		}
		alerts[call] = strings.TrimPrefix(ackLink(t, emails[0]).Path, "/v1/alerts/")
		name := awsscheduler.ScheduleName(alerts[call])
		for _, sc := range d.Scheduler.Schedules() {
			if sc.Name == name {
				schedules[call] = sc
			}
		}
		sc, ok := schedules[call]
		if !ok || sc.GroupName != group || sc.Target.Arn != escalationARN || sc.Target.RoleArn != role ||
			sc.Target.Input != fmt.Sprintf(`{"alertId":%q}`, alerts[call]) || sc.ActionAfterCompletion != "DELETE" {
			t.Fatalf("escalation schedule of %s (group %s, target %s, role %s): %+v; held %+v", call, group, escalationARN, role, sc, d.Scheduler.Schedules())
		}
	}

	// The desk acknowledges one from its email's link: its schedule is
	// deleted, by alert-ack under its role.
	link := ackLink(t, ses.emails(t, acked)[0])
	if ack := c.ok(ids[functions.AlertAck], "POST", link.Path+"/ack",
		fmt.Sprintf(`{"token":%q,"name":"Desk officer Kim"}`, link.Query().Get("token")), false); ack["first"] != true {
		t.Fatalf("acknowledgement of %s: %v", acked, ack)
	}
	if !slices.ContainsFunc(d.Scheduler.Deleted(), func(sc awsfake.Schedule) bool { return sc.Name == schedules[acked].Name }) ||
		slices.ContainsFunc(d.Scheduler.Schedules(), func(sc awsfake.Schedule) bool { return sc.Name == schedules[acked].Name }) {
		t.Fatalf("the acknowledged alert's schedule is still held: %+v", d.Scheduler.Schedules())
	}

	// Its time comes: Scheduler invokes alert-escalation with the input.
	due := schedules[unacked].At
	if wait := time.Until(due); wait > 0 {
		time.Sleep(wait)
	}
	if n, err := d.FireDueSchedules(due); err != nil || n != 1 {
		t.Fatalf("due schedules: fired %d, %v; want the unacknowledged alert's", n, err)
	}
	d.Settle()
	if n, errs := d.Lambda.Counts(ids[functions.AlertEscalation]); n != 1 || errs != 0 {
		t.Fatalf("alert-escalation: %d invocations, %d errors", n, errs)
	}
	escalated := func() {
		t.Helper()
		if got := ses.emailsTo(t, unacked, director); len(got) != 1 || !strings.Contains(got[0], "ESCALATED") || !strings.Contains(got[0], number) {
			t.Errorf("the director's emails for %s: %q", unacked, got)
		}
		if got := texts(directorPhone, number); len(got) != 1 || got[0].OriginationIdentity != origination ||
			got[0].Context["alertId"] != alerts[unacked] {
			t.Errorf("the director's texts: %+v", got)
		}
		if got := ses.emailsTo(t, acked, director); len(got) != 0 {
			t.Errorf("the acknowledged alert escalated: %q", got)
		}
	}
	escalated()
	var announced []string
	for _, e := range d.EventBridge.Events() {
		if e.DetailType == events.EmergencyAlertEscalated {
			announced = append(announced, string(e.Raw))
		}
	}
	if len(announced) != 1 || !strings.Contains(announced[0], alerts[unacked]) {
		t.Errorf("%q on the bus: %q", events.EmergencyAlertEscalated, announced)
	}
	record := c.ok(ids[functions.AuditAPI], "GET", "/v1/emergencies/"+unacked+"/record", "", false)
	var kinds []string
	entries, _ := record["entries"].([]any)
	for _, e := range entries {
		kinds = append(kinds, e.(map[string]any)["kind"].(string))
	}
	if record["verified"] != true || !slices.Contains(kinds, "alert-escalated") {
		t.Errorf("record of %s: verified %v, kinds %v", unacked, record["verified"], kinds)
	}

	// Nothing is left to fire, and the same input delivered again (a
	// Scheduler retry) sends nothing more.
	if n, err := d.FireDueSchedules(time.Now().Add(time.Minute)); err != nil || n != 0 || len(d.Scheduler.Schedules()) != 0 {
		t.Fatalf("fired %d more (%v); held %+v", n, err, d.Scheduler.Schedules())
	}
	if _, fnErr, err := d.Lambda.Invoke(ctx, ids[functions.AlertEscalation], []byte(schedules[unacked].Target.Input)); err != nil || fnErr {
		t.Fatalf("redelivered escalation: %v %v", fnErr, err)
	}
	d.Settle()
	escalated()
	for _, call := range []string{unacked, acked} {
		c.ok(dial, "POST", "/v1/telephony/events", harness.Sample(t, "webhooks/end.json", map[string]any{"callId": call}), true)
	}
	d.Settle()
	t.Logf("escalation as deployed: %d texts, schedules deleted %d, in %v", len(d.SMS.Sent()), len(d.Scheduler.Deleted()),
		time.Since(start).Round(time.Millisecond))
}
