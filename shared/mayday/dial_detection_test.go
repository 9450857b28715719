package mayday_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/mayday"
)

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

// With the bus down the dial still answers at once: its events are recorded
// with its write (the outbox) and published when the bus is back, once each.
func TestBusDownAtDial(t *testing.T) {
	f := newFixture(t)
	f.addNumbers("US", "+14255550001")
	f.bus.fail = errors.New("eventbridge down")
	out, err := f.uc.DialDetection.HandleCall(context.Background(), mayday.CallEvent{Type: mayday.CallEventDialed, CallID: "c-1",
		AgentID: "a-1", To: "911", Country: "US", OccurredAt: t0})
	if err != nil || out.CallerIDSource != mayday.CallerLease {
		t.Fatalf("dial with the bus down: %+v, %v; want it answered with a lease", out, err)
	}
	f.end("c-1")
	for range 3 { // the publisher tries again and again while the bus is down
		if got := f.bus.take(events.EmergencyCallStarted); len(got) != 0 {
			t.Fatalf("published %d events with the bus down", len(got))
		}
	}
	if n := len(f.store.PendingEvents()); n != 2 {
		t.Fatalf("%d events pending, want the start and the end", n)
	}
	f.bus.fail = nil
	if n := f.deliver(events.EmergencyCallStarted); n != 1 {
		t.Fatalf("%d starts delivered once the bus is back, want 1", n)
	}
	f.deliver(events.CallbackLeaseAllocated)
	if n := f.deliver(events.EmergencyCallEnded); n != 1 {
		t.Fatalf("%d ends delivered once the bus is back, want 1", n)
	}
	if n := len(f.mail.Emails()); n != 1 {
		t.Errorf("%d emails, want 1", n)
	}
	if p := f.presence("a-1"); p != mayday.Busy {
		t.Errorf("presence = %s, want it restored", p)
	}
	if n := len(f.store.PendingEvents()); n != 0 {
		t.Errorf("%d events still pending", n)
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

func TestDialAnswersTheCallerID(t *testing.T) {
	f := withSites(t)
	out := f.dial("c-1")
	if out.CallerIDSource != mayday.CallerLease || (out.CallerID != "+14255550001" && out.CallerID != "+14255550002") {
		t.Fatalf("answer %+v: want a lease of the agent's home site sea", out)
	}
	if !out.CallbackExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("callbackExpiresAt = %v, want an hour after the dial", out.CallbackExpiresAt)
	}
	if l := out.Location; l == nil || l.SiteID != "sea" || l.Name != "Seattle HQ" || l.Address.PostalCode != "98101" || l.Detail != "" {
		t.Errorf("location = %+v", out.Location)
	}
	if again := f.dial("c-1"); again.CallerID != out.CallerID || !again.CallbackExpiresAt.Equal(out.CallbackExpiresAt) {
		t.Errorf("a repeated dial answered %+v, the first %+v", again, out)
	}
	if p := f.presence("a-1"); p != mayday.DoNotDisturb {
		t.Errorf("presence = %s", p)
	}
	// What the chain announces and emails is what was presented.
	f.deliver(events.EmergencyCallStarted)
	allocated := f.bus.take(events.CallbackLeaseAllocated)
	if len(allocated) != 1 { // the repeated dial recorded nothing new
		t.Fatalf("allocated events = %d, want 1", len(allocated))
	}
	d := allocated[0].Detail.(events.CallbackLeaseDetail)
	if d.CallbackNumber != out.CallerID || d.CallerID != out.CallerID || d.SiteID != "sea" {
		t.Errorf("allocated %+v, presented %s", d, out.CallerID)
	}
	if err := f.uc.EmailNotification.Notify(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	mails := f.mail.Emails()
	if len(mails) != 1 {
		t.Fatalf("%d emails", len(mails))
	}
	m := mails[0]
	if strings.Join(m.To, ",") != "sup@example.com,security@example.com" {
		t.Errorf("to %v: want the agent's contacts then the site's, each once", m.To)
	}
	if !strings.Contains(m.Text, out.CallerID) || !strings.Contains(m.Text, "Seattle HQ: 1 Main St, Seattle, WA 98101, US") {
		t.Errorf("email:\n%s", m.Text)
	}
}

func TestDialFallsBackToTheECBN(t *testing.T) {
	for _, tc := range []struct {
		name    string
		breakIt func(*downStore)
	}{
		{"store down", func(s *downStore) { s.down = true }},
		{"store slower than the state budget", func(s *downStore) { s.delay = 3 * time.Second }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := withSites(t)
			store := &downStore{Store: f.store}
			dial, err := mayday.NewDialDetection(store, f.bus, f.opts)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			// A dial seen while the store was up: this function knows the
			// agent's site and its ECBN.
			if out, _ := dial.HandleCall(ctx, mayday.CallEvent{Type: mayday.CallEventDialed, CallID: "c-0", AgentID: "a-1",
				To: "911", Country: "US", OccurredAt: t0}); out.CallerIDSource != mayday.CallerLease {
				t.Fatalf("with the store up: %+v", out)
			}
			tc.breakIt(store)
			start := time.Now()
			out, err := dial.HandleCall(ctx, mayday.CallEvent{Type: mayday.CallEventDialed, CallID: "c-1", AgentID: "a-1",
				To: "911", Country: "US", OccurredAt: t0})
			if took := time.Since(start); took > f.opts.Config.StateTimeout+500*time.Millisecond {
				t.Errorf("answered after %v; the state budget is %v", took, f.opts.Config.StateTimeout)
			}
			if err != nil || !out.Emergency || out.CallerID != seattle.EmergencyCallbackNumber || out.CallerIDSource != mayday.CallerECBN {
				t.Fatalf("answer %+v, %v; want the site's ECBN", out, err)
			}
			var d events.EmergencyCallStartedDetail
			for _, e := range f.bus.take(events.EmergencyCallStarted) {
				if e.Detail.(events.EmergencyCallStartedDetail).CallID == "c-1" {
					d = e.Detail.(events.EmergencyCallStartedDetail)
				}
			}
			if d.CallerID != seattle.EmergencyCallbackNumber || d.Fallback != mayday.FallbackStoreUnavailable {
				t.Fatalf("started %+v", d)
			}
			// The allocator, once the store is back, announces what the PSAP got.
			if err := f.uc.CallbackLeaseAllocation.Allocate(ctx, d); err != nil {
				t.Fatal(err)
			}
			un := f.bus.take(events.CallbackLeaseUnavailable)
			if len(un) != 1 || !strings.Contains(un[0].Detail.(events.CallbackLeaseDetail).Reason, seattle.EmergencyCallbackNumber) {
				t.Fatalf("unavailable events %+v", un)
			}
			if len(f.bus.take(events.CallbackLeaseAllocated)) != 0 {
				t.Fatal("a lease was announced after the fact")
			}
		})
	}
}

func TestTestCallAnswersWithoutLeasing(t *testing.T) {
	f := withSites(t)
	out := f.call(mayday.CallEventDialed, "c-933", "a-1", "933")
	if out.Emergency || out.Reason != mayday.ReasonTestCall {
		t.Fatalf("933: %+v", out)
	}
	if out.CallerIDSource != mayday.CallerLease || out.CallerID == "" || out.Location == nil || out.Location.SiteID != "sea" {
		t.Fatalf("933 answer %+v: want the caller ID and location an emergency call would get", out)
	}
	held, _ := f.store.LeasesHeldBy(context.Background(), "a-1")
	if len(held) != 0 || f.presence("a-1") != mayday.Busy || len(f.bus.take(events.EmergencyCallStarted)) != 0 {
		t.Fatalf("933 leased %v or changed presence (%s) or started the chain", held, f.presence("a-1"))
	}
	// Then the real dial presents that same number.
	if d := f.dial("c-1"); d.CallerID != out.CallerID {
		t.Errorf("933 read back %s, the emergency call presented %s", out.CallerID, d.CallerID)
	}
	if again := f.call(mayday.CallEventDialed, "c-934", "a-1", "933"); again.CallerID != out.CallerID || again.CallbackExpiresAt.IsZero() {
		t.Errorf("933 with a live lease: %+v; want that lease", again)
	}
}

// TestCallerIDByLocation: every row of the caller-ID order. Only a number
// registered where the caller is, else the platform default, else none;
// the country pool only for an unknown location or a platform that carries
// the location with the call.
func TestCallerIDByLocation(t *testing.T) {
	noECBN := func(f *fixture) {
		s, _ := f.uc.AdminAPI.GetSite(context.Background(), "sea")
		s.EmergencyCallbackNumber = ""
		if _, err := f.uc.AdminAPI.PutSite(context.Background(), "sea", s); err != nil {
			t.Fatal(err)
		}
	}
	emptySea := func(f *fixture) { f.removeNumbers("+14255550001", "+14255550002") }
	unsited := func(f *fixture) {
		if _, err := f.uc.AdminAPI.PutAgent(context.Background(), "a-1", mayday.Profile{Name: "Ada", Country: "US"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name      string
		defaults  bool
		setup     []func(*fixture)
		carries   bool
		want      string
		wantFrom  string
		wantKind  string
		countryOK bool // the country pool's number may be presented
	}{
		{name: "site: a lease of the site's pool", setup: nil, want: "+14255550001|+14255550002", wantFrom: mayday.CallerLease, wantKind: "site"},
		{name: "site, pool empty: its ECBN", setup: []func(*fixture){emptySea}, want: "+14255550100", wantFrom: mayday.CallerECBN, wantKind: "site"},
		{name: "site, pool empty, no ECBN: the platform default", defaults: true, setup: []func(*fixture){emptySea, noECBN},
			want: "+12065550100", wantFrom: mayday.CallerDefault, wantKind: "site"},
		{name: "site, pool empty, no ECBN, no default: none, never the country pool", setup: []func(*fixture){emptySea, noECBN},
			want: "", wantFrom: mayday.CallerNone, wantKind: "site"},
		{name: "Connect site, pool empty: a country-pool lease", carries: true, setup: []func(*fixture){emptySea},
			want: "+14255550009", wantFrom: mayday.CallerLease, wantKind: "site"},
		{name: "remote with own number: the agent's number", setup: []func(*fixture){func(f *fixture) { f.remote(ownNumber) }},
			want: ownNumber, wantFrom: mayday.CallerAgent, wantKind: "remote"},
		{name: "remote without a number: the platform default", defaults: true, setup: []func(*fixture){func(f *fixture) { f.remote("") }},
			want: "+12065550100", wantFrom: mayday.CallerDefault, wantKind: "remote"},
		{name: "remote without a number, no default: none, never the office's", setup: []func(*fixture){func(f *fixture) { f.remote("") }},
			want: "", wantFrom: mayday.CallerNone, wantKind: "remote"},
		{name: "Connect remote without a number: a country-pool lease", carries: true, setup: []func(*fixture){func(f *fixture) { f.remote("") }},
			want: "+14255550009", wantFrom: mayday.CallerLease, wantKind: "remote"},
		{name: "unknown location: a country-pool lease", setup: []func(*fixture){unsited},
			want: "+14255550009", wantFrom: mayday.CallerLease},
		{name: "unknown location, country pool empty: the platform default", defaults: true,
			setup: []func(*fixture){unsited, func(f *fixture) { f.removeNumbers("+14255550009") }},
			want:  "+12065550100", wantFrom: mayday.CallerDefault},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := withSites(t)
			if tc.defaults {
				f = withSites(t, withDefaults)
			}
			for _, s := range tc.setup {
				s(f)
			}
			out := f.handle(mayday.CallEvent{CallID: "c-1", Country: "US", CarriesLocation: tc.carries})
			if !strings.Contains("|"+tc.want+"|", "|"+out.CallerID+"|") || out.CallerIDSource != tc.wantFrom {
				t.Fatalf("presented %q (%s); want %q (%s)", out.CallerID, out.CallerIDSource, tc.want, tc.wantFrom)
			}
			switch {
			case tc.wantKind == "" && out.Location != nil:
				t.Errorf("location %+v; want none", out.Location)
			case tc.wantKind != "" && (out.Location == nil || out.Location.Kind != tc.wantKind):
				t.Errorf("location %+v; want kind %s", out.Location, tc.wantKind)
			}
			// The lease allocator confirms what was presented, never another number.
			f.deliver(events.EmergencyCallStarted)
			allocated, unavailable := f.bus.take(events.CallbackLeaseAllocated), f.bus.take(events.CallbackLeaseUnavailable)
			leaseLike := out.CallerIDSource == mayday.CallerLease || out.CallerIDSource == mayday.CallerAgent
			if leaseLike && (len(allocated) != 1 || allocated[0].Detail.(events.CallbackLeaseDetail).CallbackNumber != out.CallerID) ||
				!leaseLike && len(unavailable) != 1 {
				t.Errorf("allocated %+v, unavailable %+v", allocated, unavailable)
			}
		})
	}
}

// TestWhereADialIs: the call's site, then the client's network, then the
// confirmed location, then the home site; an unknown (or foreign) site in
// the call is ignored and announced.
func TestWhereADialIs(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name        string
		call        mayday.CallEvent
		confirm     *mayday.AgentLocation
		wantSite    string
		wantSource  string
		unknownSite bool
	}{
		{name: "the call's site", call: mayday.CallEvent{SiteID: "bel", ClientIP: "10.7.0.5"}, wantSite: "bel", wantSource: mayday.SourceCall},
		{name: "the client's network", call: mayday.CallEvent{ClientIP: "10.7.0.5"}, confirm: &mayday.AgentLocation{Address: home},
			wantSite: "bel", wantSource: mayday.SourceNetwork},
		{name: "the confirmed site", call: mayday.CallEvent{ClientIP: "192.0.2.1"}, confirm: &mayday.AgentLocation{SiteID: "bel"},
			wantSite: "bel", wantSource: mayday.SourceConfirmed},
		{name: "the confirmed home address", confirm: &mayday.AgentLocation{Address: home}, wantSource: mayday.SourceConfirmed},
		{name: "the home site", wantSite: "sea", wantSource: mayday.SourceHome},
		{name: "an unknown site: the next rule", call: mayday.CallEvent{SiteID: "nowhere"}, wantSite: "sea", wantSource: mayday.SourceHome, unknownSite: true},
		{name: "a site of another country: the next rule", call: mayday.CallEvent{SiteID: "lon"}, wantSite: "sea", wantSource: mayday.SourceHome, unknownSite: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := withSites(t)
			bel, _ := f.uc.AdminAPI.GetSite(ctx, "bel")
			bel.Networks = []string{"10.7.0.0/16"}
			london := mayday.Site{Name: "London", Country: "GB", Address: mayday.Address{HouseNumber: "1", Street: "Strand",
				City: "London", PostalCode: "WC2N 5HR", Country: "GB"}}
			for id, s := range map[string]mayday.Site{"bel": bel, "lon": london} {
				if _, err := f.uc.AdminAPI.PutSite(ctx, id, s); err != nil {
					t.Fatal(err)
				}
			}
			if tc.confirm != nil {
				if _, err := f.uc.AdminAPI.PutLocation(ctx, "a-1", *tc.confirm); err != nil {
					t.Fatal(err)
				}
			}
			tc.call.CallID, tc.call.Country = "c-1", "US"
			out := f.handle(tc.call)
			l := out.Location
			if l == nil || l.SiteID != tc.wantSite || l.Source != tc.wantSource {
				t.Fatalf("location %+v; want site %q from %s", l, tc.wantSite, tc.wantSource)
			}
			if tc.wantSite == "" && (l.Kind != mayday.LocationRemote || l.Address.HouseNumber != "2121" || out.CallerIDSource == mayday.CallerLease) {
				t.Fatalf("remote location %+v presenting %s; want the home address and no office number", l, out.CallerIDSource)
			}
			if tc.wantSite != "" && out.CallerIDSource == mayday.CallerLease && !strings.HasPrefix(out.CallerID, "+1425555000") {
				t.Fatalf("presented %s", out.CallerID)
			}
			if got := len(f.bus.take(events.EmergencyLocationUnknownSite)); got != map[bool]int{true: 1}[tc.unknownSite] {
				t.Errorf("%d Emergency Location Unknown Site events", got)
			}
		})
	}
}

