package resilience_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/middleware"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/local"
	"github.com/mayday/mayday/shared/localbus"
	"github.com/mayday/mayday/shared/settings"
	"github.com/mayday/mayday/shared/testkit/faults"
	"github.com/mayday/mayday/shared/testkit/harness"
)

// Bounds the dial webhook promises (mayday.DefaultConfig), and the slack
// allowed over them for scheduling and loopback HTTP on a busy machine.
var (
	stateTimeout  = settings.Defaults().StateTimeout
	webhookBudget = settings.Defaults().WebhookBudget
)

const slack = time.Second // generous: CI runs packages in parallel on 2 cores

// withFaults is the production AWS configuration (awsclients.Load: the
// standard retryer) with the backoff cut to a few milliseconds so that
// retries do not slow the tests, and the fault plan installed. It reports
// the retryer's attempts per call.
func withFaults(plan *faults.Plan, sdkAttempts *int) func(*aws.Config) {
	return func(cfg *aws.Config) {
		prod := cfg.Retryer
		*sdkAttempts = prod().MaxAttempts()
		cfg.Retryer = func() aws.Retryer { return retry.AddWithMaxBackoffDelay(prod(), 5*time.Millisecond) }
		cfg.APIOptions = append(append([]func(*middleware.Stack) error(nil), cfg.APIOptions...), faults.Middleware(plan))
	}
}

// logHook keeps every log record (printed when the test fails) and lets a
// test react to one as it is logged.
type logHook struct {
	*hookState
	attrs []slog.Attr
}

type hookState struct {
	mu      sync.Mutex
	records []string
	failed  map[string]int // "delivery failed" per bus target
	on      func(msg string, attrs map[string]string)
}

func newLogHook() *logHook { return &logHook{hookState: &hookState{}} }

