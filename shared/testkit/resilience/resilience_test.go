package resilience_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/ebpublisher"
	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/local"
	"github.com/mayday/mayday/shared/localbus"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
	"github.com/mayday/mayday/shared/testkit/faults"
	"github.com/mayday/mayday/shared/testkit/harness"
	"github.com/mayday/mayday/shared/webhooksecret"
)

// ---------------------------------------------------------------------------
// DynamoDB

// TestDynamoDBThrottlingIsRetried: throttling below the SDK's retry limit is
// absorbed by the SDK retryer — the dial webhook sets the call up itself (Do
// Not Disturb and the lease), in time, and the chain runs with no bus retry.
func TestDynamoDBThrottlingIsRetried(t *testing.T) {
	t.Parallel()
	plan := faults.NewPlan()
	sys := newSystem(t, setup{dynamo: true, plan: plan})
	sys.addNumbers(8)
	tests := []struct {
		name, op, code string
		times          int
	}{
		{"BatchGetItem ThrottlingException", "BatchGetItem", "ThrottlingException", 2},
		{"TransactWriteItems ThrottlingException", "TransactWriteItems", "ThrottlingException", sys.sdkAttempts - 1},
		{"TransactWriteItems ProvisionedThroughputExceeded", "TransactWriteItems", "ProvisionedThroughputExceededException", sys.sdkAttempts - 1},
		{"Query ThrottlingException (the pool)", "Query", "ThrottlingException", sys.sdkAttempts - 1},
		{"PutItem ThrottlingException (the notification)", "PutItem", "ThrottlingException", sys.sdkAttempts - 1},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := sys.with(t)
			agent, call := s.agent(fmt.Sprintf("throttle%d", i), "Busy"), s.id(fmt.Sprintf("throttle%d-c", i))
			if tc.op == "Query" {
				// A dial reuses the pool it read in the last second; let
				// that view go stale so this dial queries.
				time.Sleep(time.Second)
			}
			injected := plan.Injected("DynamoDB", tc.op)
			plan.Add(faults.Fault{Service: "DynamoDB", Operation: tc.op, Kind: faults.Throttle, Code: tc.code, Times: tc.times})
			defer plan.Lift()

			code, out, took := s.dial(agent, call)
			if code != http.StatusOK || out["emergency"] != true {
				t.Fatalf("dial: %d %v", code, out)
			}
			if took > stateTimeout+slack {
				t.Errorf("dial webhook took %v, want < %v", took, stateTimeout+slack)
			}
			s.settle()
			got := plan.Injected("DynamoDB", tc.op) - injected
			if got != tc.times {
				t.Errorf("%d %s faults injected, want %d", got, tc.op, tc.times)
			}
			started := s.events(events.EmergencyCallStarted, call)
			if len(started) != 1 || started[0].detail["presenceApplied"] != true {
				t.Errorf("Emergency Call Started events %v: want one with presenceApplied=true", started)
			}
			st := s.state(agent)
			if st["presence"] != "DoNotDisturb" || harness.Get(st, "emergency.callbackNumber") == nil {
				t.Errorf("state during the call: %v", st)
			}
			if n := s.logs.failures(""); n != 0 {
				t.Errorf("%d bus deliveries failed; want the SDK to absorb the throttling", n)
			}
			t.Logf("%s ×%d: webhook %v, %d %s attempts in all", tc.code, tc.times, took.Round(time.Millisecond),
				plan.Attempts("DynamoDB", tc.op), tc.op)
			s.ok(s.end(call))
			s.final(agent, "Busy", call)
		})
	}
}

