package mayday

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/mayday/mayday/events"
)

// DialDetection is the dial-detection function's use case: the telephony
// platform's call-lifecycle webhook. A dial of an emergency number puts the
// agent on Do Not Disturb and starts the chain ("Emergency Call Started");
// the end of any call ends it ("Emergency Call Ended", or "Call Ended" for an
// ordinary call, which call history records).
type DialDetection struct {
	ports
	sites *siteCache
	pools *pools
}

// NewDialDetection builds the use case; every port is required.
func NewDialDetection(store Store, events Publisher, o Options) (*DialDetection, error) {
	p, err := newPorts("dial detection", o, store, events, port{"store", store}, port{"publisher", events})
	if err != nil {
		return nil, err
	}
	return &DialDetection{ports: p, sites: newSiteCache(), pools: newPools()}, nil
}

// CallEvent is a call-lifecycle webhook.
type CallEvent struct {
	Type    string
	CallID  string
	AgentID string
	From    string
	To      string
	Country string
	// SiteID is where the agent is now; empty: the agent's home site.
	SiteID string
	// Location is free-text detail: desk, floor.
	Location string
	// ClientIP is the agent's device address, matched to sites' networks.
	ClientIP string
	// CarriesLocation: the platform passes the location with the call
	// (Amazon Connect's CivicAddress), so a country-pool number may serve
	// a located call.
	CarriesLocation bool
	OccurredAt      time.Time
}

const (
	CallEventDialed = "call.dialed"
	CallEventEnded  = "call.ended"
)

// Validate names the first missing or malformed field.
func (e CallEvent) Validate() error {
	missing := func(f string) error { return fmt.Errorf("%w: %s is required", ErrInvalid, f) }
	if err := e.validInput(); err != nil {
		return err
	}
	switch {
	case e.Type != CallEventDialed && e.Type != CallEventEnded:
		return fmt.Errorf("%w: type %q (want %q or %q)", ErrInvalid, e.Type, CallEventDialed, CallEventEnded)
	case e.CallID == "":
		return missing("callId")
	case e.OccurredAt.IsZero():
		return missing("occurredAt")
	case e.Type == CallEventEnded:
		return nil
	case e.AgentID == "":
		return missing("agentId")
	case e.To == "":
		return missing("to")
	}
	if e.ClientIP != "" {
		if _, err := netip.ParseAddr(e.ClientIP); err != nil {
			return fmt.Errorf("%w: clientIp %q is not an IP address", ErrInvalid, e.ClientIP)
		}
	}
	return nil
}

// CallOutcome is the webhook's answer. For an emergency dial (and a 933
// test call) it says what the platform presents as the calling number:
// CallerID, with CallbackExpiresAt when it is a callback lease; and the
// dispatchable location Mayday knows.
type CallOutcome struct {
	CallID            string
	Emergency         bool
	Reason            string
	CallerID          string
	CallerIDSource    string
	CallbackExpiresAt time.Time
	Location          *Location

	// Number is the emergency or test number recognised, access prefix
	// stripped: what a platform that places the call itself dials.
	Number string
}

var earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// maxClockSkew is how far a sender's occurredAt may be from receipt before
// it is logged as suspect. It is recorded as sent either way; no timer ever
// counts from it.
const maxClockSkew = 5 * time.Minute

// HandleCall applies a validated call-lifecycle webhook.
func (d *DialDetection) HandleCall(ctx context.Context, e CallEvent) (CallOutcome, error) {
	if err := e.Validate(); err != nil {
		return CallOutcome{}, err
	}
	// Times far off are a sender's bug; they would also overflow the
	// records' expiry.
	if e.OccurredAt.Before(earliest) || e.OccurredAt.After(d.now().Add(24*time.Hour)) {
		return CallOutcome{}, fmt.Errorf("%w: occurredAt %s is before 2000 or more than a day ahead", ErrInvalid,
			e.OccurredAt.UTC().Format(time.RFC3339))
	}
	ctx, cancel := context.WithTimeout(ctx, d.cfg.WebhookBudget)
	defer cancel()
	if e.Type == CallEventEnded {
		return d.ended(ctx, e)
	}
	return d.dialed(ctx, e)
}

