package mayday

import (
	"cmp"
	"context"
	"errors"
	"fmt"
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
	Location   string
	OccurredAt time.Time
}

const (
	CallEventDialed = "call.dialed"
	CallEventEnded  = "call.ended"
)

// Validate names the first missing or malformed field.
func (e CallEvent) Validate() error {
	missing := func(f string) error { return fmt.Errorf("%w: %s is required", ErrInvalid, f) }
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
	cls := d.cfg.Dial.Classify(e.To, e.Country)
	out := CallOutcome{CallID: e.CallID, Emergency: cls.Emergency, Reason: cls.Reason, Number: cls.Number}
	call := Call{ID: e.CallID, AgentID: e.AgentID, From: e.From, To: e.To, Country: cls.Country,
		Location: e.Location, Number: cls.Number, StartedAt: e.OccurredAt.UTC(), Kind: KindOrdinary}
	switch {
	case cls.Emergency:
		call.Kind = KindOutbound
	case cls.Reason == ReasonLocationUnsupported:
		call.Kind = KindUnsupported
	}
	log := d.log.With("callId", e.CallID, "agentId", e.AgentID)

	if !cls.Emergency {
		stored, first, err := d.recordStart(ctx, call)
		if err != nil {
			return out, err
		}
		var evs []events.Event
		if first && call.Kind == KindUnsupported {
			log.Warn("emergency number dialed from an unsupported location", "country", cls.Country)
			evs = append(evs, events.Event{DetailType: events.EmergencyDialUnsupported, Detail: events.DialUnsupportedDetail{
				CallID: e.CallID, AgentID: e.AgentID, EmergencyNumber: cls.Number, Country: cls.Country, At: d.now()}})
		}
		if stored.Ended() && stored.Kind == KindOrdinary { // its end came first
			evs = append(evs, endedEvent(stored))
		}
		if cls.Reason == ReasonTestCall {
			wctx, cancel := context.WithTimeout(ctx, d.cfg.StateTimeout)
			d.answer(&out, d.preview(wctx, e.AgentID, e.SiteID, cls.Country), e.Location)
			cancel()
		}
		return out, d.publish(ctx, evs...)
	}

	call.SiteID = e.SiteID
	wctx, cancel := context.WithTimeout(ctx, d.cfg.StateTimeout)
	pr, err := d.setUp(wctx, call)
	cancel()
	if err != nil {
		log.Error("call set up without a lease; the lease allocator announces what was presented", "err", err,
			"presenceApplied", pr.presenceApplied, "callerIdSource", pr.source)
	}
	d.answer(&out, pr, e.Location)
	started := events.EmergencyCallStartedDetail{CallID: e.CallID, AgentID: e.AgentID, DialedNumber: e.To,
		EmergencyNumber: cls.Number, Country: cls.Country, Location: e.Location, StartedAt: call.StartedAt,
		PresenceApplied: pr.presenceApplied, CallerID: pr.callerID, CallerIDSource: pr.source, Fallback: pr.fallback}
	if pr.site != nil {
		started.SiteID = pr.site.ID
	}
	if pr.takeover != nil {
		started.TakenOverFromAgentID, started.TakenOverFromCallID = pr.takeover.AgentID, pr.takeover.CallID
	}
	if !pr.expires.IsZero() {
		started.LeaseExpiresAt = &pr.expires
	}
	if perr := d.publish(ctx, events.Event{DetailType: events.EmergencyCallStarted, Detail: started}); perr != nil {
		return out, perr
	}
	log.Info("emergency call started", "country", cls.Country, "siteId", started.SiteID,
		"presenceApplied", pr.presenceApplied, "callerIdSource", pr.source)
	return out, nil
}

// presented is what a dial answer presents.
type presented struct {
	callerID string
	source   string // CallerLease, CallerECBN, CallerDefault
	expires  time.Time
	fallback string // why no lease
	site     *Site
	takeover *Lease // the lease taken over from another agent
	// presenceApplied: the call and Do Not Disturb are recorded.
	presenceApplied bool
}

func (d *DialDetection) answer(out *CallOutcome, pr presented, detail string) {
	out.CallerID, out.CallerIDSource, out.CallbackExpiresAt = pr.callerID, pr.source, pr.expires
	if pr.site != nil {
		l := LocationOf(*pr.site, detail)
		out.Location = &l
	}
}

