package mayday_test

// The fixture every use case's tests share: the use cases over the embedded
// store, a bus the test delivers by hand, a manual clock, and the sites,
// agents and numbers the scenarios start from.

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
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
	// relay publishes what the store's outbox holds, as the outbox
	// publisher does.
	relay func()
}

func (r *recorder) Publish(_ context.Context, evs ...events.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	for _, e := range evs {
		r.evs = append(r.evs, typed(e))
	}
	return nil
}

// typed decodes an event published from the outbox (its detail JSON) as
// the consumers' handlers do, so tests read every event alike.
func typed(e events.Event) events.Event {
	raw, ok := e.Detail.(json.RawMessage)
	if !ok {
		return e
	}
	var d any
	switch e.DetailType {
	case events.EmergencyCallStarted, events.EmergencyTestCall:
		d = &events.EmergencyCallStartedDetail{}
	case events.EmergencyCallEnded, events.CallEnded:
		d = &events.CallEndedDetail{}
	case events.EmergencyDialUnsupported:
		d = &events.DialUnsupportedDetail{}
	case events.EmergencyLocationUnknownSite, events.EmergencyDialLocationUnknown, events.EmergencyDialUnknownAgent:
		d = &events.LocationUnknownDetail{}
	case events.EmergencyAlertAcknowledged, events.EmergencyAlertEscalated:
		d = &events.AlertDetail{}
	case events.EmergencyCallbackRouted:
		d = &events.CallbackRoutedDetail{}
	case events.CallbackLeaseExpired:
		d = &events.LeaseExpiredDetail{}
	case events.PresenceWatchdogRestored:
		d = &events.WatchdogRestoredDetail{}
	default:
		panic("outbox event of an unexpected type " + e.DetailType)
	}
	if err := json.Unmarshal(raw, d); err != nil {
		panic(err)
	}
	e.Detail = reflect.ValueOf(d).Elem().Interface()
	return e
}