// dialed records an ordinary call, or sets an emergency one up before it
// answers: Do Not Disturb and the lease whose number the platform presents,
// bounded by StateTimeout. The rest of the chain runs through the bus; when
// the setup failed, the lease allocator applies Do Not Disturb with retries.
func (d *DialDetection) dialed(ctx context.Context, e CallEvent) (CallOutcome, error) {
	cls, countryUnknown := d.classify(ctx, e)
	out := CallOutcome{CallID: e.CallID, Emergency: cls.Emergency, Reason: cls.Reason, Number: cls.Number}
	received := d.now().UTC()
	call := Call{ID: e.CallID, AgentID: e.AgentID, From: e.From, To: e.To, Country: cls.Country,
		Location: e.Location, Number: cls.Number, StartedAt: e.OccurredAt.UTC(), ReceivedAt: received, Kind: KindOrdinary}
	switch {
	case cls.Emergency:
		call.Kind = KindOutbound
	case cls.Reason == ReasonLocationUnsupported:
		call.Kind = KindUnsupported
	}
	log := d.log.With("callId", e.CallID, "agentId", e.AgentID)
	if skew := call.StartedAt.Sub(received); skew > maxClockSkew || skew < -maxClockSkew {
		log.Warn("occurredAt far from receipt: recorded as sent, timers count from receipt", "skewSeconds", int64(skew.Seconds()))
	}

	if !cls.Emergency {
		test := cls.Reason == ReasonTestCall
		var pr presented
		if test {
			wctx, cancel := context.WithTimeout(ctx, d.cfg.StateTimeout)
			pr = d.preview(wctx, e, cls.Country)
			cancel()
			d.answer(&out, pr)
		}
		_, first, err := d.recordStartAnnouncing(ctx, call, func(c Call) []events.Event {
			var evs []events.Event
			if c.Kind == KindUnsupported {
				evs = append(evs, events.Event{DetailType: events.EmergencyDialUnsupported, Detail: events.DialUnsupportedDetail{
					CallID: e.CallID, AgentID: e.AgentID, EmergencyNumber: cls.Number, Country: cls.Country, At: d.now()}})
			}
			if test { // the site's desk may want to hear of it, once
				evs = append(evs, events.Event{DetailType: events.EmergencyTestCall, Detail: startedDetail(e, cls, call, pr)})
			}
			if c.Ended() && c.Kind == KindOrdinary { // its end came first
				evs = append(evs, endedEvent(c))
			}
			return evs
		})
		if err != nil {
			return out, err
		}
		if first && call.Kind == KindUnsupported {
			log.Warn("emergency number dialed from an unsupported location", "country", cls.Country)
		}
		return out, nil
	}

	announce := func(pr presented) []events.Event { return d.startEvents(e, call, cls, countryUnknown, pr) }
	wctx, cancel := context.WithTimeout(ctx, d.cfg.StateTimeout)
	pr, err := d.setUp(wctx, call, e, announce)
	cancel()
	d.answer(&out, pr)
	if err != nil {
		log.Error("call set up without a lease; the lease allocator announces what was presented", "err", err,
			"presenceApplied", pr.presenceApplied, "callerIdSource", pr.source)
		// Nothing was recorded to publish from: the chain starts from
		// this publish alone.
		if perr := d.publish(ctx, announce(pr)...); perr != nil {
			return out, perr
		}
	}
	log.Info("emergency call started", "country", cls.Country, "siteId", pr.where.siteID(),
		"presenceApplied", pr.presenceApplied, "callerIdSource", pr.source, "outboxed", err == nil)
	return out, nil
}

// startEvents are the events of an emergency dial that presents pr:
// "Emergency Call Started" and, unless the dial repeats one already set
// up, the operator events of what Mayday could not establish.
func (d *DialDetection) startEvents(e CallEvent, call Call, cls Classification, countryUnknown bool, pr presented) []events.Event {
	evs := []events.Event{{DetailType: events.EmergencyCallStarted, Detail: startedDetail(e, cls, call, pr)}}
	if !pr.repeat {
		evs = append(evs, d.locationEvents(e, cls, countryUnknown, pr)...)
	}
	return evs
}

