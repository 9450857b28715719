package mayday_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/mayday"
)

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
		f.agents("b-1", "b-2")
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
		f.agents("b-1", "b-2")
		f.addNumbers("US", "+14255550001", "+14255550002")
		f.call(mayday.CallEventDialed, "c-b1", "b-1", "911")
		f.deliver(events.EmergencyCallStarted)
		f.clock.Advance(10 * time.Minute)
		f.call(mayday.CallEventDialed, "c-b2", "b-2", "911")
		f.deliver(events.EmergencyCallStarted)
		f.bus.take(events.CallbackLeaseAllocated)
		f.end("c-b1") // b-1's call is over: its number may be taken
		f.deliver(events.EmergencyCallEnded)
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

// A take-over passes over numbers whose holder's emergency, a call or a
// callback, is still active: the emergency service may be calling that
// agent back on it. With every number so held, the site's ECBN.
func TestTakeoverPassesOverActiveEmergencies(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// before runs after s-1 (+14255550001, nearest to expiry) and
		// s-2 (+14255550002) leased the site's two numbers.
		before     func(f *fixture)
		wantCaller string
		wantSource string
		wantFrom   string // the agent whose lease is taken over
	}{
		{"both calls up: the ECBN, nothing taken", func(*fixture) {}, seattle.EmergencyCallbackNumber, mayday.CallerECBN, ""},
		{"the nearest holder's call up: the next one's number", func(f *fixture) {
			f.end("c-s2")
			f.deliver(events.EmergencyCallEnded)
		}, "+14255550002", mayday.CallerLease, "s-2"},
		{"both calls over: the nearest to expiry", func(f *fixture) {
			f.end("c-s1")
			f.end("c-s2")
			f.deliver(events.EmergencyCallEnded)
		}, "+14255550001", mayday.CallerLease, "s-1"},
		{"both calls over, both holders called back: the ECBN", func(f *fixture) {
			f.end("c-s1")
			f.end("c-s2")
			f.deliver(events.EmergencyCallEnded)
			for i, id := range []string{"s-1", "s-2"} {
				d, err := f.uc.PriorityCallbackRouting.Route(ctx, mayday.InboundCall{CallID: "cb-" + id,
					From: "+12065550911", To: fmt.Sprintf("+1425555000%d", i+1)})
				if err != nil || d.AgentID != id {
					f.t.Fatalf("callback routed %+v, %v; want %s", d, err, id)
				}
			}
		}, seattle.EmergencyCallbackNumber, mayday.CallerECBN, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := withSites(t)
			f.agents("s-1", "s-2", "s-3")
			f.dialFrom("c-s1", "s-1", "sea", "911")
			f.clock.Advance(time.Minute)
			f.dialFrom("c-s2", "s-2", "sea", "911")
			f.deliver(events.EmergencyCallStarted)
			f.clock.Advance(time.Minute)
			tt.before(f)
			f.bus.take(events.CallbackPoolExhausted)

			out := f.dialFrom("c-s3", "s-3", "sea", "911")
			if out.CallerID != tt.wantCaller || out.CallerIDSource != tt.wantSource {
				t.Fatalf("presented %s (%s), want %s (%s)", out.CallerID, out.CallerIDSource, tt.wantCaller, tt.wantSource)
			}
			f.deliver(events.EmergencyCallStarted)
			ex := f.bus.take(events.CallbackPoolExhausted)
			if len(ex) != 1 || ex[0].Detail.(events.PoolExhaustedDetail).PreviousAgentID != tt.wantFrom {
				t.Fatalf("pool exhausted events %+v, want one taking over from %q", ex, tt.wantFrom)
			}
			for _, id := range []string{"s-1", "s-2"} {
				if lost := f.state(id).Lease == nil; lost != (id == tt.wantFrom) {
					t.Errorf("%s lost its lease: %v, want %v", id, lost, id == tt.wantFrom)
				}
			}
		})
	}
}

