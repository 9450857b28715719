// Package presencetest is the contract every presence platform adapter
// (mayday.PresencePlatform) meets, run through the presence-push use case
// over the embedded store, against a local fake of the platform's HTTP API:
// the TaskRouter fake (TaskRouter) for package taskrouter, the receiver fake
// (Receiver) for package presencewebhook, the Amazon Connect fake (Connect)
// for package agentstatus. A fake is an httptest server that
// answers as the platform does, checks what the platform checks (auth,
// signature, encoding) and records what it was asked to do, so the suite
// asserts on what reached the platform.
package presencetest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
)

// Fake is a local fake of a presence platform's API.
type Fake interface {
	// AddAgent makes the agent known to the platform, on status.
	AddAgent(agentID, status string)
	// Status is the agent's status in the platform now.
	Status(agentID string) string
	// DoNotDisturbStatus is the platform's Do Not Disturb status.
	DoNotDisturbStatus() string
	// Statuses are at least two other statuses of the platform.
	Statuses() []string
	// Moves lists the statuses the platform was asked to set for the
	// agent and set, in order.
	Moves(agentID string) []string
	// FailNext makes the next n requests fail as an outage would.
	FailNext(n int)
}

// Subject is an adapter and the fake it talks to.
type Subject struct {
	Platform mayday.PresencePlatform
	Fake     Fake
}

// Run runs the contract; newSubject builds a fresh adapter and fake for
// each test.
func Run(t *testing.T, newSubject func(t *testing.T) Subject) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, e *env)
	}{
		{"DoNotDisturbThenRestore", testDoNotDisturbThenRestore},
		{"RepeatedStart", testRepeatedStart},
		{"RepeatedEnd", testRepeatedEnd},
		{"EndBeforeStart", testEndBeforeStart},
		{"LastConversationRestores", testLastConversationRestores},
		{"CallbackAlone", testCallbackAlone},
		{"AlreadyOnDoNotDisturb", testAlreadyOnDoNotDisturb},
		{"OutageThenRetry", testOutageThenRetry},
		{"UnknownAgent", testUnknownAgent},
		{"WatchdogRestores", testWatchdogRestores},
		{"ConcurrentConversations", testConcurrentConversations},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSubject(t)
			store := inmem.NewStore()
			uc, err := mayday.NewPresencePush(store, s.Platform, mayday.Options{Config: settings.Defaults(),
				Clock: fixedClock{at}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			tc.run(t, &env{Subject: s, store: store, uc: uc, dnd: s.Fake.DoNotDisturbStatus(), was: s.Fake.Statuses()[0]})
		})
	}
}

var at = time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)

const agent = "a-1"

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

type env struct {
	Subject
	store mayday.Store
	uc    *mayday.PresencePush
	dnd   string // the platform's Do Not Disturb
	was   string // the status the agent had
}

// The events presence push takes, as the chain publishes them.
func (e *env) start(callID string) error {
	return e.uc.Started(context.Background(), events.EmergencyCallStartedDetail{CallID: callID, AgentID: agent,
		DialedNumber: "911", EmergencyNumber: "911", Country: "US", StartedAt: at, CallerIDSource: mayday.CallerDefault})
}

func (e *env) callback(callID string) error {
	return e.uc.CallbackRouted(context.Background(), events.CallbackRoutedDetail{CallID: callID,
		CallbackNumber: "+14255550001", Route: mayday.RouteAgent, AgentID: agent, RoutedAt: at.Add(time.Minute)})
}

func (e *env) end(callID string) error {
	return e.uc.Ended(context.Background(), events.CallEndedDetail{CallID: callID, AgentID: agent,
		Kind: string(mayday.KindOutbound), EndedAt: at.Add(5 * time.Minute)})
}

func (e *env) must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// expect checks the agent's status in the platform, the moves the platform
// made, and what Mayday remembers.
func (e *env) expect(t *testing.T, step, status string, moves []string, held mayday.PlatformPresence) {
	t.Helper()
	if got := e.Fake.Status(agent); got != status {
		t.Errorf("after %s: platform status %q, want %q", step, got, status)
	}
	if got := e.Fake.Moves(agent); !slices.Equal(got, moves) {
		t.Errorf("after %s: platform moves %q, want %q", step, got, moves)
	}
	a, err := e.store.GetAgent(context.Background(), agent)
	if err != nil && !errors.Is(err, mayday.ErrNotFound) {
		t.Fatal(err)
	}
	if a.Platform != held {
		t.Errorf("after %s: Mayday remembers %+v, want %+v", step, a.Platform, held)
	}
}