// startedDetail is what the dial presented, for "Emergency Call Started"
// (and a test call's "Emergency Test Call").
func startedDetail(e CallEvent, cls Classification, call Call, pr presented) events.EmergencyCallStartedDetail {
	started := events.EmergencyCallStartedDetail{CallID: e.CallID, AgentID: e.AgentID, DialedNumber: e.To,
		EmergencyNumber: cls.Number, Country: cls.Country, Location: e.Location, StartedAt: call.StartedAt,
		ReceivedAt: call.ReceivedAt, PresenceApplied: pr.presenceApplied, CallerID: pr.callerID, CallerIDSource: pr.source, Fallback: pr.fallback}
	if l := pr.where.loc; l != nil {
		started.SiteID, started.LocationKind, started.LocationSource, started.Location = l.SiteID, l.Kind, l.Source, l.Detail
		started.LocationValidated = l.Validated
		started.Address = addressDetail(l.Address)
	}
	if pr.takeover != nil {
		started.TakenOverFromAgentID, started.TakenOverFromCallID = pr.takeover.AgentID, pr.takeover.CallID
	}
	if !pr.expires.IsZero() {
		started.LeaseExpiresAt = &pr.expires
	}
	return started
}

// classify decides whether the dial is an emergency call. A call that
// names no country takes its location's, else the agent's; when that too
// is unknown (or cannot be read in time), countryUnknown is set and the
// dial of any supported country's emergency number is an emergency.
func (d *DialDetection) classify(ctx context.Context, e CallEvent) (cls Classification, countryUnknown bool) {
	if e.Country != "" {
		return d.cfg.Dial.Classify(e.To, e.Country), false
	}
	ctx, cancel := context.WithTimeout(ctx, d.cfg.StateTimeout)
	defer cancel()
	agent, err := d.store.GetAgent(ctx, e.AgentID)
	if err == nil || errors.Is(err, ErrNotFound) {
		w, _ := d.locate(ctx, e, agent, d.now())
		if c := cmp.Or(w.country(), NormaliseCountry(agent.Country)); c != "" {
			return d.cfg.Dial.Classify(e.To, c), false
		}
	}
	return d.cfg.Dial.ClassifyAnywhere(e.To), true
}

// locationEvents are the operator events of a dial whose location,
// country or agent Mayday could not establish.
func (d *DialDetection) locationEvents(e CallEvent, cls Classification, countryUnknown bool, pr presented) []events.Event {
	var evs []events.Event
	log := d.log.With("callId", e.CallID, "agentId", e.AgentID)
	if pr.where.unknownSite != "" {
		log.Warn("dial names an unknown site; located by the next rule", "siteId", pr.where.unknownSite)
		evs = append(evs, events.Event{DetailType: events.EmergencyLocationUnknownSite, Detail: events.LocationUnknownDetail{
			CallID: e.CallID, AgentID: e.AgentID, SiteID: pr.where.unknownSite, Country: cls.Country,
			CallerID: pr.callerID, CallerIDSource: pr.source, At: d.now()}})
	}
	if pr.unknownAgent {
		log.Warn("emergency dial of an agent id operators never created; no callback lease")
		evs = append(evs, events.Event{DetailType: events.EmergencyDialUnknownAgent, Detail: events.LocationUnknownDetail{
			CallID: e.CallID, AgentID: e.AgentID, SiteID: pr.where.siteID(), EmergencyNumber: cls.Number, Country: cls.Country,
			CallerID: pr.callerID, CallerIDSource: pr.source, At: d.now()}})
	}
	if countryUnknown {
		log.Warn("emergency dial with no known country; handled as an emergency")
		evs = append(evs, events.Event{DetailType: events.EmergencyDialLocationUnknown, Detail: events.LocationUnknownDetail{
			CallID: e.CallID, AgentID: e.AgentID, EmergencyNumber: cls.Number,
			CallerID: pr.callerID, CallerIDSource: pr.source, At: d.now()}})
	}
	return evs
}

// presented is what a dial answer presents.
type presented struct {
	callerID string
	source   string // CallerLease, CallerECBN, CallerAgent, CallerDefault, CallerNone
	expires  time.Time
	fallback string // why no lease
	where    whereabouts
	takeover *Lease // the lease taken over from another agent
	// presenceApplied: the call and Do Not Disturb are recorded.
	presenceApplied bool
	// repeat: a repeat of a dial already set up.
	repeat bool
	// unknownAgent: the dial's agent id is not one operators created.
	unknownAgent bool
}

func (d *DialDetection) answer(out *CallOutcome, pr presented) {
	out.CallerID, out.CallerIDSource, out.CallbackExpiresAt = pr.callerID, pr.source, pr.expires
	out.Location = pr.where.loc
}