// An agent id operators never created never leases, on its first dial or
// any later one: its dial still answers, with the site's ECBN or the
// platform default, and raises the operator event.
func TestUnknownAgentNeverLeases(t *testing.T) {
	tests := []struct {
		name       string
		site       string
		wantCaller string
		wantSource string
	}{
		{"at a site with free numbers: the ECBN", "sea", seattle.EmergencyCallbackNumber, mayday.CallerECBN},
		{"at no site, a country pool with a free number: the default", "", "+12065550100", mayday.CallerDefault},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := withSites(t, withDefaults)
			for i, callID := range []string{"c-g1", "c-g2"} { // the first dial stores an item for ghost-1
				out := f.dialFrom(callID, "ghost-1", tt.site, "911")
				if !out.Emergency || out.CallerID != tt.wantCaller || out.CallerIDSource != tt.wantSource || !out.CallbackExpiresAt.IsZero() {
					t.Fatalf("dial %d answered %+v, want %s (%s) and no lease", i+1, out, tt.wantCaller, tt.wantSource)
				}
				unknown := f.bus.take(events.EmergencyDialUnknownAgent)
				if len(unknown) != 1 || unknown[0].Detail.(events.LocationUnknownDetail).AgentID != "ghost-1" {
					t.Fatalf("dial %d: events %+v, want one Emergency Dial Unknown Agent for ghost-1", i+1, unknown)
				}
				f.deliver(events.EmergencyCallStarted)
				if len(f.bus.take(events.CallbackLeaseUnavailable)) != 1 || len(f.bus.take(events.CallbackPoolExhausted)) != 0 {
					t.Fatalf("dial %d: want Callback Lease Unavailable, no Callback Pool Exhausted", i+1)
				}
				if f.presence("ghost-1") != mayday.DoNotDisturb {
					t.Fatalf("dial %d: ghost-1 not on Do Not Disturb", i+1)
				}
				f.end(callID)
				f.deliver(events.EmergencyCallEnded)
			}
			held, err := f.store.LeasesHeldBy(context.Background(), "ghost-1")
			if err != nil || len(held) != 0 {
				t.Fatalf("ghost-1 holds %+v, %v; want nothing", held, err)
			}
			// The callback to a pool number reaches no ghost: no live lease.
			d, err := f.uc.PriorityCallbackRouting.Route(context.Background(), mayday.InboundCall{CallID: "cb-1", To: "+14255550001"})
			if err != nil || d.Route != mayday.RouteFallback {
				t.Fatalf("callback routed %+v, %v; want the fallback", d, err)
			}
		})
	}
}