func testDoNotDisturbThenRestore(t *testing.T, e *env) {
	e.Fake.AddAgent(agent, e.was)
	e.must(t, "start", e.start("c-1"))
	e.expect(t, "start", e.dnd, []string{e.dnd}, mayday.PlatformPresence{DoNotDisturb: true, Previous: e.was})
	e.must(t, "end", e.end("c-1"))
	e.expect(t, "end", e.was, []string{e.dnd, e.was}, mayday.PlatformPresence{})
}

// A repeated start changes nothing: no second move, and the status to
// restore is still the one the agent had, not Do Not Disturb.
func testRepeatedStart(t *testing.T, e *env) {
	e.Fake.AddAgent(agent, e.was)
	for range 3 {
		e.must(t, "start", e.start("c-1"))
	}
	e.expect(t, "repeated starts", e.dnd, []string{e.dnd}, mayday.PlatformPresence{DoNotDisturb: true, Previous: e.was})
	e.must(t, "end", e.end("c-1"))
	e.expect(t, "end", e.was, []string{e.dnd, e.was}, mayday.PlatformPresence{})
}

func testRepeatedEnd(t *testing.T, e *env) {
	e.Fake.AddAgent(agent, e.was)
	e.must(t, "start", e.start("c-1"))
	for range 3 {
		e.must(t, "end", e.end("c-1"))
	}
	e.expect(t, "repeated ends", e.was, []string{e.dnd, e.was}, mayday.PlatformPresence{})
	// A start delivered after its end changes nothing either.
	e.must(t, "late start", e.start("c-1"))
	e.expect(t, "late start", e.was, []string{e.dnd, e.was}, mayday.PlatformPresence{})
}

// An end handled before its start leaves the agent as they were: never on
// Do Not Disturb with nothing left to restore it.
func testEndBeforeStart(t *testing.T, e *env) {
	e.Fake.AddAgent(agent, e.was)
	e.must(t, "end", e.end("c-1"))
	e.must(t, "start", e.start("c-1"))
	e.expect(t, "end then start", e.was, nil, mayday.PlatformPresence{})
}

// A callback is an emergency conversation too: the agent returns to their
// status only when the last conversation ends — except on a platform that
// routes callbacks, where a callback does not hold the agent on Do Not
// Disturb, so the dial's end restores.
func testLastConversationRestores(t *testing.T, e *env) {
	e.Fake.AddAgent(agent, e.was)
	e.must(t, "start", e.start("c-1"))
	e.must(t, "callback", e.callback("c-2"))
	e.must(t, "end of the dial", e.end("c-1"))
	if e.routes() {
		e.expect(t, "end of the dial", e.was, []string{e.dnd, e.was}, mayday.PlatformPresence{})
	} else {
		e.expect(t, "end of the first", e.dnd, []string{e.dnd}, mayday.PlatformPresence{DoNotDisturb: true, Previous: e.was})
	}
	e.must(t, "end of the callback", e.end("c-2"))
	e.expect(t, "end of the last", e.was, []string{e.dnd, e.was}, mayday.PlatformPresence{})
	// A callback to the fallback destination concerns no agent.
	e.must(t, "fallback", e.uc.CallbackRouted(context.Background(), events.CallbackRoutedDetail{CallID: "c-3",
		CallbackNumber: "+14255550001", Route: mayday.RouteFallback, Target: "security-desk", RoutedAt: at}))
	e.expect(t, "fallback callback", e.was, []string{e.dnd, e.was}, mayday.PlatformPresence{})
}

// A callback alone holds the agent on Do Not Disturb until it ends; on a
// platform that routes callbacks (which needs the agent routable for it) it
// moves nothing.
func testCallbackAlone(t *testing.T, e *env) {
	e.Fake.AddAgent(agent, e.was)
	e.must(t, "callback", e.callback("c-1"))
	moves := []string{e.dnd, e.was}
	if e.routes() {
		moves = nil
		e.expect(t, "callback", e.was, nil, mayday.PlatformPresence{})
	} else {
		e.expect(t, "callback", e.dnd, []string{e.dnd}, mayday.PlatformPresence{DoNotDisturb: true, Previous: e.was})
	}
	e.must(t, "end", e.end("c-1"))
	e.expect(t, "end", e.was, moves, mayday.PlatformPresence{})
}