// TestDynamoDBOutageOnDialWebhook: with DynamoDB failing, the dial webhook
// still answers emergency:true within its budget, presenting no lease (the
// platform's default number here: the agent has no site), publishes
// "Emergency Call Started" with presenceApplied=false, and once DynamoDB
// recovers the lease allocator — retried by the bus — applies Do Not
// Disturb and the email goes, naming what the emergency service received. No
// number is leased after the fact.
func TestDynamoDBOutageOnDialWebhook(t *testing.T) {
	t.Parallel()
	plan := faults.NewPlan()
	sys := newSystem(t, setup{dynamo: true, plan: plan})
	sys.addNumbers(8)
	tests := []struct {
		name  string
		fault faults.Fault
		// liftOnRetry lifts the fault when the first delivery to the lease
		// allocator fails (the bus then retries it); otherwise the fault is
		// lifted as soon as the webhook has answered.
		liftOnRetry bool
	}{
		{"HTTP 500 persistent", faults.Fault{Service: "DynamoDB", Kind: faults.ServerError}, true},
		{"HTTP 503 persistent", faults.Fault{Service: "DynamoDB", Kind: faults.ServerError, Status: 503, Code: "ServiceUnavailable"}, true},
		{"throttling persistent", faults.Fault{Service: "DynamoDB", Kind: faults.Throttle}, true},
		{"client timeouts persistent", faults.Fault{Service: "DynamoDB", Kind: faults.Timeout, Duration: 50 * time.Millisecond}, true},
		{"slow endpoint (5s a call)", faults.Fault{Service: "DynamoDB", Kind: faults.Delay, Duration: 5 * time.Second}, false},
		{"hung endpoint", faults.Fault{Service: "DynamoDB", Kind: faults.Hang}, false},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := sys.with(t)
			agent, call := s.agent(fmt.Sprintf("outage%d", i), "Away"), s.id(fmt.Sprintf("outage%d-c", i))
			retriesBefore := s.logs.failures(functions.CallbackLeaseAllocation)
			if tc.liftOnRetry {
				s.logs.setOn(func(msg string, attrs map[string]string) {
					if msg == "delivery failed" && attrs["target"] == functions.CallbackLeaseAllocation {
						plan.Lift()
					}
				})
				defer s.logs.setOn(nil)
			}
			plan.Add(tc.fault)
			defer plan.Lift()

			code, out, took := s.dial(agent, call)
			if !tc.liftOnRetry {
				plan.Lift()
			}
			if code != http.StatusOK || out["emergency"] != true {
				t.Fatalf("dial during the outage: %d %v", code, out)
			}
			if took > webhookBudget+slack {
				t.Errorf("dial webhook took %v, over its %v budget", took, webhookBudget)
			}
			started := s.events(events.EmergencyCallStarted, call)
			if len(started) != 1 || started[0].detail["presenceApplied"] != false {
				t.Fatalf("Emergency Call Started events %v: want one with presenceApplied=false", started)
			}
			s.settle()
			retries := s.logs.failures(functions.CallbackLeaseAllocation) - retriesBefore
			if tc.liftOnRetry && retries == 0 {
				t.Errorf("the lease allocator never failed: the outage did not reach it")
			}
			st := s.state(agent)
			if st["presence"] != "DoNotDisturb" || harness.Get(st, "emergency.active") != true || harness.Get(st, "emergency.callbackNumber") != nil {
				t.Errorf("state after recovery: %v; want Do Not Disturb and no callback number", st)
			}
			// The store cannot tell where the agent is: the platform's
			// default for the country, never a pool number.
			defaults, _ := settings.ParseCallerIDs(local.DefaultCallerID)
			if out["callerIdSource"] != "default" || out["callerId"] != defaults["US"] ||
				len(s.events(events.CallbackLeaseUnavailable, call)) != 1 {
				t.Errorf("answer %v: want the platform default and Callback Lease Unavailable announced", out)
			}
			if n := s.emails(call); n != 1 {
				t.Errorf("%d emails, want 1", n)
			}
			t.Logf("%s: webhook answered in %v (emergency:true, presenceApplied=false); lease allocator failed %d time(s), then applied DND and the email went",
				tc.name, took.Round(time.Millisecond), retries)
			s.ok(s.end(call))
			s.expectNoLease()
			s.final(agent, "Away", call)
		})
	}
}

