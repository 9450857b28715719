package main

// The stack as deployed: the functions' real bootstraps, built for this
// machine, each under the Lambda Runtime Interface Emulator with exactly the
// environment this template gives it; events routed by this template's rules
// and targets; webhooks and admin routes as Function URL events; DynamoDB
// Local and aws-ses-v2-local behind them (package lambdarie), each function
// reaching DynamoDB under its role's policies from the template (a request
// they do not allow is denied, and fails the test). One emergency call goes
// through the whole chain, with the admin and state routes around it; a
// site's unacknowledged alert escalates when its EventBridge Scheduler
// schedule fires (asdeployed_escalation_test.go); then SES pauses sending, the email
// function's retries run out, the event lands in the on-failure destination,
// and `mayday replay`'s re-drive delivers it once SES is back.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/awsclients"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/emailtemplate"
	"github.com/mayday/mayday/shared/redrive"
	"github.com/mayday/mayday/shared/sesmailer"
	"github.com/mayday/mayday/shared/settings"
	"github.com/mayday/mayday/shared/testkit/awsfake"
	"github.com/mayday/mayday/shared/testkit/harness"
	"github.com/mayday/mayday/shared/testkit/integration"
	"github.com/mayday/mayday/shared/testkit/lambdarie"
	"github.com/mayday/mayday/shared/testkit/presencetest"
	"github.com/mayday/mayday/shared/webhooksecret"
)

// HostBootstrapsVar names a directory of bootstraps built for this machine
// (scripts/build-functions.sh -host DIR; make test sets it); without it the
// test builds them.
const HostBootstrapsVar = "MAYDAY_HOST_BOOTSTRAPS"

