package mayday_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
	"github.com/mayday/mayday/shared/testkit/harness"
)

var t0 = time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)

// recorder keeps published events; the test delivers them by hand, in any
// order and any number of times.
type recorder struct {
	mu   sync.Mutex
	evs  []events.Event
	fail error
}

func (r *recorder) Publish(_ context.Context, evs ...events.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.evs = append(r.evs, evs...)
	return nil
}

// take returns and forgets the events of the given detail-type.
func (r *recorder) take(detailType string) []events.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out, rest []events.Event
	for _, e := range r.evs {
		if e.DetailType == detailType {
			out = append(out, e)
		} else {
			rest = append(rest, e)
		}
	}
	r.evs = rest
	return out
}

type flakyMailer struct {
	*inmem.Outbox
	failures int
}

func (m *flakyMailer) Send(ctx context.Context, e mayday.Email) error {
	if m.failures > 0 {
		m.failures--
		return errors.New("smtp down")
	}
	return m.Outbox.Send(ctx, e)
}

type fixture struct {
	t     *testing.T
	uc    mayday.UseCases
	opts  mayday.Options
	store *inmem.Store
	bus   *recorder
	mail  *flakyMailer
	clock *harness.ManualClock
}

// newFixture builds every use case over the embedded store, with agent
// a-1 (US, no site); configure changes the configuration first.
func newFixture(t *testing.T, configure ...func(*mayday.Config)) *fixture {
	t.Helper()
	c := harness.NewManualClock(t0)
	f := &fixture{t: t, store: inmem.NewStore(), bus: &recorder{}, clock: c, mail: &flakyMailer{Outbox: inmem.NewOutbox(c)}}
	cfg := settings.Defaults()
	cfg.Fallback = "+14255559999"
	for _, fn := range configure {
		fn(&cfg)
	}
	f.opts = mayday.Options{Config: cfg, Clock: c, Addresses: inmem.Geocoder{}}
	var err error
	if f.uc, err = mayday.NewUseCases(f.store, f.bus, f.mail, f.opts); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := f.uc.AdminAPI.PutAgent(ctx, "a-1", mayday.Profile{Name: "Ada", Email: "ada@example.com", Presence: mayday.Busy,
		Country: "US", EmergencyContacts: []string{"sup@example.com"}, BrowserLocation: true}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) addNumbers(country string, numbers ...string) {
	f.t.Helper()
	for _, n := range numbers {
		if _, _, err := f.uc.AdminAPI.AddNumber(context.Background(), n, country); err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *fixture) call(typ, callID, agentID, to string) mayday.CallOutcome {
	f.t.Helper()
	out, err := f.uc.DialDetection.HandleCall(context.Background(), mayday.CallEvent{Type: typ, CallID: callID, AgentID: agentID,
		To: to, Country: "US", From: "+14255550100", OccurredAt: f.clock.Now()})
	if err != nil {
		f.t.Fatalf("%s %s: %v", typ, callID, err)
	}
	return out
}

func (f *fixture) dial(callID string) mayday.CallOutcome {
	return f.call(mayday.CallEventDialed, callID, "a-1", "9-911")
}
func (f *fixture) end(callID string) mayday.CallOutcome {
	return f.call(mayday.CallEventEnded, callID, "", "")
}

// deliver runs every pending event of the type through its consumer.
func (f *fixture) deliver(detailType string) int {
	f.t.Helper()
	ctx := context.Background()
	evs := f.bus.take(detailType)
	for _, e := range evs {
		var err error
		switch d := e.Detail.(type) {
		case events.EmergencyCallStartedDetail:
			err = f.uc.CallbackLeaseAllocation.Allocate(ctx, d)
		case events.CallbackLeaseDetail:
			err = f.uc.EmailNotification.Notify(ctx, d)
		case events.CallEndedDetail:
			if e.DetailType == events.EmergencyCallEnded {
				err = f.uc.PresenceRestore.Restore(ctx, d)
			} else {
				err = f.uc.CallHistory.Record(ctx, d)
			}
		}
		if err != nil {
			f.t.Fatalf("deliver %s: %v", detailType, err)
		}
	}
	return len(evs)
}

func (f *fixture) presence(agentID string) mayday.Presence {
	f.t.Helper()
	a, err := f.uc.AdminAPI.GetAgent(context.Background(), agentID)
	if err != nil {
		f.t.Fatal(err)
	}
	return a.Presence
}

func (f *fixture) state(agentID string) mayday.DesktopState {
	f.t.Helper()
	st, err := f.uc.AdminAPI.State(context.Background(), agentID)
	if err != nil {
		f.t.Fatal(err)
	}
	return st
}

func TestEmergencyChain(t *testing.T) {
	f := newFixture(t)
	f.addNumbers("US", "+14255550001")
	if out := f.dial("c-1"); !out.Emergency {
		t.Fatalf("dial: %+v", out)
	}
	if p := f.presence("a-1"); p != mayday.DoNotDisturb {
		t.Fatalf("presence after dial = %s, want DoNotDisturb at once", p)
	}
	f.deliver(events.EmergencyCallStarted)
	if n := f.deliver(events.CallbackLeaseAllocated); n != 1 {
		t.Fatalf("%d lease-allocated events", n)
	}
	st := f.state("a-1")
	if !st.Emergency || st.CallID != "c-1" || st.Lease == nil || st.Lease.Number != "+14255550001" ||
		!st.Lease.Lease.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("state = %+v", st)
	}
	emails := f.mail.Emails()
	if len(emails) != 1 || !slices.Equal(emails[0].To, []string{"sup@example.com"}) {
		t.Fatalf("emails = %+v", emails)
	}
	f.end("c-1")
	f.deliver(events.EmergencyCallEnded)
	if p := f.presence("a-1"); p != mayday.Busy {
		t.Fatalf("presence after end = %s, want Busy restored", p)
	}
	if st := f.state("a-1"); st.Emergency || st.Lease == nil {
		t.Fatalf("after end: %+v; want no emergency, callback number still visible", st)
	}
	if acts, _ := f.uc.AdminAPI.History(context.Background(), "a-1"); len(acts) != 0 {
		t.Fatalf("history holds an emergency call: %+v", acts)
	}
}

func TestDuplicatesChangeNothing(t *testing.T) {
	f := newFixture(t)
	f.addNumbers("US", "+14255550001", "+14255550002")
	for range 5 {
		f.dial("c-1")
	}
	for range 2 {
		f.bus.mu.Lock()
		dup := slices.Clone(f.bus.evs)
		f.bus.evs = append(f.bus.evs, dup...) // EventBridge delivers at least once
		f.bus.mu.Unlock()
	}
	f.deliver(events.EmergencyCallStarted)
	f.deliver(events.CallbackLeaseAllocated)
	if n := len(f.mail.Emails()); n != 1 {
		t.Fatalf("%d emails for one call, want 1", n)
	}
	held, _ := f.store.LeasesHeldBy(context.Background(), "a-1")
	if len(held) != 1 {
		t.Fatalf("agent holds %d numbers, want 1", len(held))
	}
	for range 5 {
		f.end("c-1")
	}
	f.deliver(events.EmergencyCallEnded)
	if p := f.presence("a-1"); p != mayday.Busy {
		t.Fatalf("presence = %s, want Busy: a duplicate dial must not overwrite the remembered presence", p)
	}
}

func TestReordering(t *testing.T) {
	t.Run("end webhook before dial webhook", func(t *testing.T) {
		f := newFixture(t)
		f.addNumbers("US", "+14255550001")
		f.end("c-1")
		f.dial("c-1")
		if p := f.presence("a-1"); p != mayday.Busy {
			t.Fatalf("presence = %s, want Busy (the call is already over)", p)
		}
		f.deliver(events.EmergencyCallStarted)
		f.deliver(events.CallbackLeaseAllocated)
		if len(f.mail.Emails()) != 1 {
			t.Fatal("the emergency contacts must still be told")
		}
		if st := f.state("a-1"); st.Emergency || st.Lease == nil {
			t.Fatalf("state = %+v; want no emergency but a callback number", st)
		}
	})
	t.Run("end restored before the lease is allocated", func(t *testing.T) {
		f := newFixture(t)
		f.addNumbers("US", "+14255550001")
		f.dial("c-1")
		f.end("c-1")
		f.deliver(events.EmergencyCallEnded)
		f.deliver(events.EmergencyCallStarted)
		f.deliver(events.CallbackLeaseAllocated)
		if p := f.presence("a-1"); p != mayday.Busy {
			t.Fatalf("presence = %s, want Busy", p)
		}
	})
	t.Run("end delivered before the start's state is applied", func(t *testing.T) {
		f := newFixture(t)
		// The webhook could not record state (store down), so the started
		// event carries presenceApplied=false, and the end overtakes it.
		start := events.EmergencyCallStartedDetail{CallID: "c-1", AgentID: "a-1", DialedNumber: "911", Country: "US", StartedAt: t0}
		ctx := context.Background()
		if err := f.uc.PresenceRestore.Restore(ctx, events.CallEndedDetail{CallID: "c-1", AgentID: "a-1", Kind: "outbound"}); err != nil {
			t.Fatal(err)
		}
		if err := f.uc.CallbackLeaseAllocation.Allocate(ctx, start); err != nil {
			t.Fatal(err)
		}
		if p := f.presence("a-1"); p != mayday.Busy {
			t.Fatalf("presence = %s, want Busy: never stuck in DoNotDisturb", p)
		}
	})
}

// failingStore fails agent and call writes, as a store that is down would.
type failingStore struct{ *inmem.Store }

func (failingStore) UpdateCall(context.Context, string, func(*mayday.Call) error) (mayday.Call, error) {
	return mayday.Call{}, errors.New("dynamodb down")
}

func (failingStore) ReadSetup(context.Context, string, string) (mayday.Agent, mayday.Call, error) {
	return mayday.Agent{}, mayday.Call{}, errors.New("dynamodb down")
}

func TestStoreDownAtDial(t *testing.T) {
	f := newFixture(t)
	f.addNumbers("US", "+14255550001")
	down, err := mayday.NewDialDetection(failingStore{f.store}, f.bus, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	out, err := down.HandleCall(context.Background(), mayday.CallEvent{Type: mayday.CallEventDialed, CallID: "c-1",
		AgentID: "a-1", To: "911", Country: "US", OccurredAt: t0})
	if err != nil || !out.Emergency {
		t.Fatalf("dial with the store down: %+v, %v; want it answered", out, err)
	}
	started := f.bus.take(events.EmergencyCallStarted)
	if len(started) != 1 || started[0].Detail.(events.EmergencyCallStartedDetail).PresenceApplied {
		t.Fatalf("started events = %+v; want one with presenceApplied=false", started)
	}
	f.bus.evs = append(f.bus.evs, started...)
	f.deliver(events.EmergencyCallStarted) // the store is back
	if p := f.presence("a-1"); p != mayday.DoNotDisturb {
		t.Fatalf("presence = %s; the lease allocator must apply DoNotDisturb", p)
	}
}

func TestBusDownAtDial(t *testing.T) {
	f := newFixture(t)
	f.bus.fail = errors.New("eventbridge down")
	_, err := f.uc.DialDetection.HandleCall(context.Background(), mayday.CallEvent{Type: mayday.CallEventDialed, CallID: "c-1",
		AgentID: "a-1", To: "911", Country: "US", OccurredAt: t0})
	if !errors.Is(err, mayday.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable so the telephony platform retries", err)
	}
}

func TestLeases(t *testing.T) {
	ctx := context.Background()
	t.Run("redial keeps the same number, renewed", func(t *testing.T) {
		f := newFixture(t)
		f.addNumbers("US", "+14255550001", "+14255550002")
		f.dial("c-1")
		f.deliver(events.EmergencyCallStarted)
		first := f.state("a-1").Lease.Number
		f.clock.Advance(30 * time.Minute)
		f.dial("c-2")
		f.deliver(events.EmergencyCallStarted)
		st := f.state("a-1")
		if st.Lease.Number != first || !st.Lease.Lease.ExpiresAt.Equal(f.clock.Now().Add(time.Hour)) || st.Lease.Lease.CallID != "c-2" {
			t.Fatalf("after redial: %+v, want %s renewed to %s", st.Lease, first, f.clock.Now().Add(time.Hour))
		}
	})
	t.Run("least recently released first", func(t *testing.T) {
		f := newFixture(t)
		f.addNumbers("US", "+14255550001", "+14255550002")
		for i, agent := range []string{"b-1", "b-2"} {
			f.call(mayday.CallEventDialed, "c-b"+string(rune('1'+i)), agent, "911")
			f.deliver(events.EmergencyCallStarted)
			f.clock.Advance(time.Minute)
		}
		f.clock.Advance(time.Hour) // both expire; +..01 (leased first) released first
		if n, err := f.uc.LeaseExpiry.Sweep(ctx); err != nil || n != 2 {
			t.Fatalf("sweep released %d, %v; want 2", n, err)
		}
		if n, _ := f.uc.LeaseExpiry.Sweep(ctx); n != 0 {
			t.Fatalf("second sweep released %d, want 0", n)
		}
		if n := len(f.bus.take(events.CallbackLeaseExpired)); n != 2 {
			t.Fatalf("%d expired events, want 2", n)
		}
		f.dial("c-1")
		f.deliver(events.EmergencyCallStarted)
		if got := f.state("a-1").Lease.Number; got != "+14255550001" {
			t.Fatalf("leased %s, want the least recently released +14255550001", got)
		}
	})
	t.Run("exhausted pool: nearest expiry taken over, alarm event, email still sent", func(t *testing.T) {
		f := newFixture(t)
		f.addNumbers("US", "+14255550001", "+14255550002")
		f.call(mayday.CallEventDialed, "c-b1", "b-1", "911")
		f.deliver(events.EmergencyCallStarted)
		f.clock.Advance(10 * time.Minute)
		f.call(mayday.CallEventDialed, "c-b2", "b-2", "911")
		f.deliver(events.EmergencyCallStarted)
		f.bus.take(events.CallbackLeaseAllocated)
		f.dial("c-1")
		f.deliver(events.EmergencyCallStarted)
		ex := f.bus.take(events.CallbackPoolExhausted)
		if len(ex) != 1 || ex[0].Detail.(events.PoolExhaustedDetail).PreviousAgentID != "b-1" {
			t.Fatalf("exhausted events = %+v, want b-1's lease taken over", ex)
		}
		if got := f.state("a-1").Lease.Number; got != "+14255550001" {
			t.Fatalf("took %s, want b-1's +14255550001 (nearest expiry)", got)
		}
		if st := f.state("b-1"); st.Lease != nil {
			t.Fatalf("b-1 still shows %s", st.Lease.Number)
		}
		f.deliver(events.CallbackLeaseAllocated)
		if len(f.mail.Emails()) != 1 {
			t.Fatal("no email after take-over")
		}
	})
	t.Run("empty pool: unavailable, alarm, email still sent", func(t *testing.T) {
		f := newFixture(t)
		f.dial("c-1")
		f.deliver(events.EmergencyCallStarted)
		if len(f.bus.take(events.CallbackPoolExhausted)) != 1 {
			t.Fatal("no pool-exhausted alarm for an empty pool")
		}
		if f.deliver(events.CallbackLeaseUnavailable) != 1 {
			t.Fatal("no lease-unavailable event")
		}
		f.deliver(events.CallbackLeaseAllocated)
		if e := f.mail.Emails(); len(e) != 1 {
			t.Fatalf("%d emails, want 1 even without a callback number", len(e))
		}
	})
	t.Run("per-country pools", func(t *testing.T) {
		f := newFixture(t)
		f.addNumbers("GB", "+442071230001")
		f.dial("c-1")
		f.deliver(events.EmergencyCallStarted)
		if f.state("a-1").Lease != nil {
			t.Fatal("a US agent got a GB callback number")
		}
	})
	t.Run("validity is checked at read time", func(t *testing.T) {
		f := newFixture(t)
		f.addNumbers("US", "+14255550001")
		f.dial("c-1")
		f.deliver(events.EmergencyCallStarted)
		f.clock.Advance(time.Hour) // expiresAt == now: no longer valid, not swept
		if st := f.state("a-1"); st.Lease != nil {
			t.Fatalf("expired lease still shown: %+v", st.Lease)
		}
		d, err := f.uc.PriorityCallbackRouting.Route(ctx, mayday.InboundCall{CallID: "c-9", To: "+14255550001"})
		if err != nil || d.Route != mayday.RouteFallback || d.Target != "+14255559999" || d.Priority != mayday.PriorityEmergency {
			t.Fatalf("route after expiry = %+v, %v; want the fallback at emergency priority", d, err)
		}
	})
}

func TestConcurrentDialsNeverShareANumber(t *testing.T) {
	f := newFixture(t)
	const n = 50
	for i := range n {
		f.addNumbers("US", "+1425555"+string(rune('0'+i/10))+string(rune('0'+i%10))+"00")
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	answers := make([]mayday.CallOutcome, n)
	for i := range n {
		wg.Go(func() {
			id := "x-" + string(rune('A'+i/26)) + string(rune('a'+i%26))
			var err error
			answers[i], err = f.uc.DialDetection.HandleCall(ctx, mayday.CallEvent{Type: mayday.CallEventDialed, CallID: "c-" + id,
				AgentID: id, To: "911", Country: "US", OccurredAt: t0})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	presented := map[string]bool{}
	for _, a := range answers {
		if a.CallerIDSource != mayday.CallerLease || presented[a.CallerID] {
			t.Errorf("answer %+v: want a caller ID of its own", a)
		}
		presented[a.CallerID] = true
	}
	f.deliver(events.EmergencyCallStarted)
	holders := map[string]string{}
	pool, _ := f.store.ListNumbers(ctx, "US")
	for _, num := range pool {
		if num.Lease == nil {
			t.Errorf("%s unleased with %d agents dialling", num.Number, n)
			continue
		}
		if prev, dup := holders[num.Lease.AgentID]; dup {
			t.Errorf("agent %s holds %s and %s", num.Lease.AgentID, prev, num.Number)
		}
		holders[num.Lease.AgentID] = num.Number
	}
	if len(holders) != n || len(f.bus.take(events.CallbackPoolExhausted)) != 0 {
		t.Fatalf("%d holders, want %d and no take-over", len(holders), n)
	}
}

func TestRouting(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addNumbers("US", "+14255550001")
	f.dial("c-1")
	f.deliver(events.EmergencyCallStarted)
	f.end("c-1")
	f.deliver(events.EmergencyCallEnded)
	f.clock.Advance(40 * time.Minute)

	tests := []struct {
		name string
		in   mayday.InboundCall
		want mayday.RouteDecision
	}{
		{"callback to the leased number", mayday.InboundCall{CallID: "c-9", From: "+14255550199", To: "+1 425 555 0001"}, mayday.ToAgent("a-1")},
		{"the same webhook again", mayday.InboundCall{CallID: "c-9", From: "+14255550199", To: "+14255550001"}, mayday.ToAgent("a-1")},
		{"not a pool number", mayday.InboundCall{CallID: "c-10", To: "+14255550777"}, mayday.RouteDecision{Route: mayday.RouteDefault}},
		{"not a phone number", mayday.InboundCall{CallID: "c-11", To: "sip:desk"}, mayday.RouteDecision{Route: mayday.RouteDefault}},
	}
	for _, tt := range tests {
		got, err := f.uc.PriorityCallbackRouting.Route(ctx, tt.in)
		if err != nil || got.Route != tt.want.Route || got.AgentID != tt.want.AgentID || !slices.Equal(got.Bypass, tt.want.Bypass) {
			t.Errorf("%s: %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
	if n := len(f.bus.take(events.EmergencyCallbackRouted)); n != 1 {
		t.Errorf("%d routed events for one callback, want 1", n)
	}
	st := f.state("a-1")
	if st.Presence != mayday.DoNotDisturb || !st.Emergency || st.CallID != "c-9" {
		t.Fatalf("during the callback: %+v; want DoNotDisturb with the emergency panel", st)
	}
	if want := f.clock.Now().Add(time.Hour); !st.Lease.Lease.ExpiresAt.Equal(want) {
		t.Fatalf("lease expires %s, want renewed to %s", st.Lease.Lease.ExpiresAt, want)
	}
	f.end("c-9")
	f.deliver(events.EmergencyCallEnded)
	if p := f.presence("a-1"); p != mayday.Busy {
		t.Fatalf("after the callback: %s, want Busy", p)
	}
	if _, err := f.uc.PriorityCallbackRouting.Route(ctx, mayday.InboundCall{To: "+14255550001"}); !errors.Is(err, mayday.ErrInvalid) {
		t.Fatalf("missing callId: %v, want ErrInvalid", err)
	}
}

func TestNotification(t *testing.T) {
	ctx := context.Background()
	t.Run("failed send is retried and sent once", func(t *testing.T) {
		f := newFixture(t)
		f.mail.failures = 1
		f.dial("c-1")
		f.deliver(events.EmergencyCallStarted)
		evs := f.bus.take(events.CallbackLeaseUnavailable)
		d := evs[0].Detail.(events.CallbackLeaseDetail)
		if err := f.uc.EmailNotification.Notify(ctx, d); err == nil {
			t.Fatal("a failed send must return an error so the bus retries")
		}
		for range 3 {
			if err := f.uc.EmailNotification.Notify(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(f.mail.Emails()); n != 1 {
			t.Fatalf("%d emails, want 1", n)
		}
	})
	t.Run("no contacts, no email", func(t *testing.T) {
		f := newFixture(t)
		if _, err := f.uc.AdminAPI.PutAgent(ctx, "a-2", mayday.Profile{Name: "Bo", Country: "US"}); err != nil {
			t.Fatal(err)
		}
		f.call(mayday.CallEventDialed, "c-2", "a-2", "911")
		f.deliver(events.EmergencyCallStarted)
		f.deliver(events.CallbackLeaseUnavailable)
		if n := len(f.mail.Emails()); n != 0 {
			t.Fatalf("%d emails, want 0", n)
		}
	})
}

func TestHistory(t *testing.T) {
	f := newFixture(t)
	f.call(mayday.CallEventDialed, "c-ord", "a-1", "+14255550123")
	f.end("c-ord")
	f.end("c-ord")
	f.call(mayday.CallEventDialed, "c-test", "a-1", "933")
	f.end("c-test")
	f.dial("c-911")
	f.end("c-911")
	f.deliver(events.CallEnded)
	out, err := f.uc.DialDetection.HandleCall(context.Background(), mayday.CallEvent{Type: mayday.CallEventDialed, CallID: "c-fr",
		AgentID: "a-1", To: "112", Country: "FR", OccurredAt: t0})
	if err != nil || out.Emergency || out.Reason != mayday.ReasonLocationUnsupported {
		t.Fatalf("FR 112: %+v, %v", out, err)
	}
	if n := len(f.bus.take(events.EmergencyDialUnsupported)); n != 1 {
		t.Fatalf("%d unsupported-dial events, want 1", n)
	}
	f.end("c-fr")
	f.deliver(events.CallEnded)
	acts, err := f.uc.AdminAPI.History(context.Background(), "a-1")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range acts {
		ids = append(ids, a.CallID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"c-ord", "c-test"}) {
		t.Fatalf("history = %v, want the ordinary and test calls only", ids)
	}
	// Even a forged "Call Ended" for an emergency call is refused.
	if err := f.uc.CallHistory.Record(context.Background(), events.CallEndedDetail{CallID: "c-911", AgentID: "a-1", Kind: "ordinary"}); err != nil {
		t.Fatal(err)
	}
	if acts, _ := f.uc.AdminAPI.History(context.Background(), "a-1"); len(acts) != 2 {
		t.Fatalf("history = %+v after a forged event", acts)
	}
}

func TestPresenceChangeDuringEmergency(t *testing.T) {
	f := newFixture(t)
	f.dial("c-1")
	if _, err := f.uc.AdminAPI.SetPresence(context.Background(), "a-1", mayday.Away); err != nil {
		t.Fatal(err)
	}
	if p := f.presence("a-1"); p != mayday.DoNotDisturb {
		t.Fatalf("presence = %s during the emergency", p)
	}
	f.end("c-1")
	f.deliver(events.EmergencyCallEnded)
	if p := f.presence("a-1"); p != mayday.Away {
		t.Fatalf("presence = %s, want Away (the change made during the call)", p)
	}
	if _, err := f.uc.AdminAPI.SetPresence(context.Background(), "nobody", mayday.Away); !errors.Is(err, mayday.ErrNotFound) {
		t.Fatalf("unknown agent: %v", err)
	}
}

func TestWatchdog(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.dial("c-1") // its end event is lost
	if _, err := f.uc.AdminAPI.PutAgent(ctx, "a-2", mayday.Profile{Name: "Bo", Presence: mayday.Away}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(3 * time.Hour)
	f.call(mayday.CallEventDialed, "c-2", "a-2", "911") // recent: left alone
	if n, err := f.uc.LeaseExpiry.Watchdog(ctx); err != nil || n != 0 {
		t.Fatalf("watchdog at 3h restored %d, %v; want 0", n, err)
	}
	f.clock.Advance(time.Hour)
	n, err := f.uc.LeaseExpiry.Watchdog(ctx)
	if err != nil || n != 1 {
		t.Fatalf("watchdog at 4h restored %d, %v; want 1", n, err)
	}
	if p := f.presence("a-1"); p != mayday.Busy {
		t.Fatalf("a-1 presence = %s, want Busy restored", p)
	}
	if p := f.presence("a-2"); p != mayday.DoNotDisturb {
		t.Fatalf("a-2 presence = %s, want still DoNotDisturb", p)
	}
	evs := f.bus.take(events.PresenceWatchdogRestored)
	if len(evs) != 1 || evs[0].Detail.(events.WatchdogRestoredDetail).AgentID != "a-1" {
		t.Fatalf("watchdog events = %+v", evs)
	}
	if n, _ := f.uc.LeaseExpiry.Watchdog(ctx); n != 0 {
		t.Fatalf("second run restored %d, want 0", n)
	}
	f.end("c-1") // the lost end turns up late: nothing changes
	f.deliver(events.EmergencyCallEnded)
	if p := f.presence("a-1"); p != mayday.Busy {
		t.Fatalf("a-1 presence after the late end = %s", p)
	}
}

func TestConcurrentDialsOfOneAgentKeepOneNumber(t *testing.T) {
	f := newFixture(t)
	f.addNumbers("US", "+14255550001", "+14255550002", "+14255550003", "+14255550004", "+14255550005")
	ctx := context.Background()
	var wg sync.WaitGroup
	answers := make([]mayday.CallOutcome, 5)
	for i := range 5 {
		wg.Go(func() {
			var err error
			answers[i], err = f.uc.DialDetection.HandleCall(ctx, mayday.CallEvent{Type: mayday.CallEventDialed,
				CallID: fmt.Sprintf("c-%d", i), AgentID: "a-1", To: "911", Country: "US", OccurredAt: t0})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	f.deliver(events.EmergencyCallStarted)
	held, _ := f.store.LeasesHeldBy(ctx, "a-1")
	if len(held) != 1 {
		t.Fatalf("agent holds %d numbers after concurrent dials, want 1", len(held))
	}
	for _, e := range f.bus.take(events.CallbackLeaseAllocated) {
		if n := e.Detail.(events.CallbackLeaseDetail).CallbackNumber; n != held[0].Number {
			t.Errorf("a call was told callback number %s, the agent keeps %s", n, held[0].Number)
		}
	}
	for _, a := range answers {
		if a.CallerID != held[0].Number {
			t.Errorf("call %s presented %s, the agent keeps %s", a.CallID, a.CallerID, held[0].Number)
		}
	}
}