// setUp records the emergency call, puts the agent on Do Not Disturb and
// takes (or renews) the agent's callback lease from the call's pool, so that
// the answer can present it: one read of the agent and the call, one of the
// pool, one write of the three together. Whatever fails or runs out of
// time, it returns what to present instead: the site's emergency callback
// number, or none. A repeat of the dial presents what the first presented.
func (d *DialDetection) setUp(ctx context.Context, call Call) (presented, error) {
	var (
		site  *Site
		sited bool
		view  *poolView
		fresh bool // read the pool itself, not the last view of it
		pool  Pool
		lost  = map[string]bool{} // numbers other dials took meanwhile
	)
	for attempt := 0; ; attempt++ {
		agent, stored, err := d.store.ReadSetup(ctx, call.AgentID, call.ID)
		if err != nil {
			return d.fallback(call.AgentID, call.SiteID, FallbackStoreUnavailable), fmt.Errorf("call %s: read: %w", call.ID, err)
		}
		if stored.CallerIDSource != "" {
			site, _ := d.siteOf(ctx, stored.SiteID)
			return presented{callerID: stored.CallerID, source: stored.CallerIDSource, expires: stored.CallbackExpiresAt,
				site: site, presenceApplied: true}, nil
		}
		d.sites.rememberAgent(agent.ID, agent.SiteID)
		if !sited {
			if site, err = d.siteOf(ctx, cmp.Or(call.SiteID, agent.SiteID)); err != nil {
				return d.ecbn(presented{site: site}, FallbackStoreUnavailable), err
			}
			sited, pool = true, poolAt(site, call.Country)
		}
		if view == nil {
			if view, err = d.pools.view(ctx, d.ports, pool, fresh); err != nil {
				return d.ecbn(presented{site: site}, FallbackStoreUnavailable), err
			}
		}
		now := d.now()
		pr := presented{site: site, presenceApplied: true}
		choice, ok := view.choose(agent, lost, now)
		var number *CallbackNumber
		if ok {
			n := choice.Number
			leasedAt := now
			switch l, live := n.LiveLease(now); {
			case live && l.AgentID == agent.ID:
				leasedAt = l.LeasedAt // a renewal
			case live:
				pr.takeover = &l
			}
			n.Lease = &Lease{AgentID: agent.ID, CallID: call.ID, LeasedAt: leasedAt, ExpiresAt: now.Add(d.cfg.Lease)}
			number = &n
			pr.callerID, pr.source, pr.expires = n.Number, CallerLease, n.Lease.ExpiresAt
			agent.CallbackNumber = n.Number // the arbiter of concurrent dials
		} else {
			pr = d.ecbn(pr, FallbackPoolEmpty)
		}
		// The call's end may have come first: then no Do Not Disturb, but
		// the emergency service may still call back, so the lease stands.
		if !stored.Ended() && agent.BeginEmergency(call.ID, call.Kind, call.StartedAt) {
			agent.UpdatedAt = now
		}
		rec := call
		rec.Version, rec.EndedAt = stored.Version, stored.EndedAt
		rec.SiteID, rec.CallerID, rec.CallerIDSource, rec.CallbackExpiresAt = pool.SiteID, pr.callerID, pr.source, pr.expires
		rec.ExpiresAt = rec.StartedAt.Add(callRetention)
		if rec.Ended() {
			rec.ExpiresAt = rec.EndedAt.Add(callRetention)
		}
		_, _, _, err = d.store.WriteSetup(ctx, rec, agent, number)
		var conflict *SetupConflict
		switch {
		case err == nil:
			if number != nil {
				view.wrote(*number)
			}
			return pr, nil
		case !errors.As(err, &conflict):
			return d.ecbn(presented{site: site}, FallbackStoreUnavailable), fmt.Errorf("call %s: write: %w", call.ID, err)
		case attempt >= maxSetupAttempts:
			return d.ecbn(presented{site: site}, FallbackStoreUnavailable), fmt.Errorf("call %s: %w", call.ID, err)
		case conflict.Number && number != nil:
			// Another dial took the number, or renewed it for this agent:
			// walk on down the list, then read the pool again.
			lost[number.Number] = true
			if number.Number == agent.CallbackNumber || len(lost) >= view.size() {
				view, fresh, lost = nil, true, map[string]bool{}
			}
		}
		// An agent or call conflict: a duplicate of this dial, or another
		// dial of the agent, wrote first. Read again and decide on that.
	}
}