func TestAsDeployed(t *testing.T) {
	ep := integration.Endpoints(t, "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SESV2")
	ddbURL, sesURL := ep[0], strings.TrimRight(ep[1], "/")
	if _, err := lambdarie.Binary(); err != nil {
		if integration.Required() {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	ctx := context.Background()
	cfg, err := awsclients.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Presence push as deployed, through the generic webhook to a local
	// receiver (TaskRouter's API is not reachable from here): the stack of
	// the other tests with that platform instead.
	presence := presencetest.NewReceiver(t, nil) // its secret is known once deployed
	var tpl assertions.Template
	check(t, func() {
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(assetDir, "cdk.out-asdeployed"))})
		stack := NewMaydayStack(app, "Mayday", &MaydayStackProps{AssetDir: assetDir, Config: Config{
			Values: testCfg.With(settings.PresencePlatform, settings.PlatformWebhook).
				With(settings.PresenceWebhookURL, presence.URL).Values,
			CallbackPool: testCfg.CallbackPool, AlarmEmail: testCfg.AlarmEmail}})
		tpl = assertions.Template_FromStack(stack, nil)
	})
	tplJSON, err := json.Marshal(tpl.ToJSON())
	if err != nil {
		t.Fatal(err)
	}
	ids := functionIDs(t)
	dir := hostBootstraps(t)
	boots := map[string]string{}
	for name, id := range ids {
		boots[id] = filepath.Join(dir, name, "bootstrap")
	}
	// The template's email template, pushed as CloudFormation would.
	tplRes := resources[resourceID(t, "AWS::SES::Template")].Properties["Template"].(map[string]any)
	if err := sesmailer.New(sesv2.NewFromConfig(cfg), "", "").PutTemplate(ctx, emailtemplate.Template{Name: tplRes["TemplateName"].(string),
		Subject: tplRes["SubjectPart"].(string), HTML: tplRes["HtmlPart"].(string), Text: tplRes["TextPart"].(string)}); err != nil {
		t.Fatal(err)
	}
	ses := newSESAccount(t, sesURL)

	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	d := lambdarie.Deploy(t, lambdarie.Options{
		Template: tplJSON, Bootstraps: boots, DynamoDB: coldstart.DynamoDB(cfg), AccessKeyID: creds.AccessKeyID,
		Endpoints: map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": ddbURL, "AWS_ENDPOINT_URL_SESV2": ses.URL},
		// The account's SMS number: the one the stack sends from.
		SMSOriginations: []string{testCfg.Get(settings.SMSOrigination)},
		// Until the stack has its own on-failure destinations.
		FallbackOnFailure: "rie-failed-invocations",
		EnforceIAM:        true,
	})
	t.Logf("%d functions started under the emulator in %v", len(boots), time.Since(start).Round(time.Millisecond))
	// Once the stack configures asynchronous invocation, every rule target
	// must have it; until then Lambda's defaults stand, with a test queue.
	configured := len(d.Template.OfType("AWS::Lambda::EventInvokeConfig")) > 0
	for _, name := range []string{functions.CallbackLeaseAllocation, functions.EmailNotification, functions.PresenceRestore, functions.CallHistory, functions.LeaseExpiry, functions.PresencePush} {
		if configured && slices.Contains(d.Fallback, ids[name]) {
			t.Errorf("%s: a rule target with no AWS::Lambda::EventInvokeConfig", name)
		}
	}
	if !configured {
		t.Logf("no AWS::Lambda::EventInvokeConfig in the template: Lambda's default %d retries, test queue as on-failure destination", lambdarie.DefaultRetries)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(d.Logs())
		}
		// Every DynamoDB, Scheduler and SMS request each function made,
		// allowed by its role.
		for _, denied := range d.Denied() {
			t.Errorf("denied by %s's role: %s on %s, keys %q", denied.Function, denied.Action, denied.Resource, denied.Keys)
		}
		for id, actions := range d.DynamoDBActions() {
			t.Logf("%s: DynamoDB %v", id, actions)
		}
	})
	secret, err := d.Secret(logicalID(t, "AWS::SecretsManager::Secret", "WebhookSecret"))
	if err != nil {
		t.Fatal(err)
	}
	c := &rieClient{t: t, d: d, secret: []byte(secret)}
	presenceSecret, err := d.Secret(presenceSecretID(t, d))
	if err != nil {
		t.Fatal(err)
	}
	presence.Secret = []byte(presenceSecret)
	admin, dial, inbound := ids[functions.AdminAPI], ids[functions.DialDetection], ids[functions.PriorityCallbackRouting]
	state := ids[functions.AgentState]

	// Every function reads what the template gives it, nothing else: its
	// tables' names where it reads them (the stream's publisher gets the
	// table's records, never its name).
	for name, id := range ids {
		fn, _ := functions.Get(name)
		f := functionSpec{Function: fn}
		for _, s := range []settings.Setting{settings.Table, settings.RecordTable} {
			if d.Function(id) == nil || f.reads(s) != (d.Env(id)[s.Env] != "") {
				t.Fatalf("%s (%s): %s deployed = %v, want %v: %v", name, id, s.Env, d.Env(id)[s.Env] != "", f.reads(s), d.Env(id))
			}
		}
	}

	stamp := fmt.Sprintf("%d", time.Now().UnixNano())
	agent, site := "rie-a-"+stamp, "rie-site-"+stamp
	number := fmt.Sprintf("+1425%07d", time.Now().UnixNano()%10_000_000)
	c.ok(admin, "PUT", "/v1/sites/"+site, harness.Sample(t, "admin/site.json", nil), false)
	c.ok(admin, "PUT", "/v1/agents/"+agent, harness.Sample(t, "admin/agent.json", map[string]any{"siteId": site}), false)
	presence.AddAgent(agent, presencetest.StatusAvailable)
	c.ok(admin, "POST", "/v1/callback-numbers", fmt.Sprintf(`{"number":%q,"country":"US","siteId":%q}`, number, site), false)
	// The admin routes' reads and deletes, under admin-api's role: every
	// pool (a scan of gsi3), the sites, every agent (every index), a number
	// and an empty site added and deleted.
	spare, empty := fmt.Sprintf("+1425%07d", (time.Now().UnixNano()+1)%10_000_000), "rie-empty-"+stamp
	c.ok(admin, "POST", "/v1/callback-numbers", fmt.Sprintf(`{"number":%q,"country":"US"}`, spare), false)
	if l := c.ok(admin, "GET", "/v1/callback-numbers", "", false); !strings.Contains(fmt.Sprint(l), spare) {
		t.Fatalf("pools: %v", l)
	}
	c.ok(admin, "DELETE", "/v1/callback-numbers/"+url.PathEscape(spare), "", false)
	c.ok(admin, "PUT", "/v1/sites/"+empty, harness.Sample(t, "admin/site.json", nil), false)
	c.ok(admin, "GET", "/v1/sites", "", false)
	c.ok(admin, "DELETE", "/v1/sites/"+empty, "", false)
	c.ok(admin, "GET", "/v1/agents", "", false)
	// agent-state serves the state route and no admin route.
	c.ok(state, "GET", "/v1/agents/"+agent+"/state", "", false)
	for _, r := range [][2]string{{"PUT", "/v1/agents/" + agent}, {"GET", "/v1/agents/" + agent}, {"GET", "/v1/sites"}} {
		if got := c.call(state, r[0], r[1], harness.Sample(t, "admin/agent.json", nil), false); got.Status != http.StatusNotFound {
			t.Errorf("agent-state %s %s: %d, want 404", r[0], r[1], got.Status)
		}
	}

	// A remote agent confirms an address: admin-api searches the template's
	// place index (signed for geo); a real place validates, a house that is
	// not there does not.
	remote := "rie-b-" + stamp
	c.ok(admin, "PUT", "/v1/agents/"+remote, harness.Sample(t, "admin/agent.json", map[string]any{"siteId": site}), false)
	placeIndex := d.Physical[resourceID(t, "AWS::Location::PlaceIndex")].Ref
	if err := d.Location.AddPlace(placeIndex, awsfake.Place{AddressNumber: "2121", Street: "7th Ave", Municipality: "Seattle",
		Region: "Washington", PostalCode: "98121", Country: "USA"}); err != nil {
		t.Fatal(err)
	}
	for house, want := range map[string]bool{"2121": true, "2125": false} {
		l := c.ok(admin, "PUT", "/v1/agents/"+remote+"/location", fmt.Sprintf(`{"address":{"houseNumber":%q,"street":"7th Ave",`+
			`"city":"Seattle","region":"WA","postalCode":"98121","country":"US"},"detail":"Home office"}`, house), false)
		if l["validated"] != want {
			t.Errorf("location at %s 7th Ave: validated %v, want %v", house, l["validated"], want)
		}
	}
	if reqs := d.Location.Requests(); len(reqs) != 2 || reqs[0].Index != placeIndex || reqs[0].Service != "geo" {
		t.Errorf("place index searches: %+v", reqs)
	}

	// An unsigned webhook is refused by the deployed function, and the
	// template's metric filter counts the refusal for its alarm.
	rejected := logicalID(t, "AWS::Logs::MetricFilter", constructID(functions.DialDetection)+"RejectedFilter")
	if r := c.call(dial, "POST", "/v1/telephony/events", harness.Sample(t, "webhooks/dial.json", nil), false); r.Status != http.StatusUnauthorized {
		t.Fatalf("unsigned dial: %d %s", r.Status, r.Body)
	}
	if n, err := filterCount(d, rejected, 1); err != nil || n != 1 {
		t.Fatalf("%s after one unsigned dial: %d, %v; want 1", rejected, n, err)
	}

	// The emergency call: the dial's answer presents the leased number.
	call1, callback1 := agent+"-c1", agent+"-c9"
	r := c.ok(dial, "POST", "/v1/telephony/events", harness.Sample(t, "webhooks/dial.json",
		map[string]any{"callId": call1, "agentId": agent, "siteId": site}), true)
	if r["emergency"] != true || r["callerId"] != number {
		t.Fatalf("dial: %v", r)
	}
	if d.Secrets.Reads() == 0 {
		t.Fatal("the webhook secret was not read from Secrets Manager")
	}
	d.Settle()
	if n, _ := d.Lambda.Counts(ids[functions.CallbackLeaseAllocation]); n == 0 {
		t.Fatalf("lease allocation not invoked; events: %v", eventTypes(d))
	}
	emails := ses.emails(t, call1)
	if len(emails) != 1 || !strings.Contains(emails[0], number) {
		t.Fatalf("emails for %s: %q", call1, emails)
	}
	if st := c.ok(state, "GET", "/v1/agents/"+agent+"/state", "", false); st["presence"] != "DoNotDisturb" ||
		harness.Get(st, "emergency.callbackNumber") != number {
		t.Fatalf("state during the call: %v", st)
	}
	// The desk acknowledges from the email's link, on alert-ack's public
	// URL; the console then lists the alert with who acknowledged it.
	link := ackLink(t, emails[0])
	ack := c.ok(ids[functions.AlertAck], "POST", link.Path+"/ack",
		fmt.Sprintf(`{"token":%q,"name":"Desk officer Lee"}`, link.Query().Get("token")), false)
	if ack["first"] != true || harness.Get(ack, "alert.callId") != call1 {
		t.Fatalf("acknowledgement: %v", ack)
	}
	if l := c.ok(admin, "GET", "/v1/alerts?open=false&siteId="+site, "", false); !strings.Contains(fmt.Sprint(l), "acknowledgedBy:Desk officer Lee") {
		t.Fatalf("the site's alerts after the acknowledgement: %v", l)
	}
	// The emergency service calls back: routed to the agent.
	r = c.ok(inbound, "POST", "/v1/telephony/inbound", harness.Sample(t, "webhooks/inbound.json",
		map[string]any{"callId": callback1, "to": number}), true)
	if r["route"] != "agent" || r["agentId"] != agent || r["priority"] != "emergency" {
		t.Fatalf("callback route: %v", r)
	}
	c.ok(dial, "POST", "/v1/telephony/events", harness.Sample(t, "webhooks/end.json", map[string]any{"callId": call1}), true)
	c.ok(dial, "POST", "/v1/telephony/events", harness.Sample(t, "webhooks/end.json", map[string]any{"callId": callback1}), true)
	d.Settle()
	if st := c.ok(admin, "GET", "/v1/agents/"+agent+"/state", "", false); st["presence"] != "Busy" || harness.Get(st, "emergency.active") != false {
		t.Fatalf("state after the calls: %v", st)
	}
	if got := presence.Status(agent); got != presencetest.StatusAvailable || !slices.Contains(presence.Moves(agent), presencetest.StatusDND) {
		t.Errorf("presence in the platform: %s after %v, want do-not-disturb and back to available", got, presence.Moves(agent))
	}
	seen := strings.Join(eventTypes(d), ",")
	for _, want := range []string{events.EmergencyCallStarted, events.CallbackLeaseAllocated, events.EmergencyCallbackRouted, events.EmergencyCallEnded} {
		if !strings.Contains(seen, want) {
			t.Errorf("no %q on the bus; saw %s", want, seen)
		}
	}
	if audit := d.LogGroupEvents(logicalID(t, "AWS::Logs::LogGroup", constructID(events.TargetAudit)+"Events")); !strings.Contains(fmt.Sprint(rawStrings(audit)), events.EmergencyCallbackRouted) {
		t.Errorf("audit log group: %s", rawStrings(audit))
	}
	// The emergency record, read through audit-api under its role: what
	// emergency-record appended from the events, the email with SES's
	// message id (email-notification's own append), chained.
	record := c.ok(ids[functions.AuditAPI], "GET", "/v1/emergencies/"+call1+"/record", "", false)
	var kinds []string
	entries, _ := record["entries"].([]any)
	for _, e := range entries {
		e := e.(map[string]any)
		kinds = append(kinds, e["kind"].(string))
		if e["kind"] == "notification-sent" && (harness.Get(e, "fields.channel") != "email" || harness.Get(e, "fields.messageId") == "") {
			t.Errorf("notification entry: %v", e)
		}
	}
	if record["verified"] != true || !slices.Contains(kinds, "notification-sent") || !slices.Contains(kinds, "alert-acknowledged") || len(kinds) < 3 {
		t.Errorf("record of %s: verified %v, kinds %v", call1, record["verified"], kinds)
	}

	escalation(t, c, d, ses, presence, stamp)

	// An ordinary call goes to call history; the every-minute schedule
	// runs the sweep.
	ordinary := agent + "-c3"
	if r := c.ok(dial, "POST", "/v1/telephony/events", harness.Sample(t, "webhooks/dial.json",
		map[string]any{"callId": ordinary, "agentId": agent, "siteId": site, "to": "+14255550123"}), true); r["emergency"] != false {
		t.Fatalf("ordinary dial: %v", r)
	}
	c.ok(dial, "POST", "/v1/telephony/events", harness.Sample(t, "webhooks/end.json", map[string]any{"callId": ordinary}), true)
	if err := d.FireSchedules(); err != nil {
		t.Fatal(err)
	}
	d.Settle()
	if h := c.ok(admin, "GET", "/v1/agents/"+agent+"/history", "", false); !strings.Contains(fmt.Sprint(h["activities"]), ordinary) {
		t.Fatalf("history: %v", h)
	}
	// The chain's events came through the table's stream: the dial
	// recorded them, the outbox publisher put them on the bus.
	for _, fn := range []string{functions.OutboxPublisher, functions.CallHistory, functions.LeaseExpiry, functions.PresenceRestore, functions.CallbackLeaseAllocation, functions.EmailNotification, functions.PresencePush} {
		if n, errs := d.Lambda.Counts(ids[fn]); n == 0 || errs != 0 {
			t.Errorf("%s: %d invocations, %d errors", fn, n, errs)
		}
	}

	// EventBridge goes down: the dial still answers with its lease at once,
	// and its start and end, recorded with its writes, are published from
	// the table's stream once EventBridge is back: one email, presence
	// restored, no webhook retried.
	d.EventBridge.Unavailable.Store(true)
	call4 := agent + "-c4"
	outageStart := time.Now()
	if r := c.ok(dial, "POST", "/v1/telephony/events", harness.Sample(t, "webhooks/dial.json",
		map[string]any{"callId": call4, "agentId": agent, "siteId": site}), true); r["emergency"] != true || r["callerId"] != number {
		t.Fatalf("dial while EventBridge is down: %v", r)
	}
	answered := time.Since(outageStart)
	c.ok(dial, "POST", "/v1/telephony/events", harness.Sample(t, "webhooks/end.json", map[string]any{"callId": call4}), true)
	time.Sleep(500 * time.Millisecond) // the publisher tries, and fails
	if got := ses.emails(t, call4); len(got) != 0 {
		t.Fatalf("an email while EventBridge was down: %q", got)
	}
	d.EventBridge.Unavailable.Store(false)
	recovered := time.Now()
	for len(ses.emails(t, call4)) == 0 && time.Since(recovered) < 60*time.Second {
		time.Sleep(50 * time.Millisecond)
	}
	d.Settle()
	if got := ses.emails(t, call4); len(got) != 1 || !strings.Contains(got[0], number) {
		t.Fatalf("emails for %s after EventBridge came back: %q", call4, got)
	}
	if st := c.ok(admin, "GET", "/v1/agents/"+agent+"/state", "", false); st["presence"] != "Busy" {
		t.Fatalf("state after the outage: %v", st)
	}
	t.Logf("EventBridge outage: dial answered in %v; email %v after recovery", answered.Round(time.Millisecond),
		time.Since(recovered).Round(time.Millisecond))

	// SES pauses the account's sending: the email function fails, Lambda
	// retries, then hands the event to the on-failure destination.
	email := ids[functions.EmailNotification]
	dest := d.Async(email)
	if dest.OnFailure == "" {
		t.Fatalf("email function: no on-failure destination")
	}
	attempts0, _ := d.Lambda.Counts(email)
	ses.paused.Store(true)
	call2 := agent + "-c2"
	r = c.ok(dial, "POST", "/v1/telephony/events", harness.Sample(t, "webhooks/dial.json",
		map[string]any{"callId": call2, "agentId": agent, "siteId": site}), true)
	if r["emergency"] != true || r["callerId"] != number {
		t.Fatalf("second dial (SES paused: the call is not held up): %v", r)
	}
	d.Settle()
	if attempts, _ := d.Lambda.Counts(email); attempts-attempts0 != 1+dest.Retries {
		t.Fatalf("email function: %d attempts, want %d (1 + %d retries)", attempts-attempts0, 1+dest.Retries, dest.Retries)
	}
	queued := d.SQS.Messages(dest.OnFailure)
	if len(queued) != 1 {
		t.Fatalf("on-failure destination: %d messages, want 1: %q", len(queued), queued)
	}
	var rec struct {
		RequestContext struct {
			FunctionArn            string
			Condition              string
			ApproximateInvokeCount int
		} `json:"requestContext"`
		RequestPayload struct {
			DetailType string `json:"detail-type"`
			Detail     struct {
				CallID string `json:"callId"`
			} `json:"detail"`
		} `json:"requestPayload"`
	}
	if err := json.Unmarshal([]byte(queued[0]), &rec); err != nil || rec.RequestContext.Condition != "RetriesExhausted" ||
		rec.RequestContext.ApproximateInvokeCount != 1+dest.Retries || rec.RequestPayload.DetailType != events.CallbackLeaseAllocated ||
		rec.RequestPayload.Detail.CallID != call2 || !strings.Contains(rec.RequestContext.FunctionArn, email) {
		t.Fatalf("destination record: %v %s", err, queued[0])
	}
	if got := ses.emails(t, call2); len(got) != 0 {
		t.Fatalf("an email went while sending was paused: %q", got)
	}

	// Sending resumes; the operator replays the queue.
	ses.paused.Store(false)
	queueURL := dest.OnFailure
	if out, ok := failedQueueOutput(d); ok {
		if out != dest.OnFailure {
			t.Fatalf("the stack's failed-invocations output names %s, the email function's destination is %s", out, dest.OnFailure)
		}
		queueURL = out
	} else {
		t.Logf("no failed-invocations queue output in the template: replaying the email function's destination")
	}
	sqsClient := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(d.SQS.URL) })
	lambdaClient := lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.BaseEndpoint = aws.String(d.Lambda.URL) })
	var out strings.Builder
	sum, err := redrive.Replay(ctx, redrive.Options{SQS: sqsClient, Lambda: lambdaClient, QueueURL: queueURL, Out: &out})
	if err != nil || sum != (redrive.Summary{Replayed: 1}) {
		t.Fatalf("replay: %+v, %v\n%s", sum, err, out.String())
	}
	if strings.Contains(out.String(), agent) {
		t.Errorf("replay output names the agent: %s", out.String())
	}
	if got := ses.emails(t, call2); len(got) != 1 || !strings.Contains(got[0], number) {
		t.Fatalf("emails for %s after the replay: %q", call2, got)
	}
	if left := d.SQS.Messages(queueURL); len(left) != 0 {
		t.Fatalf("queue after the replay: %q", left)
	}
	// Replaying the same event again sends nothing more.
	var again struct {
		RequestPayload json.RawMessage `json:"requestPayload"`
	}
	_ = json.Unmarshal([]byte(queued[0]), &again)
	if _, fnErr, err := d.Lambda.Invoke(ctx, email, again.RequestPayload); err != nil || fnErr {
		t.Fatalf("second replay: %v %v", fnErr, err)
	}
	if got := ses.emails(t, call2); len(got) != 1 {
		t.Fatalf("emails for %s after a second replay: %d, want 1", call2, len(got))
	}
	// The chain completes: the call ends, presence comes back.
	c.ok(dial, "POST", "/v1/telephony/events", harness.Sample(t, "webhooks/end.json", map[string]any{"callId": call2}), true)
	d.Settle()
	if st := c.ok(admin, "GET", "/v1/agents/"+agent+"/state", "", false); st["presence"] != "Busy" {
		t.Fatalf("state after the second call: %v", st)
	}
	// The run answered no request 5xx and refused no other: the alarms'
	// filters count only what they should.
	for _, fn := range []string{functions.DialDetection, functions.PriorityCallbackRouting, functions.AdminAPI} {
		for suffix, want := range map[string]int{"5xxFilter": 0, "RejectedFilter": 0} {
			if fn == functions.DialDetection && suffix == "RejectedFilter" {
				want = 1
			}
			if n, err := filterCount(d, logicalID(t, "AWS::Logs::MetricFilter", constructID(fn)+suffix), want); err != nil || n != want {
				t.Errorf("%s %s: %d, %v; want %d", fn, suffix, n, err, want)
			}
		}
	}
	// The dashboard's count of emergency dials by caller ID saw the run's
	// five: the first, the escalating site's two, SES paused, EventBridge
	// down.
	if n, err := filterCount(d, logicalID(t, "AWS::Logs::MetricFilter", constructID(functions.DialDetection)+"CallerIdFilter"), 5); err != nil || n != 5 {
		t.Errorf("emergency dials counted for the dashboard: %d, %v; want 5", n, err)
	}
	t.Logf("as deployed: %v in all", time.Since(start).Round(time.Millisecond))
}