// TestDynamoDBHungDuringNotification: a store that hangs under an event
// consumer (here the email notification, whose claim is a PutItem: the dial
// reads and writes with BatchGetItem, Query and TransactWriteItems) must make
// the delivery fail (as a Lambda timeout does), be retried by the bus and end
// in the dead letters with the whole event, which replays once the store is
// back.
func TestDynamoDBHungDuringNotification(t *testing.T) {
	t.Parallel()
	plan := faults.NewPlan()
	s := newSystem(t, setup{dynamo: true, plan: plan, busTimeout: 200 * time.Millisecond})
	s.addNumbers(4)
	agent, call := s.agent("hung", "Busy"), s.id("hung-c")
	plan.Add(faults.Fault{Service: "DynamoDB", Operation: "PutItem", Kind: faults.Hang})

	code, out, took := s.dial(agent, call)
	if code != http.StatusOK || out["emergency"] != true || out["callerId"] == nil || took > stateTimeout+slack {
		t.Fatalf("dial: %d %v in %v; want a caller ID in time", code, out, took)
	}
	if !eventually(t, "a dead letter", 2500*time.Millisecond, func() bool { return len(s.deadLetters(functions.EmailNotification)) > 0 }) {
		hung := plan.Injected("DynamoDB", "PutItem")
		plan.Lift() // releases the hung call, so the test can end
		s.settle()
		t.Fatalf("a notification hung on DynamoDB (%d hung PutItem) was neither retried nor dead-lettered: "+
			"each bus delivery must end at local.Config.BusTimeout, as a Lambda ends at its timeout", hung)
	}
	dl := s.deadLetters(functions.EmailNotification)[0]
	var ev envelope
	if err := json.Unmarshal(dl.Event, &ev); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(ev.Detail, &ev.detail)
	if dl.Attempts != 3 || ev.DetailType != events.CallbackLeaseAllocated || ev.detail["callId"] != call ||
		ev.detail["agentId"] != agent || ev.detail["callbackNumber"] != out["callerId"] || ev.detail["country"] != "US" {
		t.Fatalf("dead letter %s: want the whole Callback Lease Allocated event after 3 attempts", describe([]localbus.DeadLetter{dl}))
	}
	plan.Lift()
	s.settle()
	if s.emails(call) != 0 {
		t.Fatalf("before the replay: %d emails", s.emails(call))
	}
	s.republish(ev)
	s.settle()
	if held := s.held(agent); len(held) != 1 || s.emails(call) != 1 {
		t.Fatalf("after the replay: numbers %v, %d emails; want 1 and 1", held, s.emails(call))
	}
	s.ok(s.end(call))
	s.expectDead(1)
	s.final(agent, "Busy", call)
}

// ---------------------------------------------------------------------------
// SES

