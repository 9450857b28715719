package mayday_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
)

var seattle = mayday.Site{Name: "Seattle HQ", Country: "US", EmergencyCallbackNumber: "+14255550100",
	Address: mayday.Address{Street: "1 Main St", City: "Seattle", Region: "WA", PostalCode: "98101", Country: "US"},
	Notify:  []string{"security@example.com", "SUP@example.com"}}

// withSites adds sites "sea" (two numbers) and "bel" (one number, no ECBN)
// beside a country pool of one number, and puts a-1 at "sea".
func withSites(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
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
	if len(allocated) != 2 { // the dial was sent twice
		t.Fatalf("allocated events = %d, want 2", len(allocated))
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

func TestSitePools(t *testing.T) {
	t.Run("a dial at a site leases only that site's numbers", func(t *testing.T) {
		f := withSites(t)
		if out := f.dialFrom("c-1", "b-1", "bel", "911"); out.CallerID != "+14255550003" {
			t.Fatalf("at bel: %+v", out)
		}
		// bel's one number is taken: the next dial there takes it over,
		// never sea's numbers nor the country pool's.
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

func (s *downStore) ReadSetup(ctx context.Context, agentID, callID string) (mayday.Agent, mayday.Call, error) {
	if err := s.fail(ctx); err != nil {
		return mayday.Agent{}, mayday.Call{}, err
	}
	return s.Store.ReadSetup(ctx, agentID, callID)
}

func (s *downStore) WriteSetup(ctx context.Context, c mayday.Call, a mayday.Agent, n *mayday.CallbackNumber) (mayday.Call, mayday.Agent, *mayday.CallbackNumber, error) {
	if err := s.fail(ctx); err != nil {
		return mayday.Call{}, mayday.Agent{}, nil, err
	}
	return s.Store.WriteSetup(ctx, c, a, n)
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
			started := f.bus.take(events.EmergencyCallStarted)
			d := started[len(started)-1].Detail.(events.EmergencyCallStartedDetail)
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

func TestSitesAdmin(t *testing.T) {
	f := withSites(t)
	ctx := context.Background()
	bad := func(change func(*mayday.Site)) error {
		s := seattle
		change(&s)
		_, err := f.uc.AdminAPI.PutSite(ctx, "x", s)
		return err
	}
	for _, tc := range []struct {
		name   string
		change func(*mayday.Site)
		field  string
	}{
		{"no name", func(s *mayday.Site) { s.Name = " " }, "name"},
		{"no street", func(s *mayday.Site) { s.Address.Street = "" }, "address.street"},
		{"no city", func(s *mayday.Site) { s.Address.City = "" }, "address.city"},
		{"no address country", func(s *mayday.Site) { s.Address.Country = "" }, "address.country"},
		{"unsupported country", func(s *mayday.Site) { s.Country, s.Address.Country = "FR", "FR" }, "country"},
		{"bad ECBN", func(s *mayday.Site) { s.EmergencyCallbackNumber = "12345" }, "emergencyCallbackNumber"},
		{"bad notify address", func(s *mayday.Site) { s.Notify = []string{"nope"} }, "notify"},
	} {
		if err := bad(tc.change); !errors.Is(err, mayday.ErrInvalid) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: %v; want ErrInvalid naming %s", tc.name, err, tc.field)
		}
	}
	if _, _, err := f.uc.AdminAPI.AddNumberAt(ctx, "+442071230001", "GB", "sea"); !errors.Is(err, mayday.ErrInvalid) {
		t.Errorf("a GB number at a US site: %v", err)
	}
	if _, _, err := f.uc.AdminAPI.AddNumberAt(ctx, "+14255550001", "US", "bel"); !errors.Is(err, mayday.ErrConflict) {
		t.Errorf("moving a number to another site: %v", err)
	}
	if _, err := f.uc.AdminAPI.PutAgent(ctx, "a-2", mayday.Profile{Name: "B", Country: "US", SiteID: "nowhere"}); !errors.Is(err, mayday.ErrInvalid) ||
		!strings.Contains(err.Error(), "nowhere") {
		t.Errorf("an agent at an unknown site: %v", err)
	}
	if err := f.uc.AdminAPI.DeleteSite(ctx, "sea"); !errors.Is(err, mayday.ErrConflict) || !strings.Contains(err.Error(), "agent a-1") {
		t.Errorf("deleting a site in use: %v", err)
	}
	if err := f.uc.AdminAPI.RemoveNumber(ctx, "+14255550003"); err != nil {
		t.Fatal(err)
	}
	if err := f.uc.AdminAPI.DeleteSite(ctx, "bel"); err != nil {
		t.Fatalf("deleting an unused site: %v", err)
	}
	if _, err := f.uc.AdminAPI.GetSite(ctx, "bel"); !errors.Is(err, mayday.ErrNotFound) {
		t.Errorf("deleted site: %v", err)
	}
	r, err := f.uc.AdminAPI.Readiness(ctx, "a-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Checks {
		if (c.Name == "site" || c.Name == "callbackPool") && !c.OK {
			t.Errorf("readiness %s: %s", c.Name, c.Fix)
		}
	}
}

// A dial takes the free number released longest ago (a late callback is then
// unlikely to reach its new holder), and with none free, takes over the lease
// nearest to expiry.
func TestDialChoosesLeastRecentlyReleased(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
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
	// All leased: the lease nearest to expiry (the first one taken) is taken over.
	if out := f.dialFrom("c-9", "b-9", "", "911"); out.CallerID != "+14255550002" {
		t.Fatalf("take-over presented %s, want +14255550002", out.CallerID)
	}
}

// The agent's contacts and the site's recipients may each be at SES's limit
// of 50 recipients a message: together they go out in as many messages as
// that takes, each address once.
func TestNotificationOverTheRecipientLimit(t *testing.T) {
	f := withSites(t)
	ctx := context.Background()
	var contacts, notify []string
	for i := range 50 {
		contacts = append(contacts, fmt.Sprintf("c%d@example.com", i))
	}
	for i := range 10 {
		notify = append(notify, fmt.Sprintf("n%d@example.com", i))
	}
	notify = append(notify, "C0@example.com") // a contact again
	site := seattle
	site.Notify = notify
	if _, err := f.uc.AdminAPI.PutSite(ctx, "sea", site); err != nil {
		t.Fatal(err)
	}
	if _, err := f.uc.AdminAPI.SetContacts(ctx, "a-1", contacts); err != nil {
		t.Fatal(err)
	}
	f.dial("c-1")
	f.deliver(events.EmergencyCallStarted)
	f.deliver(events.CallbackLeaseAllocated)
	got := map[string]int{}
	mails := f.mail.Emails()
	for _, m := range mails {
		for _, a := range m.To {
			got[strings.ToLower(a)]++
		}
	}
	if len(mails) != 2 || len(got) != 60 {
		t.Fatalf("%d emails to %d addresses; want 2 messages reaching all 60", len(mails), len(got))
	}
	for a, n := range got {
		if n != 1 {
			t.Errorf("%s got %d emails", a, n)
		}
	}
}