// filterCount is a metric filter's count once it reaches want or a few
// seconds have passed: a function's log line may reach the emulator's
// output after its answer.
func filterCount(d *lambdarie.Deployment, id string, want int) (int, error) {
	deadline := time.Now().Add(3 * time.Second)
	for {
		n, err := d.MetricFilterCount(id)
		if err != nil || n == want || time.Now().After(deadline) {
			return n, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// hostBootstraps returns the directory of bootstraps built for this machine.
func hostBootstraps(t *testing.T) string {
	if dir := os.Getenv(HostBootstrapsVar); dir != "" {
		return dir
	}
	dir := t.TempDir()
	cmd := exec.Command("../scripts/build-functions.sh", "-host", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the bootstraps for this machine: %v\n%s", err, out)
	}
	return dir
}

// failedQueueOutput is the stack's output naming the failed-invocations
// queue, when it has one.
func failedQueueOutput(d *lambdarie.Deployment) (string, bool) {
	for name := range d.Template.Outputs {
		if strings.Contains(strings.ToLower(name), "failed") && strings.HasSuffix(name, "Url") {
			if v, err := d.Output(name); err == nil {
				return v, true
			}
		}
	}
	return "", false
}

func eventTypes(d *lambdarie.Deployment) []string {
	var out []string
	for _, e := range d.EventBridge.Events() {
		out = append(out, e.DetailType)
	}
	return out
}

func rawStrings(rs []json.RawMessage) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

// rieClient calls Function URL functions as the telephony platform (signed
// webhooks) and an IAM-authorised operator (admin routes) do.
type rieClient struct {
	t      *testing.T
	d      *lambdarie.Deployment
	secret []byte
}

func (c *rieClient) call(fn, method, path, body string, sign bool) lambdarie.URLResponse {
	c.t.Helper()
	h := map[string]string{}
	if sign {
		h[webhooksecret.SignatureHeader] = webhooksecret.Sign(c.secret, time.Now(), []byte(body))
	}
	r, err := c.d.CallURL(context.Background(), fn, method, path, h, []byte(body))
	if err != nil {
		c.t.Fatal(err)
	}
	return r
}

func (c *rieClient) ok(fn, method, path, body string, sign bool) map[string]any {
	c.t.Helper()
	r := c.call(fn, method, path, body, sign)
	out := map[string]any{}
	if r.Status/100 != 2 || (len(r.Body) > 0 && json.Unmarshal(r.Body, &out) != nil) {
		c.t.Fatalf("%s %s %s: %d %s", fn, method, path, r.Status, r.Body)
	}
	return out
}

// sesAccount stands between the email function and aws-ses-v2-local as the
// account's sending state: while paused, SendEmail answers as SES does for
// an account whose sending is paused.
type sesAccount struct {
	URL    string
	store  string
	paused atomic.Bool
}

func newSESAccount(t *testing.T, upstream string) *sesAccount {
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	a := &sesAccount{store: upstream + "/store"}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.paused.Load() && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/v2/email/outbound-emails") {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Amzn-ErrorType", "SendingPausedException")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"message":"Email sending is disabled for this account."}`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	a.URL = srv.URL
	return a
}

// emails are the texts of what aws-ses-v2-local holds for a call.
func (a *sesAccount) emails(t *testing.T, callID string) []string {
	t.Helper()
	return a.emailsTo(t, callID, "")
}

// emailsTo are the texts of the call's emails to one address ("": any).
func (a *sesAccount) emailsTo(t *testing.T, callID, to string) []string {
	t.Helper()
	resp, err := http.Get(a.store)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var store struct {
		Emails []struct {
			Destination struct {
				To []string `json:"to"`
			} `json:"destination"`
			Body struct{ Text string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&store); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range store.Emails {
		if strings.Contains(e.Body.Text, callID) && (to == "" || slices.Contains(e.Destination.To, to)) {
			out = append(out, e.Body.Text)
		}
	}
	return out
}

// ackLink is the acknowledgement link an email's text carries.
func ackLink(t *testing.T, text string) *url.URL {
	t.Helper()
	_, rest, ok := strings.Cut(text, "Acknowledge: ")
	line, _, _ := strings.Cut(rest, "\n")
	u, err := url.Parse(strings.TrimSpace(line))
	if !ok || err != nil || !strings.HasPrefix(u.Path, "/v1/alerts/al-") || u.Query().Get("token") == "" {
		t.Fatalf("no acknowledgement link in the email: %q (%v)", text, err)
	}
	return u
}

// presenceSecretID is the deployed presence secret's logical id.
func presenceSecretID(t *testing.T, d *lambdarie.Deployment) string {
	t.Helper()
	for _, id := range d.Template.OfType("AWS::SecretsManager::Secret") {
		if strings.HasPrefix(id, "PresenceSecret") {
			return id
		}
	}
	t.Fatal("no presence secret deployed")
	return ""
}