// TestSESFaults: failures of SendEmail. The SDK absorbs short ones; a send
// that fails as a whole makes the notification handler fail and the bus
// retry it; exactly one email goes out either way.
func TestSESFaults(t *testing.T) {
	t.Parallel()
	plan := faults.NewPlan()
	sys := newSystem(t, setup{ses: true, plan: plan})
	sys.addNumbers(8)
	whole := sys.sdkAttempts // faults that fail every SDK attempt of one send
	tests := []struct {
		name  string
		fault faults.Fault
		// busRetries is how many deliveries to the notification fail.
		busRetries int
	}{
		{"5xx once (retried by the SDK)", faults.Fault{Kind: faults.ServerError, Times: 1}, 0},
		{"throttled twice (retried by the SDK)", faults.Fault{Kind: faults.Throttle, Code: "TooManyRequestsException", Times: 2}, 0},
		{"5xx for one whole send (retried by the bus)", faults.Fault{Kind: faults.ServerError, Times: whole}, 1},
		{"timeouts for one whole send (retried by the bus)", faults.Fault{Kind: faults.Timeout, Duration: 10 * time.Millisecond, Times: whole}, 1},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := sys.with(t)
			agent, call := s.agent(fmt.Sprintf("ses%d", i), "Busy"), s.id(fmt.Sprintf("ses%d-c", i))
			failed, attempts := s.logs.failures(functions.EmailNotification), plan.Attempts("SESv2", "SendEmail")
			tc.fault.Service, tc.fault.Operation = "SESv2", "SendEmail"
			plan.Add(tc.fault)
			defer plan.Lift()
			s.ok(s.dial(agent, call))
			s.settle()
			if n := s.emails(call); n != 1 {
				t.Errorf("%d emails, want 1", n)
			}
			if got := s.logs.failures(functions.EmailNotification) - failed; got != tc.busRetries {
				t.Errorf("%d failed deliveries to the notification, want %d", got, tc.busRetries)
			}
			if got := plan.Attempts("SESv2", "SendEmail") - attempts; got != tc.fault.Times+1 {
				t.Errorf("%d SendEmail attempts, want %d", got, tc.fault.Times+1)
			}
			s.ok(s.end(call))
			s.final(agent, "Busy", call)
		})
	}

	t.Run("5xx persistent: dead letter, then replay", func(t *testing.T) {
		s := sys.with(t)
		agent, call := s.agent("ses-dead", "Busy"), s.id("ses-dead-c")
		attempts := plan.Attempts("SESv2", "SendEmail")
		plan.Add(faults.Fault{Service: "SESv2", Operation: "SendEmail", Kind: faults.ServerError})
		defer plan.Lift()
		s.ok(s.dial(agent, call))
		s.settle()
		dls := s.deadLetters(functions.EmailNotification)
		if len(dls) != 1 || dls[0].Attempts != 3 {
			t.Fatalf("dead letters %s: want one after 3 attempts", describe(dls))
		}
		if got := plan.Attempts("SESv2", "SendEmail") - attempts; got != 3*whole {
			t.Errorf("%d SendEmail attempts, want %d (3 deliveries × %d SDK attempts)", got, 3*whole, whole)
		}
		if n := s.emails(call); n != 0 {
			t.Fatalf("%d emails while SES fails", n)
		}
		var ev envelope
		if err := json.Unmarshal(dls[0].Event, &ev); err != nil {
			t.Fatal(err)
		}
		_ = json.Unmarshal(ev.Detail, &ev.detail)
		if ev.DetailType != events.CallbackLeaseAllocated || ev.detail["callId"] != call || ev.detail["callbackNumber"] == nil {
			t.Fatalf("dead letter event %s %v: want the whole Callback Lease Allocated", ev.DetailType, ev.detail)
		}
		plan.Lift()
		s.republish(ev)
		s.settle()
		s.republish(ev) // replayed twice by mistake: still one email
		s.settle()
		if n := s.emails(call); n != 1 {
			t.Errorf("%d emails after the replay, want 1", n)
		}
		s.ok(s.end(call))
		s.expectDead(1)
		s.final(agent, "Busy", call)
	})
}

// ---------------------------------------------------------------------------
// EventBridge

// fakeEventBridge speaks PutEvents (AWS JSON 1.1) and hands every entry it
// accepts to a bus, as EventBridge hands events to its rules' targets.
type fakeEventBridge struct {
	bus *localbus.Bus

	mu    sync.Mutex
	calls [][]string // detail-types of the entries of each PutEvents
}

func (f *fakeEventBridge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if got := r.Header.Get("X-Amz-Target"); got != "AWSEvents.PutEvents" {
		http.Error(w, "unexpected target "+got, http.StatusBadRequest)
		return
	}
	var req struct {
		Entries []struct{ Source, DetailType, Detail, EventBusName string }
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	type result struct{ EventId string }
	resp := struct {
		FailedEntryCount int
		Entries          []result
	}{}
	var types []string
	for i, e := range req.Entries {
		types = append(types, e.DetailType)
		if err := f.bus.Publish(r.Context(), events.Event{DetailType: e.DetailType, Detail: json.RawMessage(e.Detail)}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		resp.Entries = append(resp.Entries, result{EventId: fmt.Sprintf("ev-%d", i)})
	}
	f.mu.Lock()
	f.calls = append(f.calls, types)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(resp)
}

func (f *fakeEventBridge) Calls() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]string(nil), f.calls...)
}