// setUp records the emergency call, puts the agent on Do Not Disturb and
// takes (or renews) the agent's callback lease, so that the answer can
// present it: one read of the agent and the call, one of the pool, one
// write of the three together with the events announce names (the
// outbox), so that the chain starts from what was written. Whatever fails or runs out of time, it
// returns what to present instead (callerIDPlan). A repeat of the dial
// presents what the first presented.
func (d *DialDetection) setUp(ctx context.Context, call Call, e CallEvent, announce func(presented) []events.Event) (presented, error) {
	var (
		w       whereabouts
		located bool
		plan    []callerStep
		l       *leaser
	)
	defer func() {
		if l != nil {
			l.done()
		}
	}()
	for attempt := 0; ; attempt++ {
		agent, stored, err := d.store.ReadSetup(ctx, call.AgentID, call.ID)
		if err != nil {
			return d.fallback(e, call.Country, FallbackStoreUnavailable), fmt.Errorf("call %s: read: %w", call.ID, err)
		}
		now := d.now()
		if stored.CallerIDSource != "" {
			w, _ := d.locate(ctx, e, agent, now)
			return presented{callerID: stored.CallerID, source: stored.CallerIDSource, expires: stored.CallbackExpiresAt,
				where: w, presenceApplied: true, repeat: true}, nil
		}
		d.sites.rememberAgent(agent.ID, agent.SiteID)
		if !located {
			w, err = d.locate(ctx, e, agent, now)
			plan = d.plan(w, call.Country, e.CarriesLocation)
			if err != nil {
				return d.present(w, plan, FallbackStoreUnavailable), err
			}
			located = true
			l = newLeaser(plan, d.pools)
		}
		pr := presented{where: w, presenceApplied: true}
		var (
			choice Choice
			ok     bool
		)
		// An id operators never created may be anyone's: it gets no
		// number a real agent's callback could reach, only the ECBN or
		// the default.
		known, held := agent.Known(), agent.CallbackNumber
		if known {
			if choice, ok, err = l.choose(ctx, d.ports, agent, now); err != nil {
				return d.present(w, plan, FallbackStoreUnavailable), err
			}
		}
		var number *CallbackNumber
		if ok {
			n, takeover := lease(choice, agent, call.ID, now, d.cfg.Lease)
			number, pr.takeover = &n, takeover
			pr.callerID, pr.source, pr.expires = n.Number, CallerLease, n.Lease.ExpiresAt
			agent.CallbackNumber = n.Number // the arbiter of concurrent dials
		} else if !known {
			pr = d.present(w, unleased(plan), FallbackUnknownAgent)
			pr.presenceApplied, pr.unknownAgent = true, true
		} else {
			pr = d.present(w, plan, "")
			pr.presenceApplied = true
			if l.tried {
				pr.fallback = FallbackPoolEmpty
			}
			if pr.source == CallerAgent {
				// The agent's own number: callbacks to it reach the agent
				// for a lease period, as a leased number's do.
				pr.expires = now.Add(d.cfg.Lease)
				agent.CallbackNumber, agent.CallbackExpiresAt = pr.callerID, pr.expires
			}
		}
		// The call's end may have come first: then no Do Not Disturb, but
		// the emergency service may still call back, so the lease stands.
		if !stored.Ended() && agent.BeginEmergency(call.ID, call.Kind, call.ReceivedAt) {
			agent.UpdatedAt = now
		}
		rec := call
		rec.Version, rec.EndedAt = stored.Version, stored.EndedAt
		rec.SiteID, rec.CallerID, rec.CallerIDSource, rec.CallbackExpiresAt = w.siteID(), pr.callerID, pr.source, pr.expires
		rec.ExpiresAt = rec.ReceivedAt.Add(callRetention)
		if rec.Ended() {
			rec.ExpiresAt = rec.EndedAt.Add(callRetention)
		}
		evs, err := outboxEvents(call.ID, now, announce(pr)...)
		if err != nil {
			return d.present(w, plan, FallbackStoreUnavailable), fmt.Errorf("call %s: %w", call.ID, err)
		}
		_, _, _, err = d.store.WriteSetup(ctx, rec, agent, number, evs)
		var conflict *SetupConflict
		switch {
		case err == nil:
			if number != nil {
				l.wrote(*number)
			}
			return pr, nil
		case !errors.As(err, &conflict):
			return d.present(w, plan, FallbackStoreUnavailable), fmt.Errorf("call %s: write: %w", call.ID, err)
		case attempt >= maxSetupAttempts:
			return d.present(w, plan, FallbackStoreUnavailable), fmt.Errorf("call %s: %w", call.ID, err)
		case conflict.Number && number != nil:
			// Another dial took the number, or renewed it for this agent:
			// walk on down the list, then read the pool again.
			l.lostRace(number.Number, held)
		}
		// An agent or call conflict: a duplicate of this dial, or another
		// dial of the agent, wrote first. Read again and decide on that.
	}
}

