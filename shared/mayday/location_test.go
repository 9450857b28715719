package mayday_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/mayday"
)

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
				f = withSitesConfigured(t, withDefaults)
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

func withSitesConfigured(t *testing.T, configure func(*mayday.Config)) *fixture {
	t.Helper()
	f := newFixture(t, configure)
	g := withSites(t)
	// withSites builds its own fixture; redo its setup on this one.
	ctx := context.Background()
	sites, _ := g.uc.AdminAPI.Sites(ctx)
	for _, s := range sites {
		if _, err := f.uc.AdminAPI.PutSite(ctx, s.ID, s); err != nil {
			t.Fatal(err)
		}
	}
	numbers, _ := g.uc.AdminAPI.Numbers(ctx)
	for _, n := range numbers {
		if _, _, err := f.uc.AdminAPI.AddNumberAt(ctx, n.Number, n.Country, n.SiteID); err != nil {
			t.Fatal(err)
		}
	}
	a, _ := g.uc.AdminAPI.GetAgent(ctx, "a-1")
	if _, err := f.uc.AdminAPI.PutAgent(ctx, "a-1", mayday.Profile{Name: a.Name, Email: a.Email, Presence: a.Presence,
		Country: a.Country, EmergencyContacts: a.EmergencyContacts, BrowserLocation: true, SiteID: a.SiteID}); err != nil {
		t.Fatal(err)
	}
	return f
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

// TestRemoteAgentsOwnNumber: a remote agent's own number is presented, a
// PSAP callback to it reaches the agent at emergency priority during the
// lease period, and afterwards it is an ordinary call again.
func TestRemoteAgentsOwnNumber(t *testing.T) {
	f := withSites(t)
	f.remote(ownNumber)
	out := f.handle(mayday.CallEvent{CallID: "c-1", Country: "US"})
	if out.CallerID != ownNumber || out.CallerIDSource != mayday.CallerAgent || !out.CallbackExpiresAt.Equal(t0.Add(time.Hour)) ||
		out.Location == nil || out.Location.Address != home || out.Location.Detail != "Home office" {
		t.Fatalf("answer %+v", out)
	}
	// The email says where the call was sent from and what number the
	// emergency service got.
	f.deliver(events.EmergencyCallStarted)
	f.deliver(events.CallbackLeaseAllocated)
	if mails := f.mail.Emails(); len(mails) != 1 || !strings.Contains(mails[0].Text, "Remote: 2121 7th Ave, Seattle, WA 98121, US (Home office)") ||
		!strings.Contains(mails[0].Text, "Callback number: "+ownNumber) || !strings.Contains(mails[0].Text, "The agent's own number") ||
		!strings.Contains(mails[0].Text, "Address confirmed by the agent") {
		t.Fatalf("emails %+v", mails)
	}
	f.end("c-1")
	f.clock.Advance(10 * time.Minute)
	ctx := context.Background()
	d, err := f.uc.PriorityCallbackRouting.Route(ctx, mayday.InboundCall{CallID: "c-9", From: "+12065550911", To: ownNumber})
	if err != nil || d.Route != mayday.RouteAgent || d.AgentID != "a-1" || d.Priority != mayday.PriorityEmergency {
		t.Fatalf("callback: %+v, %v", d, err)
	}
	if f.presence("a-1") != mayday.DoNotDisturb {
		t.Errorf("presence during the callback: %s", f.presence("a-1"))
	}
	f.end("c-9")
	// The callback renewed the period: an hour from the callback.
	f.clock.Advance(55 * time.Minute)
	if d, _ := f.uc.PriorityCallbackRouting.Route(ctx, mayday.InboundCall{CallID: "c-10", To: ownNumber}); d.Route != mayday.RouteAgent {
		t.Fatalf("within the renewed period: %+v", d)
	}
	f.end("c-10")
	f.clock.Advance(2 * time.Hour)
	if d, _ := f.uc.PriorityCallbackRouting.Route(ctx, mayday.InboundCall{CallID: "c-11", To: ownNumber}); d.Route != mayday.RouteDefault {
		t.Fatalf("after the period: %+v; want the agent's line handed back", d)
	}
	// The number is the agent's: never in a pool, never another agent's.
	if _, _, err := f.uc.AdminAPI.AddNumberAt(ctx, ownNumber, "US", ""); !errors.Is(err, mayday.ErrConflict) {
		t.Errorf("adding the agent's own number to the pool: %v", err)
	}
	if _, err := f.uc.AdminAPI.PutAgent(ctx, "a-2", mayday.Profile{Name: "Bo", Country: "US"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.uc.AdminAPI.PutLocation(ctx, "a-2", mayday.AgentLocation{Address: home, CallbackNumber: ownNumber}); !errors.Is(err, mayday.ErrConflict) {
		t.Errorf("another agent claiming the number: %v", err)
	}
	if _, err := f.uc.AdminAPI.PutLocation(ctx, "a-2", mayday.AgentLocation{Address: home, CallbackNumber: "+14255550001"}); !errors.Is(err, mayday.ErrConflict) {
		t.Errorf("a pool number as an agent's own: %v", err)
	}
}

// TestAgentLocationAdmin: what an agent may confirm, and for how long.
func TestAgentLocationAdmin(t *testing.T) {
	f := withSites(t)
	ctx := context.Background()
	bad := func(change func(*mayday.AgentLocation)) error {
		l := mayday.AgentLocation{Address: home}
		change(&l)
		_, err := f.uc.AdminAPI.PutLocation(ctx, "a-1", l)
		return err
	}
	for _, tc := range []struct {
		name, field string
		change      func(*mayday.AgentLocation)
	}{
		{"unknown site", "nowhere", func(l *mayday.AgentLocation) { l.Address, l.SiteID = mayday.Address{}, "nowhere" }},
		{"site and address", "not both", func(l *mayday.AgentLocation) { l.SiteID = "sea" }},
		{"nothing", "siteId or address", func(l *mayday.AgentLocation) { l.Address = mayday.Address{} }},
		{"no house number", "address.houseNumber", func(l *mayday.AgentLocation) { l.Address.HouseNumber = "" }},
		{"no postal code in the US", "address.postalCode", func(l *mayday.AgentLocation) { l.Address.PostalCode = "" }},
		{"unsupported country", "address.country", func(l *mayday.AgentLocation) {
			l.Address = mayday.Address{HouseNumber: "1", Street: "Rue de Rivoli", City: "Paris", Country: "FR"}
		}},
		{"malformed number", "callbackNumber", func(l *mayday.AgentLocation) { l.CallbackNumber = "555-0142" }},
		{"a number of another country", "callbackNumber", func(l *mayday.AgentLocation) { l.CallbackNumber = "+442071230001" }},
		{"a control character", "detail", func(l *mayday.AgentLocation) { l.Detail = "desk\u0007" }},
	} {
		if err := bad(tc.change); !errors.Is(err, mayday.ErrInvalid) && !errors.Is(err, mayday.ErrConflict) || err == nil ||
			!strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: %v; want an error naming %s", tc.name, err, tc.field)
		}
	}
	if _, err := f.uc.AdminAPI.Location(ctx, "a-1"); !errors.Is(err, mayday.ErrNotFound) {
		t.Fatalf("no location yet: %v", err)
	}
	// The r2 one-line street is split.
	l, err := f.uc.AdminAPI.PutLocation(ctx, "a-1", mayday.AgentLocation{Address: mayday.Address{Street: "2121 7th Ave",
		City: "Seattle", Region: "WA", PostalCode: "98121", Country: "us"}})
	if err != nil || l.Address.HouseNumber != "2121" || l.Address.Street != "7th Ave" || l.Address.Country != "US" ||
		!l.ExpiresAt.Equal(t0.Add(12*time.Hour)) || !l.Validated {
		t.Fatalf("%+v, %v", l, err)
	}
	// An address the geocoder does not recognise is kept, marked so.
	odd := home
	odd.PostalCode = "9812"
	if l, err := f.uc.AdminAPI.PutLocation(ctx, "a-1", mayday.AgentLocation{Address: odd}); err != nil || l.Validated {
		t.Fatalf("an unverifiable address: %+v, %v; want it kept, not validated", l, err)
	}
	f.clock.Advance(12 * time.Hour)
	if _, err := f.uc.AdminAPI.Location(ctx, "a-1"); !errors.Is(err, mayday.ErrNotFound) {
		t.Fatalf("after a shift: %v; want none current", err)
	}
	if out := f.handle(mayday.CallEvent{CallID: "c-1", Country: "US"}); out.Location == nil || out.Location.Source != mayday.SourceHome {
		t.Fatalf("an expired location still located the dial: %+v", out.Location)
	}
	if _, err := f.uc.AdminAPI.PutLocation(ctx, "ghost", mayday.AgentLocation{SiteID: "sea"}); !errors.Is(err, mayday.ErrNotFound) {
		t.Errorf("an unknown agent: %v", err)
	}
	if _, err := f.uc.AdminAPI.PutLocation(ctx, "a-1", mayday.AgentLocation{SiteID: "bel"}); err != nil {
		t.Fatal(err)
	}
	if err := f.uc.AdminAPI.ClearLocation(ctx, "a-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.uc.AdminAPI.Location(ctx, "a-1"); !errors.Is(err, mayday.ErrNotFound) {
		t.Fatalf("after DELETE: %v", err)
	}
}