// TestCountryOfADial: the call's country, else the location's, else the
// agent's; unknown, an emergency number is still an emergency.
func TestCountryOfADial(t *testing.T) {
	for _, tc := range []struct {
		name         string
		call         mayday.CallEvent
		agentCountry string
		site         string
		want         mayday.Classification
		unknownEvent bool
	}{
		{name: "the site's country", call: mayday.CallEvent{To: "9-911"}, site: "sea", agentCountry: "GB",
			want: mayday.Classification{Emergency: true, Number: "911", Country: "US"}},
		{name: "the agent's country", call: mayday.CallEvent{To: "999"}, agentCountry: "GB",
			want: mayday.Classification{Emergency: true, Number: "999", Country: "GB"}},
		{name: "unknown: still an emergency", call: mayday.CallEvent{To: "112"},
			want: mayday.Classification{Emergency: true, Number: "112"}, unknownEvent: true},
		{name: "unknown, an ordinary number", call: mayday.CallEvent{To: "+14255551234"},
			want: mayday.Classification{Reason: mayday.ReasonNotEmergencyNumber}},
		{name: "known and unsupported", call: mayday.CallEvent{To: "112", Country: "FR"},
			want: mayday.Classification{Reason: mayday.ReasonLocationUnsupported, Number: "112"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := withSites(t)
			if _, err := f.uc.AdminAPI.PutAgent(context.Background(), "a-1", mayday.Profile{Name: "Ada",
				Country: tc.agentCountry, SiteID: tc.site}); err != nil {
				t.Fatal(err)
			}
			tc.call.CallID = "c-1"
			out := f.handle(tc.call)
			if out.Emergency != tc.want.Emergency || out.Number != tc.want.Number || out.Reason != tc.want.Reason {
				t.Fatalf("%+v; want %+v", out, tc.want)
			}
			started := f.bus.take(events.EmergencyCallStarted)
			if tc.want.Emergency && (len(started) != 1 || started[0].Detail.(events.EmergencyCallStartedDetail).Country != tc.want.Country) {
				t.Fatalf("started %+v; want country %q", started, tc.want.Country)
			}
			if tc.want.Emergency && f.presence("a-1") != mayday.DoNotDisturb {
				t.Errorf("presence %s; want Do Not Disturb", f.presence("a-1"))
			}
			if got := len(f.bus.take(events.EmergencyDialLocationUnknown)); got != map[bool]int{true: 1}[tc.unknownEvent] {
				t.Errorf("%d Emergency Dial Location Unknown events", got)
			}
		})
	}
}
