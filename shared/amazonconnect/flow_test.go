package amazonconnect_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/amazonconnect"
	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
	"github.com/mayday/mayday/shared/testkit/harness"
)

const (
	dialContact    = "5ca32fbd-8f92-46af-92a5-6b0f970f0efe"
	inboundContact = "4a573372-1f28-4e26-b97b-2ad5e3c1f0a9"
	pool           = "+14255550001"
	ecbn           = "+14255550100"
	fallback       = "+14255559999"
)

var at = time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)

type nopBus struct{}

func (nopBus) Publish(context.Context, ...events.Event) error { return nil }

// agents records what the flow asks of Connect.
type agents struct {
	mu         sync.Mutex
	arn        map[string]string
	routable   []string
	fail       error
	offline    bool
	offlineErr error
}

func (a *agents) UserARN(_ context.Context, name string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if arn, ok := a.arn[name]; ok {
		return arn, nil
	}
	return "", errors.New("no such user")
}

func (a *agents) Offline(context.Context, string) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.offline, a.offlineErr
}

func (a *agents) MakeRoutable(_ context.Context, name string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.routable = append(a.routable, name)
	return a.fail
}

// faulty is a store that, once down, fails (or hangs until the deadline)
// every read the flows make.
type faulty struct {
	*inmem.Store
	down, hang *atomic.Bool
}

var errDown = errors.New("store down")

func (f faulty) fail(ctx context.Context) error {
	switch {
	case !f.down.Load():
		return nil
	case f.hang.Load():
		<-ctx.Done()
		return ctx.Err()
	}
	return errDown
}
func (f faulty) ReadSetup(ctx context.Context, a, c string) (mayday.Agent, mayday.Call, error) {
	if err := f.fail(ctx); err != nil {
		return mayday.Agent{}, mayday.Call{}, err
	}
	return f.Store.ReadSetup(ctx, a, c)
}
func (f faulty) GetCall(ctx context.Context, id string) (mayday.Call, error) {
	if err := f.fail(ctx); err != nil {
		return mayday.Call{}, err
	}
	return f.Store.GetCall(ctx, id)
}
func (f faulty) GetNumber(ctx context.Context, n string) (mayday.CallbackNumber, error) {
	if err := f.fail(ctx); err != nil {
		return mayday.CallbackNumber{}, err
	}
	return f.Store.GetNumber(ctx, n)
}

type fixture struct {
	store  *inmem.Store
	uc     mayday.UseCases
	flow   *amazonconnect.Flow
	agents *agents
}