// routes reports whether the platform routes callbacks itself.
func (e *env) routes() bool {
	r, ok := e.Platform.(mayday.CallbackRouter)
	return ok && r.RoutesCallbacks()
}

// An agent already on Do Not Disturb stays there: the platform reports no
// other status, and nothing is restored.
func testAlreadyOnDoNotDisturb(t *testing.T, e *env) {
	e.Fake.AddAgent(agent, e.dnd)
	e.must(t, "start", e.start("c-1"))
	e.expect(t, "start", e.dnd, nil, mayday.PlatformPresence{DoNotDisturb: true})
	e.must(t, "end", e.end("c-1"))
	e.expect(t, "end", e.dnd, nil, mayday.PlatformPresence{})
}

// An outage returns an error (the event is retried); the retry completes
// what the first attempt could not.
func testOutageThenRetry(t *testing.T, e *env) {
	e.Fake.AddAgent(agent, e.was)
	e.Fake.FailNext(1)
	if err := e.start("c-1"); err == nil {
		t.Fatal("start during an outage: no error, so no retry")
	}
	e.expect(t, "failed start", e.was, nil, mayday.PlatformPresence{})
	e.must(t, "retried start", e.start("c-1"))
	e.expect(t, "retried start", e.dnd, []string{e.dnd}, mayday.PlatformPresence{DoNotDisturb: true, Previous: e.was})
	e.Fake.FailNext(1)
	if err := e.end("c-1"); err == nil {
		t.Fatal("end during an outage: no error, so no retry")
	}
	e.expect(t, "failed end", e.dnd, []string{e.dnd}, mayday.PlatformPresence{DoNotDisturb: true, Previous: e.was})
	e.must(t, "retried end", e.end("c-1"))
	e.expect(t, "retried end", e.was, []string{e.dnd, e.was}, mayday.PlatformPresence{})
}

// An agent the platform does not know is an error naming it (ErrNotFound),
// for the failure destination, never a silent success.
func testUnknownAgent(t *testing.T, e *env) {
	err := e.start("c-1")
	if !errors.Is(err, mayday.ErrNotFound) {
		t.Fatalf("start for an agent the platform does not know: %v, want ErrNotFound", err)
	}
	e.expect(t, "unknown agent", "", nil, mayday.PlatformPresence{})
}

// The watchdog's restore (end events lost) restores the platform too.
func testWatchdogRestores(t *testing.T, e *env) {
	e.Fake.AddAgent(agent, e.was)
	e.must(t, "start", e.start("c-1"))
	ctx := context.Background()
	_, err := e.store.UpdateAgent(ctx, agent, func(a *mayday.Agent) error { a.EndAllEmergencies(); return nil })
	e.must(t, "watchdog", err)
	e.must(t, "watchdog restored", e.uc.WatchdogRestored(ctx, events.WatchdogRestoredDetail{AgentID: agent,
		CallIDs: []string{"c-1"}, Presence: string(mayday.Available), At: at.Add(4 * time.Hour)}))
	e.expect(t, "watchdog", e.was, []string{e.dnd, e.was}, mayday.PlatformPresence{})
}

// Conversations starting together (a dial and a callback, each delivered
// twice) move the agent once and remember the status they had.
func testConcurrentConversations(t *testing.T, e *env) {
	e.Fake.AddAgent(agent, e.was)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for _, f := range []func() error{func() error { return e.start("c-1") }, func() error { return e.callback("c-2") },
		func() error { return e.start("c-1") }, func() error { return e.callback("c-2") }} {
		wg.Go(func() { errs <- f() })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		e.must(t, "concurrent start", err)
	}
	if got := e.Fake.Status(agent); got != e.dnd {
		t.Fatalf("after concurrent starts: %q, want %q", got, e.dnd)
	}
	a, err := e.store.GetAgent(context.Background(), agent)
	e.must(t, "read", err)
	if a.Platform != (mayday.PlatformPresence{DoNotDisturb: true, Previous: e.was}) {
		t.Errorf("after concurrent starts Mayday remembers %+v, want %q to restore", a.Platform, e.was)
	}
	e.must(t, "end", e.end("c-1"))
	e.must(t, "end", e.end("c-2"))
	if got := e.Fake.Status(agent); got != e.was {
		t.Errorf("after both ends: %q, want %q", got, e.was)
	}
}