func (h *logHook) Enabled(context.Context, slog.Level) bool { return true }
func (h *logHook) WithGroup(string) slog.Handler            { return h }
func (h *logHook) WithAttrs(as []slog.Attr) slog.Handler {
	return &logHook{hookState: h.hookState, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h *logHook) Handle(_ context.Context, r slog.Record) error {
	attrs := map[string]string{}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %q", r.Time.Format("15:04:05.000"), r.Level, r.Message)
	add := func(a slog.Attr) bool {
		attrs[a.Key] = a.Value.String()
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	h.mu.Lock()
	h.records = append(h.records, b.String())
	if r.Message == "delivery failed" {
		if h.failed == nil {
			h.failed = map[string]int{}
		}
		h.failed[attrs["target"]]++
	}
	on := h.on
	h.mu.Unlock()
	if on != nil {
		on(r.Message, attrs)
	}
	return nil
}

func (h *logHook) setOn(fn func(msg string, attrs map[string]string)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.on = fn
}

// failures counts the failed bus deliveries to a target ("" for all).
func (h *logHook) failures(target string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if target == "" {
		n := 0
		for _, v := range h.failed {
			n += v
		}
		return n
	}
	return h.failed[target]
}

func (h *logHook) dump(t *testing.T) {
	h.mu.Lock()
	defer h.mu.Unlock()
	const keep = 200
	recs := h.records
	if len(recs) > keep {
		recs = recs[len(recs)-keep:]
	}
	t.Logf("last %d log records:\n%s", len(recs), strings.Join(recs, "\n"))
}

// setup says what a local system runs on.
type setup struct {
	dynamo bool         // DynamoDB store on DynamoDB Local (else embedded)
	ses    bool         // SES mailer on aws-ses-v2-local (else the outbox)
	plan   *faults.Plan // faults for the AWS clients
	// busTimeout bounds each bus delivery (local.Config.BusTimeout).
	busTimeout time.Duration
	// Bus retry policy; default 3 attempts, 5ms backoff.
	busAttempts int
	busBackoff  time.Duration
}

func (s setup) String() string {
	store, mail := "embedded", "outbox"
	if s.dynamo {
		store = "dynamodb"
	}
	if s.ses {
		mail = "ses"
	}
	return store + "+" + mail
}

// system is a running local runner (harness) and what a test needs to
// drive it through the HTTP contract and look inside.
type system struct {
	t           *testing.T
	h           *harness.System // nil for a system not on the local runner
	c           *harness.Client
	bus         *localbus.Bus
	emailTexts  func() []string
	plan        *faults.Plan
	logs        *logHook
	prefix      string // makes ids unique across tests sharing an emulator
	sdkAttempts int    // the SDK retryer's attempts per call
	numbers     int
	dead        *int // dead letters the test expects
	noLease     bool // final expects no number held
	// drain waits for the outbox relay, for a system not on the local
	// runner.
	drain func()
}

func newSystem(t *testing.T, s setup) *system {
	t.Helper()
	logs := newLogHook()
	sys := &system{t: t, plan: s.plan, logs: logs, prefix: harness.Unique()}
	h := harness.Start(t, harness.Options{DynamoDB: s.dynamo, SES: s.ses, AWS: withFaults(s.plan, &sys.sdkAttempts),
		Log: slog.New(logs), Config: func(c *local.Config) {
			c.Lease = time.Hour
			c.BusAttempts, c.BusBackoff = cmp.Or(s.busAttempts, 3), cmp.Or(s.busBackoff, 5*time.Millisecond)
			c.BusTimeout = s.busTimeout
		}})
	sys.h, sys.bus, sys.c = h, h.Main.Bus, h.Client(t)
	sys.emailTexts = func() []string {
		var out []string
		for _, e := range h.Emails(t) {
			out = append(out, e["text"].(string))
		}
		return out
	}
	// Registered after Start's: runs first, so nothing stays hung while
	// the runner drains.
	t.Cleanup(func() { s.plan.Lift() })
	t.Cleanup(func() {
		if t.Failed() {
			logs.dump(t)
		}
	})
	return sys
}

func (s *system) id(name string) string { return s.prefix + "-" + name }

// with is the system as seen by a subtest.
func (s *system) with(t *testing.T) *system {
	c := *s
	c.t, c.c = t, s.c.With(t)
	return &c
}

// request sends a request: signed (a webhook) or not (an admin route,
// loopback-only).
func (s *system) request(method, path string, body any, signed bool) (int, map[string]any, time.Duration) {
	s.t.Helper()
	return s.c.Do(method, path, body, signed)
}

func (s *system) admin(method, path string, body any) map[string]any {
	s.t.Helper()
	return s.c.OK(method, path, body, false)
}

// agent creates an agent with the presence and one emergency contact.
func (s *system) agent(name, presence string) string {
	s.t.Helper()
	id := s.id(name)
	s.admin("PUT", "/v1/agents/"+id, map[string]any{"name": "Agent " + name, "email": name + "@example.com",
		"presence": presence, "country": "US", "emergencyContacts": "contact-" + id + "@example.com",
		"mailboxEnabled": true, "outboundVoiceProfile": true})
	return id
}

// addNumbers adds n numbers to the US callback pool.
func (s *system) addNumbers(n int) {
	s.t.Helper()
	for range n {
		s.numbers++
		s.admin("POST", "/v1/callback-numbers", map[string]string{"number": fmt.Sprintf("+1425555%04d", s.numbers), "country": "US"})
	}
}

func (s *system) dial(agent, call string) (int, map[string]any, time.Duration) {
	s.t.Helper()
	return s.request("POST", "/v1/telephony/events", map[string]string{"type": "call.dialed", "callId": call,
		"agentId": agent, "from": "+14255550100", "to": "9-911", "country": "US", "location": "Building 4, floor 2",
		"occurredAt": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)}, true)
}

func (s *system) end(call string) (int, map[string]any, time.Duration) {
	s.t.Helper()
	return s.request("POST", "/v1/telephony/events", map[string]string{"type": "call.ended", "callId": call,
		"occurredAt": time.Now().UTC().Format(time.RFC3339)}, true)
}

func (s *system) inbound(call, to string) (int, map[string]any, time.Duration) {
	s.t.Helper()
	return s.request("POST", "/v1/telephony/inbound", map[string]string{"callId": call, "from": "+14255550199", "to": to}, true)
}

// ok fails the test unless a webhook answered 200.
func (s *system) ok(code int, out map[string]any, _ time.Duration) map[string]any {
	s.t.Helper()
	if code != http.StatusOK {
		s.t.Fatalf("webhook: %d %v", code, out)
	}
	return out
}

// times sends the same webhook n times at once, as a telephony platform
// retrying over several connections would, and checks every answer is 200
// and the same.
func (s *system) times(n int, send func() (int, map[string]any, time.Duration)) map[string]any {
	s.t.Helper()
	type answer struct {
		code int
		out  map[string]any
	}
	answers := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			code, out, _ := send()
			answers[i] = answer{code, out}
		})
	}
	wg.Wait()
	for _, a := range answers {
		if a.code != http.StatusOK || fmt.Sprint(a.out) != fmt.Sprint(answers[0].out) {
			s.t.Fatalf("answers to one webhook sent %d times: %v", n, answers)
		}
	}
	return answers[0].out
}

func (s *system) state(agent string) map[string]any {
	s.t.Helper()
	return s.admin("GET", "/v1/agents/"+agent+"/state", nil)
}

// held lists the numbers whose live lease names the agent.
func (s *system) held(agent string) []string {
	s.t.Helper()
	var out []string
	for _, n := range s.admin("GET", "/v1/callback-numbers", nil)["numbers"].([]any) {
		n := n.(map[string]any)
		if l, ok := n["lease"].(map[string]any); ok && l["agentId"] == agent {
			out = append(out, n["number"].(string))
		}
	}
	return out
}