// newEventBridgeSystem wires the domain service as the Lambda functions do
// over AWS — events through the EventBridge publisher — with a fake
// EventBridge that delivers to an in-process bus, the embedded store and the
// outbox; the webhooks are served by httpapi.
func newEventBridgeSystem(t *testing.T, plan *faults.Plan) (*system, *ebpublisher.Publisher, *fakeEventBridge) {
	t.Helper()
	logs := newLogHook()
	log := slog.New(logs)
	fake := &fakeEventBridge{}
	eb := httptest.NewServer(fake)
	t.Cleanup(eb.Close)
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(eb.URL),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts, o.MaxBackoff, o.RateLimiter = 4, 5*time.Millisecond, ratelimit.None
			})
		}}
	cfg.APIOptions = append(cfg.APIOptions, faults.Middleware(plan))
	pub := ebpublisher.New(eventbridge.NewFromConfig(cfg), "mayday-bus")
	outbox := inmem.NewOutbox(mayday.SystemClock{})
	domain := settings.Defaults()
	domain.Fallback = "+14255559999"
	store := inmem.NewStore()
	uc, err := mayday.NewUseCases(store, pub, outbox, mayday.Options{Config: domain, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	// The outbox publisher, over the same faulty EventBridge client.
	relay, err := mayday.NewOutboxPublisher(pub, log)
	if err != nil {
		t.Fatal(err)
	}
	relayCtx, stopRelay := context.WithCancel(context.Background())
	relayDone := make(chan struct{})
	go func() { defer close(relayDone); local.RelayEmbedded(relayCtx, store, relay, log) }()
	t.Cleanup(func() { stopRelay(); <-relayDone })
	targets := map[string]lambda.Handler{}
	for name, fn := range local.Targets(uc, log) {
		targets[name] = lambda.NewHandler(fn)
	}
	bus, err := localbus.New(events.RulesTo(func(t string) bool { return targets[t] != nil }, ""), targets, localbus.Options{MaxAttempts: 3, Backoff: 5 * time.Millisecond, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	fake.bus = bus
	secret := []byte("resilience-secret")
	a := httpapi.ForUseCases(uc)
	a.Secrets, a.Log = webhooksecret.Static(string(secret)), log
	h, err := a.Handler()
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(h)
	t.Cleanup(func() {
		plan.Lift()
		api.Close()
		bus.Close()
	})
	t.Cleanup(func() {
		if t.Failed() {
			logs.dump(t)
		}
	})
	texts := func() []string {
		var out []string
		for _, e := range outbox.Emails() {
			out = append(out, e.Text)
		}
		return out
	}
	drain := func() {
		for deadline := time.Now().Add(10 * time.Second); len(store.PendingEvents()) > 0 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	}
	return &system{t: t, c: harness.NewClient(t, api.URL, secret), bus: bus, emailTexts: texts, plan: plan, logs: logs, drain: drain,
		prefix: harness.Unique(), sdkAttempts: 4}, pub, fake
}

// TestEventBridgePublisherFaults: failed entries are sent again alone;
// throttling is retried by the SDK; entries that keep failing are an
// ErrUnavailable error.
func TestEventBridgePublisherFaults(t *testing.T) {
	t.Parallel()
	three := []events.Event{
		{DetailType: events.EmergencyCallbackRouted, Detail: events.CallbackRoutedDetail{CallID: "x-1", Route: "fallback"}},
		{DetailType: events.CallbackLeaseExpired, Detail: events.LeaseExpiredDetail{CallbackNumber: "+14255550001"}},
		{DetailType: events.EmergencyDialUnsupported, Detail: events.DialUnsupportedDetail{CallID: "x-2"}},
	}
	tests := []struct {
		name     string
		fault    faults.Fault
		wantErr  error
		calls    string // detail-types EventBridge received, per PutEvents
		attempts int    // PutEvents attempts the plan saw
	}{
		{name: "first entry failed once: resent alone",
			fault: faults.Fault{Kind: faults.FailedEntries, Entries: 1, Times: 1},
			calls: "[[Callback Lease Expired Emergency Dial Unsupported] [Emergency Callback Routed]]", attempts: 2},
		{name: "every entry failed twice: resent, then accepted",
			fault: faults.Fault{Kind: faults.FailedEntries, Times: 2},
			calls: "[[Emergency Callback Routed Callback Lease Expired Emergency Dial Unsupported]]", attempts: 3},
		{name: "throttled twice: retried by the SDK",
			fault: faults.Fault{Kind: faults.Throttle, Times: 2},
			calls: "[[Emergency Callback Routed Callback Lease Expired Emergency Dial Unsupported]]", attempts: 3},
		{name: "entries failing persistently",
			fault:   faults.Fault{Kind: faults.FailedEntries, Entries: 2},
			wantErr: mayday.ErrUnavailable, calls: "[[Emergency Dial Unsupported]]", attempts: 3},
		{name: "HTTP 500 persistent",
			fault:   faults.Fault{Kind: faults.ServerError},
			wantErr: errAny, calls: "[]", attempts: 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fault.Service, tc.fault.Operation = "EventBridge", "PutEvents"
			plan := faults.NewPlan(tc.fault)
			s, pub, fake := newEventBridgeSystem(t, plan)
			err := pub.Publish(context.Background(), three...)
			switch {
			case tc.wantErr == nil && err != nil, tc.wantErr != nil && err == nil,
				tc.wantErr != nil && tc.wantErr != errAny && !errors.Is(err, tc.wantErr):
				t.Fatalf("Publish: %v, want %v", err, tc.wantErr)
			}
			s.settle()
			// A request whose every entry failed never reaches EventBridge.
			if got := fmt.Sprint(fake.Calls()); got != tc.calls {
				t.Errorf("EventBridge received %s, want %s", got, tc.calls)
			}
			if got := plan.Attempts("EventBridge", "PutEvents"); got != tc.attempts {
				t.Errorf("%d PutEvents attempts, want %d", got, tc.attempts)
			}
		})
	}
}

var errAny = errors.New("any error")

// TestEventBridgeOutageOnDialWebhook: while "Emergency Call Started" cannot
// be published the dial still answers at once with its lease: the event is
// recorded with the dial's write (the outbox) and published once EventBridge
// is back, with no webhook retried — exactly one lease and one email, and
// duplicates of the dial change nothing.
func TestEventBridgeOutageOnDialWebhook(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault faults.Fault
	}{
		{"failed entries persistent", faults.Fault{Kind: faults.FailedEntries}},
		{"HTTP 500 persistent", faults.Fault{Kind: faults.ServerError}},
		{"throttling persistent", faults.Fault{Kind: faults.Throttle}},
		{"hung endpoint", faults.Fault{Kind: faults.Hang}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan := faults.NewPlan()
			s, _, _ := newEventBridgeSystem(t, plan)
			s.addNumbers(3)
			agent, call := s.agent("eb", "Busy"), s.id("eb-c")
			tc.fault.Service, tc.fault.Operation = "EventBridge", "PutEvents"
			plan.Add(tc.fault)

			code, out, took := s.dial(agent, call)
			if code != http.StatusOK || out["callerIdSource"] != "lease" {
				t.Fatalf("dial while EventBridge fails: %d %v; want it answered with its lease", code, out)
			}
			if took > webhookBudget+slack {
				t.Errorf("dial webhook took %v, over its %v budget", took, webhookBudget)
			}
			time.Sleep(50 * time.Millisecond) // the publisher tries, and fails
			s.bus.Wait()                      // nothing to drain: the outbox waits for EventBridge
			if n := s.emails(call); n != 0 {
				t.Fatalf("%d emails before the event could be published", n)
			}
			attempts := plan.Attempts("EventBridge", "PutEvents")
			plan.Lift()
			if !eventually(t, "the email", 5*time.Second, func() bool { s.settle(); return s.emails(call) == 1 }) {
				t.Fatalf("%d emails after recovery, want 1", s.emails(call))
			}
			for range 3 { // duplicates of the dial
				code, again, _ := s.dial(agent, call)
				if code != http.StatusOK || again["callerId"] != out["callerId"] {
					t.Fatalf("duplicate dial: %d %v, first %v", code, again, out)
				}
			}
			s.settle()
			if held := s.held(agent); len(held) != 1 || s.emails(call) != 1 || held[0] != out["callerId"] {
				t.Fatalf("after recovery: numbers %v, %d emails, presented %v; want the one number presented, 1 email",
					held, s.emails(call), out["callerId"])
			}
			t.Logf("%s: answered in %v; %d PutEvents attempts during the outage; one lease, one email after it",
				tc.name, took.Round(time.Millisecond), attempts)
			s.ok(s.end(call))
			s.final(agent, "Busy", call)
		})
	}
}