func TestConcurrentDialsNeverShareANumber(t *testing.T) {
	f := newFixture(t)
	const n = 50
	for i := range n {
		f.addNumbers("US", "+1425555"+string(rune('0'+i/10))+string(rune('0'+i%10))+"00")
	}
	ctx := context.Background()
	agentID := func(i int) string { return "x-" + string(rune('A'+i/26)) + string(rune('a'+i%26)) }
	for i := range n {
		f.agents(agentID(i))
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	answers := make([]mayday.CallOutcome, n)
	for i := range n {
		wg.Go(func() {
			id := agentID(i)
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

func TestSitePools(t *testing.T) {
	t.Run("a dial at a site leases only that site's numbers", func(t *testing.T) {
		f := withSites(t)
		f.agents("b-1", "b-2")
		if out := f.dialFrom("c-1", "b-1", "bel", "911"); out.CallerID != "+14255550003" {
			t.Fatalf("at bel: %+v", out)
		}
		// bel's one number is taken: once b-1's call is over, the next
		// dial there takes it over, never sea's numbers nor the country
		// pool's.
		f.end("c-1")
		f.deliver(events.EmergencyCallEnded)
		f.clock.Advance(time.Minute)
		out := f.dialFrom("c-2", "b-2", "bel", "911")
		if out.CallerID != "+14255550003" {
			t.Fatalf("second dial at bel presented %+v; want the take-over of bel's number", out)
		}
		f.deliver(events.EmergencyCallStarted)
		ex := f.bus.take(events.CallbackPoolExhausted)
		if len(ex) != 1 || ex[0].Detail.(events.PoolExhaustedDetail).PreviousAgentID != "b-1" ||
			ex[0].Detail.(events.PoolExhaustedDetail).SiteID != "bel" {
			t.Fatalf("exhausted events %+v", ex)
		}
	})
	t.Run("a site with no numbers presents its ECBN, never the country pool's", func(t *testing.T) {
		f := withSites(t)
		empty := seattle
		empty.Name = "Tacoma"
		if _, err := f.uc.AdminAPI.PutSite(context.Background(), "tac", empty); err != nil {
			t.Fatal(err)
		}
		out := f.dialFrom("c-1", "t-1", "tac", "911")
		if out.CallerID != empty.EmergencyCallbackNumber || out.CallerIDSource != mayday.CallerECBN ||
			out.Location == nil || out.Location.SiteID != "tac" {
			t.Fatalf("at an empty site: %+v; want the site's ECBN (the country pool's number is registered elsewhere)", out)
		}
	})
	t.Run("an empty pool presents the site's ECBN", func(t *testing.T) {
		f := withSites(t)
		london := mayday.Site{Name: "London", Country: "GB", EmergencyCallbackNumber: "+442071230000",
			Address: mayday.Address{Street: "1 Strand", City: "London", PostalCode: "WC2N 5HR", Country: "GB"}}
		if _, err := f.uc.AdminAPI.PutSite(context.Background(), "lon", london); err != nil {
			t.Fatal(err)
		}
		f.agents("g-1")
		out, err := f.uc.DialDetection.HandleCall(context.Background(), mayday.CallEvent{Type: mayday.CallEventDialed,
			CallID: "c-1", AgentID: "g-1", To: "999", Country: "GB", SiteID: "lon", OccurredAt: t0})
		if err != nil || out.CallerID != "+442071230000" || out.CallerIDSource != mayday.CallerECBN || !out.CallbackExpiresAt.IsZero() {
			t.Fatalf("%+v, %v; want London's ECBN and no expiry", out, err)
		}
		f.deliver(events.EmergencyCallStarted)
		if len(f.bus.take(events.CallbackLeaseUnavailable)) != 1 || len(f.bus.take(events.CallbackPoolExhausted)) != 1 {
			t.Fatal("want Callback Lease Unavailable and Callback Pool Exhausted")
		}
	})
	t.Run("a site whose numbers are gone presents its ECBN", func(t *testing.T) {
		f := withSites(t)
		f.dialFrom("c-1", "s-1", "sea", "911")
		f.dialFrom("c-2", "s-2", "sea", "911")
		f.clock.Advance(2 * time.Hour) // both leases run out: then taken over, not ECBN
		for _, n := range []string{"+14255550001", "+14255550002"} {
			if err := f.uc.AdminAPI.RemoveNumber(context.Background(), n); err != nil {
				t.Fatal(err)
			}
		}
		// sea has no numbers left: its ECBN, and the country pool's
		// number stays free.
		if out := f.dialFrom("c-3", "s-3", "sea", "911"); out.CallerID != seattle.EmergencyCallbackNumber {
			t.Fatalf("%+v", out)
		}
		if err := f.uc.AdminAPI.RemoveNumber(context.Background(), "+14255550009"); err != nil {
			t.Fatalf("removing the unleased country-pool number: %v", err)
		}
	})
}

// A dial takes the free number released longest ago (a late callback is then
// unlikely to reach its new holder), and with none free, takes over the lease
// nearest to expiry.
func TestDialChoosesLeastRecentlyReleased(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.agents("b-0", "b-1", "b-2", "b-9")
	f.addNumbers("US", "+14255550001", "+14255550002", "+14255550003")
	for n, ago := range map[string]time.Duration{"+14255550001": time.Minute, "+14255550002": 3 * time.Hour, "+14255550003": time.Hour} {
		if _, err := f.store.UpdateNumber(ctx, n, func(c *mayday.CallbackNumber) error {
			c.ReleasedAt = t0.Add(-ago)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range []string{"+14255550002", "+14255550003", "+14255550001"} {
		f.clock.Advance(time.Minute)
		if out := f.dialFrom(fmt.Sprintf("c-%d", i), fmt.Sprintf("b-%d", i), "", "911"); out.CallerID != want {
			t.Fatalf("dial %d presented %s, want %s (released longest ago)", i, out.CallerID, want)
		}
	}
	// All leased: once its holder's call is over, the lease nearest to
	// expiry (the first one taken) is taken over.
	f.end("c-0")
	f.deliver(events.EmergencyCallEnded)
	if out := f.dialFrom("c-9", "b-9", "", "911"); out.CallerID != "+14255550002" {
		t.Fatalf("take-over presented %s, want +14255550002", out.CallerID)
	}
}