func newFixture(t *testing.T, store mayday.Store, seed *inmem.Store) fixture {
	t.Helper()
	ctx := context.Background()
	cfg := settings.Defaults()
	cfg.Fallback = fallback
	o := mayday.Options{Config: cfg, Clock: harness.NewManualClock(at), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	admin, err := mayday.NewAdminAPI(seed, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutSite(ctx, "sea", mayday.Site{Name: "Seattle HQ", Country: "US", EmergencyCallbackNumber: ecbn,
		Address: mayday.Address{Street: "1 Main St", City: "Seattle", Region: "WA", PostalCode: "98101", Country: "US"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutAgent(ctx, "a-1", mayday.Profile{Name: "Ada", Presence: mayday.Available, Country: "US",
		SiteID: "sea", EmergencyContacts: []string{"sup@example.com"}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := admin.AddNumberAt(ctx, pool, "US", "sea"); err != nil {
		t.Fatal(err)
	}
	uc, err := mayday.NewUseCases(store, nopBus{}, inmem.NewOutbox(o.Clock), o)
	if err != nil {
		t.Fatal(err)
	}
	ag := &agents{arn: map[string]string{"a-1": "arn:aws:connect:us-west-2:111122223333:instance/aaaaaaaa-bbbb-cccc-dddd-111111111111/agent/9e8d7c6b"}}
	flow, err := amazonconnect.NewFlow(uc.DialDetection, uc.PriorityCallbackRouting, ag, o)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{store: seed, uc: uc, flow: flow, agents: ag}
}

// event is a flow fixture of testdata/connect/ with parameters and
// endpoints changed.
func event(t *testing.T, name string, params map[string]string, customer, system string) lambdaevents.ConnectEvent {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(harness.TestdataDir(), "connect", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var e lambdaevents.ConnectEvent
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	for k, v := range params {
		if v == "" {
			delete(e.Details.Parameters, k)
		} else {
			e.Details.Parameters[k] = v
		}
	}
	if customer != "" {
		e.Details.ContactData.CustomerEndpoint.Address = customer
	}
	if system != "" {
		e.Details.ContactData.SystemEndpoint.Address = system
	}
	return e
}

// invoke goes through the JSON path Lambda uses, answering the flat map
// Connect reads.
func invoke(t *testing.T, f *amazonconnect.Flow, e lambdaevents.ConnectEvent) (map[string]string, error) {
	t.Helper()
	in, _ := json.Marshal(e)
	out, err := lambda.NewHandler(f.Handle).Invoke(context.Background(), in)
	if err != nil {
		return nil, err
	}
	var m map[string]string
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("answer %s is not a flat string map: %v", out, err)
	}
	return m, nil
}

func TestDial(t *testing.T) {
	lease := at.Add(settings.Defaults().Lease).Format(time.RFC3339)
	where := "Seattle HQ, Building 4, floor 2, 1 Main St, Seattle, WA 98101, US"
	civic := `{"country":"US","A1":"WA","A3":"Seattle","RD":"Main","STS":"St","HNO":"1","LOC":"Building 4, floor 2","NAM":"Seattle HQ","PC":"98101"}`
	tests := []struct {
		name     string
		params   map[string]string
		customer string
		want     map[string]string
	}{
		{"E.164 service number, the fixture", nil, "",
			map[string]string{"emergency": "true", "reason": "", "callerId": pool, "callbackExpiresAt": lease, "location": where, "civicAddress": civic}},
		{"country from the calling code", map[string]string{"country": ""}, "",
			map[string]string{"emergency": "true", "reason": "", "callerId": pool, "callbackExpiresAt": lease, "location": where, "civicAddress": civic}},
		{"no country, a bare service number: the location's country", map[string]string{"country": ""}, "911",
			map[string]string{"emergency": "true", "reason": "", "callerId": pool, "callbackExpiresAt": lease, "location": where, "civicAddress": civic}},
		{"dialled with the outside-line prefix", nil, "9911",
			map[string]string{"emergency": "true", "reason": "", "callerId": pool, "callbackExpiresAt": lease, "location": where, "civicAddress": civic}},
		{"test call presents the lease to be", nil, "+1933",
			map[string]string{"emergency": "false", "reason": mayday.ReasonTestCall, "callerId": pool, "callbackExpiresAt": "", "location": where, "civicAddress": civic}},
		{"ordinary call", nil, "+12065550123",
			map[string]string{"emergency": "false", "reason": mayday.ReasonNotEmergencyNumber, "callerId": "", "callbackExpiresAt": "", "location": "", "civicAddress": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := inmem.NewStore()
			f := newFixture(t, store, store)
			got, err := invoke(t, f.flow, event(t, "flow-dial", tt.params, tt.customer, ""))
			if err != nil {
				t.Fatal(err)
			}
			if !equal(got, tt.want) {
				t.Errorf("answer %v, want %v", got, tt.want)
			}
			c, err := store.GetCall(context.Background(), dialContact)
			if err != nil || c.AgentID != "a-1" {
				t.Errorf("call %s recorded as %+v (%v), want agent a-1", dialContact, c, err)
			}
		})
	}
}

// TestDialCarriesLocation: Connect carries the location with the call, so
// a dial from a site whose pool has no number leases one of the country's
// pool rather than presenting the site's ECBN.
func TestDialCarriesLocation(t *testing.T) {
	ctx := context.Background()
	store := inmem.NewStore()
	f := newFixture(t, store, store)
	admin, err := mayday.NewAdminAPI(store, mayday.Options{Config: settings.Defaults(), Clock: harness.NewManualClock(at)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutSite(ctx, "bel", mayday.Site{Name: "Bellevue", Country: "US", EmergencyCallbackNumber: "+14255550200",
		Address: mayday.Address{Street: "500 108th Ave NE", City: "Bellevue", Region: "WA", PostalCode: "98004", Country: "US"}}); err != nil {
		t.Fatal(err)
	}
	const countryPool = "+14255550002"
	if _, _, err := admin.AddNumber(ctx, countryPool, "US"); err != nil {
		t.Fatal(err)
	}
	got, err := invoke(t, f.flow, event(t, "flow-dial", map[string]string{"siteId": "bel", "location": ""}, "", ""))
	if err != nil {
		t.Fatal(err)
	}
	civic := `{"country":"US","A1":"WA","A3":"Bellevue","RD":"108th","STS":"Ave","POD":"NE","HNO":"500","NAM":"Bellevue","PC":"98004"}`
	if got["callerId"] != countryPool || got["callbackExpiresAt"] == "" || got["civicAddress"] != civic {
		t.Errorf("answer %v, want the country pool's %s leased, and the site's CivicAddress %s", got, countryPool, civic)
	}
}

func TestInbound(t *testing.T) {
	ctx := context.Background()
	arn := "arn:aws:connect:us-west-2:111122223333:instance/aaaaaaaa-bbbb-cccc-dddd-111111111111/agent/9e8d7c6b"
	t.Run("leased number: to the agent, made routable", func(t *testing.T) {
		store := inmem.NewStore()
		f := newFixture(t, store, store)
		if _, err := invoke(t, f.flow, event(t, "flow-dial", nil, "", "")); err != nil {
			t.Fatal(err)
		}
		got, err := invoke(t, f.flow, event(t, "flow-inbound", nil, "", ""))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"route": "agent", "agentId": "a-1", "agentArn": arn, "priority": "emergency", "target": "", "fallback": fallback}
		if !equal(got, want) {
			t.Errorf("answer %v, want %v", got, want)
		}
		if len(f.agents.routable) != 1 || f.agents.routable[0] != "a-1" {
			t.Errorf("made routable: %q, want [a-1]", f.agents.routable)
		}
		if c, err := store.GetCall(ctx, inboundContact); err != nil || c.Kind != mayday.KindCallback {
			t.Errorf("callback %s recorded as %+v (%v)", inboundContact, c, err)
		}
	})
	t.Run("the bypass failing still routes", func(t *testing.T) {
		store := inmem.NewStore()
		f := newFixture(t, store, store)
		f.agents.fail = errors.New("throttled")
		if _, err := invoke(t, f.flow, event(t, "flow-dial", nil, "", "")); err != nil {
			t.Fatal(err)
		}
		got, err := invoke(t, f.flow, event(t, "flow-inbound", nil, "", ""))
		if err != nil || got["route"] != "agent" || got["agentArn"] != arn {
			t.Errorf("answer %v (%v), want the agent", got, err)
		}
	})
	t.Run("Connect cannot tell the agent's status: still the agent", func(t *testing.T) {
		store := inmem.NewStore()
		f := newFixture(t, store, store)
		f.agents.offlineErr = errors.New("throttled")
		if _, err := invoke(t, f.flow, event(t, "flow-dial", nil, "", "")); err != nil {
			t.Fatal(err)
		}
		got, err := invoke(t, f.flow, event(t, "flow-inbound", nil, "", ""))
		if err != nil || got["route"] != "agent" || got["agentArn"] != arn || len(f.agents.routable) != 1 {
			t.Errorf("answer %v (%v), made routable %q; want the agent, made routable", got, err, f.agents.routable)
		}
	})
	for name, connect := range map[string]func(*agents){
		"agent unknown to Connect": func(a *agents) { delete(a.arn, "a-1") },
		"agent offline in Connect": func(a *agents) { a.offline = true },
	} {
		t.Run(name+": the fallback, not made routable", func(t *testing.T) {
			store := inmem.NewStore()
			f := newFixture(t, store, store)
			connect(f.agents)
			if _, err := invoke(t, f.flow, event(t, "flow-dial", nil, "", "")); err != nil {
				t.Fatal(err)
			}
			got, err := invoke(t, f.flow, event(t, "flow-inbound", nil, "", ""))
			want := map[string]string{"route": "fallback", "agentId": "a-1", "agentArn": "", "priority": "emergency", "target": fallback, "fallback": fallback}
			if err != nil || !equal(got, want) {
				t.Errorf("answer %v (%v), want %v", got, err, want)
			}
			if len(f.agents.routable) != 0 {
				t.Errorf("made routable %q", f.agents.routable)
			}
		})
	}
	t.Run("no live lease: the fallback", func(t *testing.T) {
		store := inmem.NewStore()
		f := newFixture(t, store, store)
		got, err := invoke(t, f.flow, event(t, "flow-inbound", nil, "", ""))
		want := map[string]string{"route": "fallback", "agentId": "", "agentArn": "", "priority": "emergency", "target": fallback, "fallback": fallback}
		if err != nil || !equal(got, want) {
			t.Errorf("answer %v (%v), want %v", got, err, want)
		}
	})
	t.Run("not a pool number: default routing", func(t *testing.T) {
		store := inmem.NewStore()
		f := newFixture(t, store, store)
		got, err := invoke(t, f.flow, event(t, "flow-inbound", nil, "", "+12065550100"))
		if err != nil || got["route"] != "default" || got["priority"] != "" {
			t.Errorf("answer %v (%v), want default", got, err)
		}
	})
}

// TestStoreFaultsStillAnswer: with the store failing or hanging, a dial
// still presents the site's emergency callback number (known from an earlier
// dial, as a warm function knows it) and a callback still goes to the
// fallback, inside the budget; neither is an error that would drop the flow
// into its error branch.
func TestStoreFaultsStillAnswer(t *testing.T) {
	for _, hang := range []bool{false, true} {
		t.Run(map[bool]string{false: "failing", true: "hanging"}[hang], func(t *testing.T) {
			seed := inmem.NewStore()
			store := faulty{Store: seed, down: new(atomic.Bool), hang: new(atomic.Bool)}
			store.hang.Store(hang)
			f := newFixture(t, store, seed)
			if _, err := invoke(t, f.flow, event(t, "flow-dial", nil, "", "")); err != nil {
				t.Fatal(err)
			}
			store.down.Store(true)
			start := time.Now()
			e := event(t, "flow-dial", nil, "", "")
			e.Details.ContactData.ContactID = "another-contact"
			got, err := invoke(t, f.flow, e)
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			if got["emergency"] != "true" || got["callerId"] != ecbn || got["callbackExpiresAt"] != "" {
				t.Errorf("dial answer %v, want an emergency presenting the ECBN %s", got, ecbn)
			}
			got, err = invoke(t, f.flow, event(t, "flow-inbound", nil, "", ""))
			if err != nil {
				t.Fatalf("inbound: %v", err)
			}
			want := map[string]string{"route": "fallback", "agentId": "", "agentArn": "", "priority": "emergency", "target": fallback, "fallback": fallback}
			if !equal(got, want) {
				t.Errorf("inbound answer %v, want %v", got, want)
			}
			if took := time.Since(start); took > 2*amazonconnect.Budget+time.Second {
				t.Errorf("two answers took %s, want each within %s", took, amazonconnect.Budget)
			}
		})
	}
}

func TestMalformedInvocations(t *testing.T) {
	store := inmem.NewStore()
	f := newFixture(t, store, store)
	for name, params := range map[string]map[string]string{
		"no action":      {"action": ""},
		"unknown action": {"action": "transfer"},
		"no agent":       {"agentId": ""},
	} {
		t.Run(name, func(t *testing.T) {
			if got, err := invoke(t, f.flow, event(t, "flow-dial", params, "", "")); err == nil {
				t.Errorf("answered %v, want an error", got)
			}
		})
	}
}

func TestOneLine(t *testing.T) {
	for _, tt := range []struct {
		in   mayday.Location
		want string
	}{
		{mayday.Location{Name: "HQ", Address: mayday.Address{Street: "1 Main St", City: "Seattle", Country: "US"}}, "HQ, 1 Main St, Seattle, US"},
		{mayday.Location{Name: "HQ", Detail: "desk 4", Address: mayday.Address{City: "London", PostalCode: "EC1A 1BB", Country: "GB"}},
			"HQ, desk 4, London, EC1A 1BB, GB"},
		{mayday.Location{}, ""},
	} {
		if got := amazonconnect.OneLine(tt.in); got != tt.want {
			t.Errorf("OneLine(%+v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range b {
		if w, ok := a[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestSampleEventIsFixture: connect-flow's sample event is the dial fixture.
func TestSampleEventIsFixture(t *testing.T) {
	sample, err := os.ReadFile(filepath.Join(harness.TestdataDir(), "..", "functions", functions.ConnectFlow, "event.json"))
	if err != nil {
		t.Fatal(err)
	}
	fixture, err := os.ReadFile(filepath.Join(harness.TestdataDir(), "connect", "flow-dial.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(sample) != string(fixture) {
		t.Error("functions/connect-flow/event.json differs from testdata/connect/flow-dial.json: copy it again")
	}
}