// maxSetupAttempts bounds the retries of a contended setup; the state
// budget bounds it in time.
const maxSetupAttempts = 50

// present is what a dial from w presents without a lease: the plan's first
// number that needs none (the site's ECBN, the agent's own number, the
// platform default), or none. why says why there is no lease.
func (d *DialDetection) present(w whereabouts, plan []callerStep, why string) presented {
	s := fixedCaller(plan)
	return presented{where: w, fallback: why, source: s.source, callerID: s.number}
}

// fallback is what to present when the store cannot tell: the ECBN of the
// site last seen for this dial or agent, if any, else the platform default.
func (d *DialDetection) fallback(e CallEvent, country, why string) presented {
	var w whereabouts
	if s := d.sites.get(cmp.Or(e.SiteID, d.sites.agentSite(e.AgentID))); s != nil {
		w = siteWhere(s, e.Location, SourceHome)
		if s.ID == e.SiteID {
			w.loc.Source = SourceCall
		}
	}
	return d.present(w, d.plan(w, country, false), why)
}

// plan is callerIDPlan for a dial from w in country (else w's country).
func (d *DialDetection) plan(w whereabouts, country string, carriesLocation bool) []callerStep {
	return callerIDPlan(w.loc, w.site, cmp.Or(country, w.country()), carriesLocation, d.cfg.DefaultCallerID)
}

// preview is what an emergency dial from the agent would present now,
// without leasing: the agent's live lease in the pool, else the number the
// pool would give, else what callerIDPlan presents instead. It answers a
// 933 test call, whose read-back checks the address registered for that
// number.
func (d *DialDetection) preview(ctx context.Context, e CallEvent, country string) presented {
	agent, err := d.store.GetAgent(ctx, e.AgentID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return d.fallback(e, country, FallbackStoreUnavailable)
	}
	now := d.now()
	w, err := d.locate(ctx, e, agent, now)
	plan := d.plan(w, country, e.CarriesLocation)
	if err != nil {
		return d.present(w, plan, FallbackStoreUnavailable)
	}
	if !agent.Known() {
		return d.present(w, unleased(plan), FallbackUnknownAgent)
	}
	busy := map[string]bool{}
	for _, s := range plan {
		if s.pool == nil {
			continue
		}
		numbers, err := d.pool(ctx, *s.pool)
		if err != nil {
			return d.present(w, plan, FallbackStoreUnavailable)
		}
		v := &poolView{numbers: numbers}
		again := func() (Choice, bool) { return v.choose(agent, spread{}, busy, now) }
		choice, ok := again()
		choice, ok, err = d.passOverBusy(ctx, busy, choice, ok, again)
		if err != nil {
			return d.present(w, plan, FallbackStoreUnavailable)
		}
		if !ok {
			continue
		}
		pr := presented{where: w, callerID: choice.Number.Number, source: CallerLease}
		if l, live := choice.Number.LiveLease(now); live && l.AgentID == agent.ID {
			pr.expires = l.ExpiresAt
		}
		return pr
	}
	pr := d.present(w, plan, FallbackPoolEmpty)
	if pr.source == CallerAgent && agent.CallbackNumber == pr.callerID && agent.CallbackExpiresAt.After(now) {
		pr.expires = agent.CallbackExpiresAt
	}
	return pr
}

// whereabouts is where a dial is: loc nil when unknown; site when at one.
type whereabouts struct {
	loc  *Location
	site *Site
	// unknownSite is a site the call named that Mayday does not know (or
	// of another country than the call's): ignored, and announced.
	unknownSite string
}

func siteWhere(s *Site, detail, source string) whereabouts {
	l := LocationOf(*s, detail, source)
	return whereabouts{loc: &l, site: s}
}

func (w whereabouts) country() string {
	if w.loc == nil {
		return ""
	}
	return w.loc.Country()
}