// maxSetupAttempts bounds the retries of a contended setup; the state
// budget bounds it in time.
const maxSetupAttempts = 50

// ecbn presents the site's emergency callback number, or no caller ID.
func (d *DialDetection) ecbn(pr presented, why string) presented {
	pr.fallback, pr.source, pr.callerID, pr.expires = why, CallerDefault, "", time.Time{}
	if pr.site != nil && pr.site.EmergencyCallbackNumber != "" {
		pr.source, pr.callerID = CallerECBN, pr.site.EmergencyCallbackNumber
	}
	return pr
}

// fallback is what to present when the store cannot tell: the ECBN of the
// site last seen for this dial or agent, if any.
func (d *DialDetection) fallback(agentID, siteID, why string) presented {
	return d.ecbn(presented{site: d.sites.get(cmp.Or(siteID, d.sites.agentSite(agentID)))}, why)
}

// preview is what an emergency dial from the agent would present now,
// without leasing: the agent's live lease in the pool, else the number the
// pool would give, else the site's ECBN. It answers a 933 test call, whose
// read-back checks the address registered for that number.
func (d *DialDetection) preview(ctx context.Context, agentID, siteID, country string) presented {
	agent, err := d.store.GetAgent(ctx, agentID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return d.fallback(agentID, siteID, FallbackStoreUnavailable)
	}
	site, err := d.siteOf(ctx, cmp.Or(siteID, agent.SiteID))
	pr := presented{site: site}
	if err != nil {
		return d.ecbn(pr, FallbackStoreUnavailable)
	}
	numbers, err := d.pool(ctx, poolAt(site, country))
	if err != nil {
		return d.ecbn(pr, FallbackStoreUnavailable)
	}
	now := d.now()
	choice, ok := (&poolView{numbers: numbers}).choose(agent, nil, now)
	if !ok {
		return d.ecbn(pr, FallbackPoolEmpty)
	}
	pr.callerID, pr.source = choice.Number.Number, CallerLease
	if l, live := choice.Number.LiveLease(now); live && l.AgentID == agentID {
		pr.expires = l.ExpiresAt
	}
	return pr
}

// siteOf reads a site ("" and an unknown site are no site), keeping it for
// when the store cannot be reached: a site's emergency callback number must
// be presentable exactly then.
func (d *DialDetection) siteOf(ctx context.Context, id string) (*Site, error) {
	s, err := d.sites.load(ctx, d.store, id)
	switch {
	case err != nil:
		return d.sites.get(id), err
	case s == nil && id != "":
		d.log.Warn("dial names an unknown site", "siteId", id)
	}
	return s, nil
}

func (d *DialDetection) ended(ctx context.Context, e CallEvent) (CallOutcome, error) {
	at := e.OccurredAt.UTC()
	call, err := d.store.UpdateCall(ctx, e.CallID, func(c *Call) error {
		if c.Ended() {
			return ErrNoChange
		}
		c.EndedAt = at
		c.ExpiresAt = at.Add(callRetention)
		return nil
	})
	if err != nil {
		return CallOutcome{}, fmt.Errorf("%w: call %s: record end: %w", ErrUnavailable, e.CallID, err)
	}
	out := CallOutcome{CallID: e.CallID, Emergency: call.Kind.Emergency()}
	// A repeat publishes again: the first publish may have failed, and every
	// consumer is idempotent.
	switch call.Kind {
	case KindOutbound, KindCallback, KindOrdinary:
		return out, d.publish(ctx, endedEvent(call))
	}
	return out, nil // not started yet: its start will see the end
}

func endedEvent(c Call) events.Event {
	d := events.CallEndedDetail{CallID: c.ID, AgentID: c.AgentID, Kind: string(c.Kind), StartedAt: c.StartedAt, EndedAt: c.EndedAt}
	if !c.Kind.Emergency() {
		d.From, d.To = c.From, c.To
		return events.Event{DetailType: events.CallEnded, Detail: d}
	}
	return events.Event{DetailType: events.EmergencyCallEnded, Detail: d}
}