// emails counts the emails sent about a call: the template's text part
// names it ("Call reference: <callId>").
func (s *system) emails(call string) int {
	s.t.Helper()
	n := 0
	for _, text := range s.emailTexts() {
		if strings.Contains(text, "Call reference: "+call+"\n") {
			n++
		}
	}
	return n
}

// envelope is a bus event with its detail decoded loosely.
type envelope struct {
	DetailType string          `json:"detail-type"`
	Detail     json.RawMessage `json:"detail"`
	detail     map[string]any
}

// events lists the events published about a call, oldest first.
func (s *system) events(detailType, call string) []envelope {
	s.t.Helper()
	return busEvents(s.t, s.bus, detailType, call)
}

func busEvents(t *testing.T, bus *localbus.Bus, detailType, call string) []envelope {
	t.Helper()
	var out []envelope
	all := bus.Events()
	for i := len(all) - 1; i >= 0; i-- {
		var e envelope
		if err := json.Unmarshal(all[i], &e); err != nil {
			t.Fatal(err)
		}
		_ = json.Unmarshal(e.Detail, &e.detail)
		if e.DetailType == detailType && (call == "" || e.detail["callId"] == call) {
			out = append(out, e)
		}
	}
	return out
}

// republish puts an event on the bus again, as an at-least-once delivery
// (or an operator replaying a dead letter) would.
func (s *system) republish(e envelope) {
	s.t.Helper()
	if err := s.bus.Publish(context.Background(), events.Event{DetailType: e.DetailType, Detail: e.Detail}); err != nil {
		s.t.Fatal(err)
	}
}

// deadLetters lists the bus's dead letters for a target ("" for all).
func (s *system) deadLetters(target string) []localbus.DeadLetter {
	var out []localbus.DeadLetter
	for _, d := range s.bus.DeadLetters() {
		if target == "" || d.Target == target {
			out = append(out, d)
		}
	}
	return out
}

// describe lists dead letters briefly: target, event, error.
func describe(dls []localbus.DeadLetter) string {
	var out []string
	for _, d := range dls {
		var e envelope
		_ = json.Unmarshal(d.Event, &e)
		_ = json.Unmarshal(e.Detail, &e.detail)
		out = append(out, fmt.Sprintf("%s ← %q call %v after %d attempts: %s", d.Target, e.DetailType, e.detail["callId"], d.Attempts, d.Error))
	}
	return "[" + strings.Join(out, "; ") + "]"
}

// expectNoLease says final should find no callback number held: the dial
// presented none.
func (s *system) expectNoLease() { s.noLease = true }

// expectDead says how many dead letters final should find.
func (s *system) expectDead(n int) { s.dead = &n }

// settle waits for every delivery in flight, retries included.
// settle waits until the outbox has published what was recorded and the
// bus has delivered it.
func (s *system) settle() {
	switch {
	case s.h != nil:
		s.h.Main.Settle()
	case s.drain != nil:
		for range 2 {
			s.drain()
			s.bus.Wait()
		}
	default:
		s.bus.Wait()
	}
}

func eventually(t *testing.T, what string, within time.Duration, cond func() bool) bool {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// final checks what every emergency call must end with: presence back to
// what it was, no emergency in progress, exactly one callback number held
// (none when the dial could present none),
// exactly one email per call, nothing about them dead-lettered.
func (s *system) final(agent, presence string, calls ...string) {
	s.t.Helper()
	s.settle()
	st := s.state(agent)
	if st["presence"] != presence || harness.Get(st, "emergency.active") != false {
		s.t.Errorf("agent %s: presence %v, emergency %v; want %s and no emergency", agent, st["presence"], st["emergency"], presence)
	}
	held := s.held(agent)
	switch {
	case s.noLease && len(held) > 0:
		s.t.Errorf("agent %s holds %v; the dial presented no lease, so none may be taken after the fact", agent, held)
	case !s.noLease && len(held) == 0:
		s.t.Errorf("agent %s holds no callback number, want 1", agent)
	}
	defer func() {
		if len(held) > 1 {
			s.t.Errorf("agent %s holds %d callback numbers %v, want 1 (an agent keeps one number): "+
				"duplicate deliveries of its Emergency Call Started raced", agent, len(held), held)
		}
	}()
	for _, c := range calls {
		if n := s.emails(c); n != 1 {
			s.t.Errorf("call %s: %d emails, want 1", c, n)
		}
	}
	var dead []localbus.DeadLetter
	for _, d := range s.deadLetters("") {
		var e envelope
		_ = json.Unmarshal(d.Event, &e)
		_ = json.Unmarshal(e.Detail, &e.detail)
		if slices.Contains(calls, fmt.Sprint(e.detail["callId"])) || e.detail["agentId"] == agent {
			dead = append(dead, d)
		}
	}
	if s.dead == nil && len(dead) > 0 || s.dead != nil && len(dead) != *s.dead {
		s.t.Errorf("dead letters: %s", describe(dead))
	}
}