func (w whereabouts) siteID() string {
	if w.site == nil {
		return ""
	}
	return w.site.ID
}

// locate is where the dial is, the first that applies: the site the call
// names (a known site of the call's country); the site whose network holds
// the call's client address; the agent's current confirmed location; the
// agent's home site. Otherwise unknown. On a store error it returns what
// it found so far.
func (d *DialDetection) locate(ctx context.Context, e CallEvent, agent Agent, now time.Time) (whereabouts, error) {
	var w whereabouts
	if e.SiteID != "" {
		s, err := d.siteOf(ctx, e.SiteID)
		if err != nil {
			return w, err
		}
		if s != nil && (e.Country == "" || s.Country == NormaliseCountry(e.Country)) {
			return siteWhere(s, e.Location, SourceCall), nil
		}
		w.unknownSite = e.SiteID
	}
	if ip, err := netip.ParseAddr(e.ClientIP); err == nil {
		s, err := d.sites.atNetwork(ctx, d.store, ip)
		if err != nil {
			return w, err
		}
		if s != nil {
			return d.keep(w, siteWhere(s, e.Location, SourceNetwork)), nil
		}
	}
	if cur := agent.Location; cur.CurrentAt(now) {
		detail := cmp.Or(e.Location, cur.Detail)
		if cur.SiteID == "" {
			return d.keep(w, whereabouts{loc: &Location{Kind: LocationRemote, Source: SourceConfirmed,
				Address: cur.Address.Normalised(), Detail: detail, Validated: cur.Validated, CallbackNumber: cur.CallbackNumber}}), nil
		}
		s, err := d.siteOf(ctx, cur.SiteID)
		if err != nil {
			return w, err
		}
		if s != nil {
			return d.keep(w, siteWhere(s, detail, SourceConfirmed)), nil
		}
	}
	if agent.SiteID != "" {
		s, err := d.siteOf(ctx, agent.SiteID)
		if err != nil || s == nil {
			return w, err
		}
		return d.keep(w, siteWhere(s, e.Location, SourceHome)), nil
	}
	return w, nil
}

// keep carries what was learnt on the way (an unknown site) into found.
func (d *DialDetection) keep(w, found whereabouts) whereabouts {
	found.unknownSite = w.unknownSite
	return found
}

// siteOf reads a site ("" and an unknown site are no site), keeping it for
// when the store cannot be reached: a site's emergency callback number must
// be presentable exactly then.
func (d *DialDetection) siteOf(ctx context.Context, id string) (*Site, error) {
	s, err := d.sites.load(ctx, d.store, id)
	if err != nil {
		return d.sites.get(id), err
	}
	return s, nil
}

func addressDetail(a Address) *events.AddressDetail {
	return &events.AddressDetail{HouseNumber: a.HouseNumber, Street: a.Street, City: a.City, Region: a.Region,
		PostalCode: a.PostalCode, Country: a.Country}
}

func (d *DialDetection) ended(ctx context.Context, e CallEvent) (CallOutcome, error) {
	at := e.OccurredAt.UTC()
	now := d.now()
	call, err := d.store.UpdateCallAnnouncing(ctx, e.CallID, func(c *Call) ([]OutboxEvent, error) {
		if c.Ended() {
			return nil, ErrNoChange // announced with the first end
		}
		c.EndedAt = at
		c.ExpiresAt = at.Add(callRetention)
		switch c.Kind {
		case KindOutbound, KindCallback, KindOrdinary:
			return outboxEvents(c.ID, now, endedEvent(*c))
		}
		return nil, nil // not started yet: its start will see the end
	})
	if err != nil {
		return CallOutcome{}, fmt.Errorf("%w: call %s: record end: %w", ErrUnavailable, e.CallID, err)
	}
	return CallOutcome{CallID: e.CallID, Emergency: call.Kind.Emergency()}, nil
}

func endedEvent(c Call) events.Event {
	d := events.CallEndedDetail{CallID: c.ID, AgentID: c.AgentID, Kind: string(c.Kind), StartedAt: c.StartedAt, EndedAt: c.EndedAt}
	if !c.Kind.Emergency() {
		d.From, d.To = c.From, c.To
		return events.Event{DetailType: events.CallEnded, Detail: d}
	}
	return events.Event{DetailType: events.EmergencyCallEnded, Detail: d}
}