// take returns and forgets the events of the given detail-type.
func (r *recorder) take(detailType string) []events.Event {
	if r.relay != nil {
		r.relay()
	}
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

func (m *flakyMailer) SendMessage(ctx context.Context, e mayday.Email) (string, error) {
	if m.failures > 0 {
		m.failures--
		return "", errors.New("smtp down")
	}
	return m.Outbox.SendMessage(ctx, e)
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
	pub, err := mayday.NewOutboxPublisher(f.bus, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.bus.relay = func() {
		pending := f.store.PendingEvents()
		n, _ := pub.Publish(context.Background(), pending)
		for _, e := range pending[:n] {
			f.store.Published(e.ID)
		}
	}
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

// agents creates agents (US, no site), as operators do: only a created
// agent's dial leases a number.
func (f *fixture) agents(ids ...string) {
	f.t.Helper()
	for _, id := range ids {
		if _, err := f.uc.AdminAPI.PutAgent(context.Background(), id, mayday.Profile{Name: id, Country: "US"}); err != nil {
			f.t.Fatal(err)
		}
	}
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
			if e.DetailType == events.EmergencyTestCall {
				err = f.uc.EmailNotification.NotifyTest(ctx, d)
			} else {
				err = f.uc.CallbackLeaseAllocation.Allocate(ctx, d)
			}
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

// failingStore fails agent and call writes, as a store that is down would.
type failingStore struct{ *inmem.Store }

func (failingStore) UpdateCall(context.Context, string, func(*mayday.Call) error) (mayday.Call, error) {
	return mayday.Call{}, errors.New("dynamodb down")
}

func (failingStore) UpdateCallAnnouncing(context.Context, string, func(*mayday.Call) ([]mayday.OutboxEvent, error)) (mayday.Call, error) {
	return mayday.Call{}, errors.New("dynamodb down")
}

func (failingStore) ReadSetup(context.Context, string, string) (mayday.Agent, mayday.Call, error) {
	return mayday.Agent{}, mayday.Call{}, errors.New("dynamodb down")
}

var seattle = mayday.Site{Name: "Seattle HQ", Country: "US", EmergencyCallbackNumber: "+14255550100",
	Address: mayday.Address{Street: "1 Main St", City: "Seattle", Region: "WA", PostalCode: "98101", Country: "US"},
	Notify:  []string{"security@example.com", "SUP@example.com"}}

// withSites adds sites "sea" (two numbers) and "bel" (one number, no ECBN)
// beside a country pool of one number, and puts a-1 at "sea".
func withSites(t *testing.T, configure ...func(*mayday.Config)) *fixture {
	t.Helper()
	f := newFixture(t, configure...)
	ctx := context.Background()
	bellevue := seattle
	bellevue.Name, bellevue.EmergencyCallbackNumber, bellevue.Notify = "Bellevue", "", nil
	for id, s := range map[string]mayday.Site{"sea": seattle, "bel": bellevue} {
		if _, err := f.uc.AdminAPI.PutSite(ctx, id, s); err != nil {
			t.Fatal(err)
		}
	}
	for n, site := range map[string]string{"+14255550001": "sea", "+14255550002": "sea", "+14255550003": "bel", "+14255550009": ""} {
		if _, _, err := f.uc.AdminAPI.AddNumberAt(ctx, n, "US", site); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.uc.AdminAPI.PutAgent(ctx, "a-1", mayday.Profile{Name: "Ada", Email: "ada@example.com", Presence: mayday.Busy,
		Country: "US", EmergencyContacts: []string{"sup@example.com"}, BrowserLocation: true, SiteID: "sea"}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) dialFrom(callID, agentID, siteID, to string) mayday.CallOutcome {
	f.t.Helper()
	out, err := f.uc.DialDetection.HandleCall(context.Background(), mayday.CallEvent{Type: mayday.CallEventDialed, CallID: callID,
		AgentID: agentID, To: to, Country: "US", SiteID: siteID, Location: "desk 12", OccurredAt: f.clock.Now()})
	if err != nil {
		f.t.Fatalf("dial %s: %v", callID, err)
	}
	return out
}

// downStore fails (or delays) the dial's store calls once told to.
type downStore struct {
	*inmem.Store
	down  bool
	delay time.Duration
}

func (s *downStore) fail(ctx context.Context) error {
	if s.delay > 0 {
		select {
		case <-time.After(s.delay):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if s.down {
		return errors.New("dynamodb down")
	}
	return nil
}

func (s *downStore) UpdateCall(ctx context.Context, id string, fn func(*mayday.Call) error) (mayday.Call, error) {
	if err := s.fail(ctx); err != nil {
		return mayday.Call{}, err
	}
	return s.Store.UpdateCall(ctx, id, fn)
}

func (s *downStore) UpdateCallAnnouncing(ctx context.Context, id string, fn func(*mayday.Call) ([]mayday.OutboxEvent, error)) (mayday.Call, error) {
	if err := s.fail(ctx); err != nil {
		return mayday.Call{}, err
	}
	return s.Store.UpdateCallAnnouncing(ctx, id, fn)
}

func (s *downStore) ReadSetup(ctx context.Context, agentID, callID string) (mayday.Agent, mayday.Call, error) {
	if err := s.fail(ctx); err != nil {
		return mayday.Agent{}, mayday.Call{}, err
	}
	return s.Store.ReadSetup(ctx, agentID, callID)
}

func (s *downStore) WriteSetup(ctx context.Context, c mayday.Call, a mayday.Agent, n *mayday.CallbackNumber, evs []mayday.OutboxEvent) (mayday.Call, mayday.Agent, *mayday.CallbackNumber, error) {
	if err := s.fail(ctx); err != nil {
		return mayday.Call{}, mayday.Agent{}, nil, err
	}
	return s.Store.WriteSetup(ctx, c, a, n, evs)
}

func (s *downStore) ListNumbers(ctx context.Context, country string) ([]mayday.CallbackNumber, error) {
	if err := s.fail(ctx); err != nil {
		return nil, err
	}
	return s.Store.ListNumbers(ctx, country)
}

func (s *downStore) GetSite(ctx context.Context, id string) (mayday.Site, error) {
	if err := s.fail(ctx); err != nil {
		return mayday.Site{}, err
	}
	return s.Store.GetSite(ctx, id)
}

var home = mayday.Address{HouseNumber: "2121", Street: "7th Ave", City: "Seattle", Region: "WA", PostalCode: "98121", Country: "US"}

const ownNumber = "+12065550142"

func withDefaults(c *mayday.Config) {
	c.DefaultCallerID = map[string]string{"US": "+12065550100", "GB": "+442071230000"}
}

// remote confirms agent a-1 at home, with ownNumber or not.
func (f *fixture) remote(number string) {
	f.t.Helper()
	if _, err := f.uc.AdminAPI.PutLocation(context.Background(), "a-1",
		mayday.AgentLocation{Address: home, Detail: "Home office", CallbackNumber: number}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) handle(e mayday.CallEvent) mayday.CallOutcome {
	f.t.Helper()
	e.Type, e.AgentID = mayday.CallEventDialed, "a-1"
	if e.To == "" {
		e.To = "911"
	}
	if e.OccurredAt.IsZero() {
		e.OccurredAt = f.clock.Now()
	}
	out, err := f.uc.DialDetection.HandleCall(context.Background(), e)
	if err != nil {
		f.t.Fatalf("dial %s: %v", e.CallID, err)
	}
	return out
}

func (f *fixture) removeNumbers(numbers ...string) {
	f.t.Helper()
	for _, n := range numbers {
		if err := f.uc.AdminAPI.RemoveNumber(context.Background(), n); err != nil {
			f.t.Fatal(err)
		}
	}
}
