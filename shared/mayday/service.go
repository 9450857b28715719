package mayday

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/mayday/mayday/events"
)

// Config holds what operators set.
type Config struct {
	// Lease is how long a callback number stays with the agent.
	Lease time.Duration
	// Fallback is where a callback to a pool number with no live lease goes.
	Fallback string
	Dial     DialRules
	// StateTimeout bounds the store writes on the dial webhook, so a slow
	// store never holds the telephony platform up; WebhookBudget bounds the
	// whole webhook (state writes and the publish).
	StateTimeout  time.Duration
	WebhookBudget time.Duration
	// MaxEmergency is how long an agent may stay in an emergency before the
	// watchdog presumes the end events lost and restores presence.
	MaxEmergency time.Duration
}

// DefaultConfig is SPEC's defaults.
func DefaultConfig() Config {
	return Config{Lease: 60 * time.Minute, Fallback: "security-desk", Dial: DialRules{Prefix: "9"},
		StateTimeout: time.Second, WebhookBudget: 3 * time.Second, MaxEmergency: 4 * time.Hour}
}

// Service carries out Mayday's use cases over the ports. Each function's
// handler calls the part it owns.
type Service struct {
	Store  Store
	Events Publisher
	Mailer Mailer
	Clock  Clock
	Log    *slog.Logger
	Config Config
}

// NewService fills the defaults a zero Service would lack.
func NewService(s Service) *Service {
	if s.Clock == nil {
		s.Clock = SystemClock{}
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	d := DefaultConfig()
	if s.Config.Lease <= 0 {
		s.Config.Lease = d.Lease
	}
	if s.Config.StateTimeout <= 0 {
		s.Config.StateTimeout = d.StateTimeout
	}
	if s.Config.WebhookBudget <= 0 {
		s.Config.WebhookBudget = d.WebhookBudget
	}
	if s.Config.MaxEmergency <= 0 {
		s.Config.MaxEmergency = d.MaxEmergency
	}
	return &s
}

func (s *Service) now() time.Time { return s.Clock.Now().UTC() }

// CallEvent is a call-lifecycle webhook (SPEC §4).
type CallEvent struct {
	Type       string
	CallID     string
	AgentID    string
	From       string
	To         string
	Country    string
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

// CallOutcome is the webhook's answer.
type CallOutcome struct {
	CallID    string `json:"callId"`
	Emergency bool   `json:"emergency"`
	Reason    string `json:"reason,omitempty"`
}

var earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// HandleCall applies a validated call-lifecycle webhook.
func (s *Service) HandleCall(ctx context.Context, e CallEvent) (CallOutcome, error) {
	if err := e.Validate(); err != nil {
		return CallOutcome{}, err
	}
	// Times far off are a sender's bug; they would also overflow the
	// records' expiry.
	if e.OccurredAt.Before(earliest) || e.OccurredAt.After(s.now().Add(24*time.Hour)) {
		return CallOutcome{}, fmt.Errorf("%w: occurredAt %s is before 2000 or more than a day ahead", ErrInvalid,
			e.OccurredAt.UTC().Format(time.RFC3339))
	}
	ctx, cancel := context.WithTimeout(ctx, s.Config.WebhookBudget)
	defer cancel()
	if e.Type == CallEventEnded {
		return s.ended(ctx, e)
	}
	return s.dialed(ctx, e)
}

// dialed: Do Not Disturb at once, then the rest of the chain through the bus.
// The store writes are bounded by StateTimeout; if they fail, the event still
// goes out and the lease allocator applies Do Not Disturb with retries.
func (s *Service) dialed(ctx context.Context, e CallEvent) (CallOutcome, error) {
	cls := s.Config.Dial.Classify(e.To, e.Country)
	out := CallOutcome{CallID: e.CallID, Emergency: cls.Emergency, Reason: cls.Reason}
	call := Call{ID: e.CallID, AgentID: e.AgentID, From: e.From, To: e.To, Country: cls.Country,
		Location: e.Location, Number: cls.Number, StartedAt: e.OccurredAt.UTC(), Kind: KindOrdinary}
	switch {
	case cls.Emergency:
		call.Kind = KindOutbound
	case cls.Reason == ReasonLocationUnsupported:
		call.Kind = KindUnsupported
	}
	log := s.Log.With("callId", e.CallID, "agentId", e.AgentID)

	if !cls.Emergency {
		stored, first, err := s.recordStart(ctx, call)
		if err != nil {
			return out, err
		}
		var evs []events.Event
		if first && call.Kind == KindUnsupported {
			log.Warn("emergency number dialled from an unsupported location", "country", cls.Country)
			evs = append(evs, events.Event{DetailType: events.EmergencyDialUnsupported, Detail: events.DialUnsupportedDetail{
				CallID: e.CallID, AgentID: e.AgentID, EmergencyNumber: cls.Number, Country: cls.Country, At: s.now()}})
		}
		if stored.Ended() && stored.Kind == KindOrdinary { // its end came first
			evs = append(evs, endedEvent(stored))
		}
		return out, s.publish(ctx, evs...)
	}

	started := events.EmergencyCallStartedDetail{CallID: e.CallID, AgentID: e.AgentID, DialedNumber: e.To,
		EmergencyNumber: cls.Number, Country: cls.Country, Location: e.Location, StartedAt: call.StartedAt}
	wctx, cancel := context.WithTimeout(ctx, s.Config.StateTimeout)
	err := s.applyStart(wctx, call)
	cancel()
	started.PresenceApplied = err == nil
	if err != nil {
		log.Error("emergency state not recorded; the lease allocator will retry it", "err", err)
	}
	if perr := s.publish(ctx, events.Event{DetailType: events.EmergencyCallStarted, Detail: started}); perr != nil {
		return out, perr
	}
	log.Info("emergency call started", "country", cls.Country, "presenceApplied", started.PresenceApplied)
	return out, nil
}

// recordStart records the call's start once; first is false for a repeat.
func (s *Service) recordStart(ctx context.Context, start Call) (stored Call, first bool, err error) {
	stored, err = s.Store.UpdateCall(ctx, start.ID, func(c *Call) error {
		first = false // the closure re-runs after a lost race
		if c.Started() {
			return ErrNoChange
		}
		endedAt := c.EndedAt
		*c = start
		c.EndedAt = endedAt
		c.ExpiresAt = start.StartedAt.Add(callRetention)
		first = true
		return nil
	})
	if err != nil {
		return Call{}, false, fmt.Errorf("%w: call %s: record start: %w", ErrUnavailable, start.ID, err)
	}
	return stored, first, nil
}

// applyStart records an emergency conversation and puts the agent on Do Not
// Disturb, unless the call has already ended. Safe to repeat.
func (s *Service) applyStart(ctx context.Context, call Call) error {
	stored, _, err := s.recordStart(ctx, call)
	if err != nil {
		return err
	}
	if stored.Ended() {
		return nil
	}
	now := s.now()
	_, err = s.Store.UpdateAgent(ctx, call.AgentID, func(a *Agent) error {
		if !a.BeginEmergency(call.ID, call.Kind, call.StartedAt) {
			return ErrNoChange
		}
		a.UpdatedAt = now
		return nil
	})
	if err != nil {
		return fmt.Errorf("agent %s: begin emergency: %w", call.AgentID, err)
	}
	return nil
}

func (s *Service) ended(ctx context.Context, e CallEvent) (CallOutcome, error) {
	at := e.OccurredAt.UTC()
	call, err := s.Store.UpdateCall(ctx, e.CallID, func(c *Call) error {
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
		return out, s.publish(ctx, endedEvent(call))
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

func (s *Service) publish(ctx context.Context, evs ...events.Event) error {
	if len(evs) == 0 {
		return nil
	}
	if err := s.Events.Publish(ctx, evs...); err != nil {
		return fmt.Errorf("%w: publish %s: %w", ErrUnavailable, evs[0].DetailType, err)
	}
	return nil
}

// AllocateLease handles "Emergency Call Started": lease a callback number (or
// renew the agent's), then hand over to the notification.
func (s *Service) AllocateLease(ctx context.Context, d events.EmergencyCallStartedDetail) error {
	if !d.PresenceApplied {
		err := s.applyStart(ctx, Call{ID: d.CallID, Kind: KindOutbound, AgentID: d.AgentID, To: d.DialedNumber,
			Country: d.Country, Location: d.Location, Number: d.EmergencyNumber, StartedAt: d.StartedAt})
		if err != nil {
			return err
		}
	}
	now := s.now()
	res, err := s.lease(ctx, d.AgentID, d.CallID, d.Country, now)
	if err != nil {
		return err
	}
	log := s.Log.With("callId", d.CallID, "agentId", d.AgentID, "country", d.Country)
	detail := events.CallbackLeaseDetail{EmergencyCallStartedDetail: d}
	var evs []events.Event
	if res.ok {
		exp := res.lease.ExpiresAt
		detail.CallbackNumber, detail.CallbackExpiresAt = res.number.Number, &exp
		evs = append(evs, events.Event{DetailType: events.CallbackLeaseAllocated, Detail: detail})
		log.Info("callback number leased", "renewed", res.renewed, "takeover", res.previous != nil)
	} else {
		detail.Reason = fmt.Sprintf("no callback numbers for %s", d.Country)
		evs = append(evs, events.Event{DetailType: events.CallbackLeaseUnavailable, Detail: detail})
		log.Error("callback pool empty")
	}
	if !res.ok || res.previous != nil {
		ex := events.PoolExhaustedDetail{Country: d.Country, AgentID: d.AgentID, CallID: d.CallID, At: now}
		if res.previous != nil {
			ex.CallbackNumber, ex.PreviousAgentID, ex.PreviousCallID = res.number.Number, res.previous.AgentID, res.previous.CallID
		}
		evs = append(evs, events.Event{DetailType: events.CallbackPoolExhausted, Detail: ex})
	}
	return s.publish(ctx, evs...)
}

type leaseResult struct {
	ok       bool
	number   CallbackNumber
	lease    Lease
	renewed  bool
	previous *Lease // the lease taken over when the pool was exhausted
}

// maxRelists bounds how often a contended pool is read again.
const maxRelists = 20

// errTaken: the number chosen was taken meanwhile; choose again.
var errTaken = errors.New("number taken meanwhile")

// lease renews the agent's live lease in the country's pool, or takes a
// number. One read of the pool serves both: a lease in another country's
// pool is no use to this country's emergency service.
func (s *Service) lease(ctx context.Context, agentID, callID, country string, now time.Time) (leaseResult, error) {
	pool, err := s.Store.ListNumbers(ctx, country)
	if err != nil {
		return leaseResult{}, fmt.Errorf("pool %s: %w", country, err)
	}
	held := slices.DeleteFunc(slices.Clone(pool), func(n CallbackNumber) bool {
		l, live := n.LiveLease(now)
		return !live || l.AgentID != agentID
	})
	slices.SortFunc(held, func(a, b CallbackNumber) int { return b.Lease.ExpiresAt.Compare(a.Lease.ExpiresAt) })
	for _, h := range held {
		n, err := s.Store.UpdateNumber(ctx, h.Number, func(n *CallbackNumber) error {
			l, live := n.LiveLease(now)
			switch {
			case !live || l.AgentID != agentID:
				return errTaken
			case l.CallID == callID:
				return ErrNoChange // this call's event again
			}
			n.Lease.CallID, n.Lease.ExpiresAt = callID, now.Add(s.Config.Lease)
			return nil
		})
		if errors.Is(err, errTaken) {
			continue
		}
		if err != nil {
			return leaseResult{}, fmt.Errorf("lease %s: renew: %w", h.Number, err)
		}
		return s.oneLeasePerAgent(ctx, leaseResult{ok: true, number: n, lease: *n.Lease, renewed: true}, now)
	}

	for relists := 0; ; relists++ {
		candidates := Candidates(pool, now)
		if len(candidates) == 0 {
			return leaseResult{}, nil
		}
		for _, choice := range candidates {
			var previous *Lease
			n, err := s.Store.UpdateNumber(ctx, choice.Number.Number, func(n *CallbackNumber) error {
				previous = nil
				l, live := n.LiveLease(now)
				switch {
				case n.Version == 0:
					return errTaken // removed from the pool meanwhile
				case live && (!choice.Takeover || !l.same(*choice.Number.Lease)):
					return errTaken
				case live:
					previous = &l
				}
				n.Lease = &Lease{AgentID: agentID, CallID: callID, LeasedAt: now, ExpiresAt: now.Add(s.Config.Lease)}
				return nil
			})
			if errors.Is(err, errTaken) {
				continue // walk on down the list: concurrent allocators spread over it
			}
			if err != nil {
				return leaseResult{}, fmt.Errorf("lease %s: %w", choice.Number.Number, err)
			}
			return s.oneLeasePerAgent(ctx, leaseResult{ok: true, number: n, lease: *n.Lease, previous: previous}, now)
		}
		if relists >= maxRelists {
			return leaseResult{}, fmt.Errorf("%w: pool %s: every number taken while choosing", ErrConflict, country)
		}
		if pool, err = s.Store.ListNumbers(ctx, country); err != nil {
			return leaseResult{}, fmt.Errorf("pool %s: %w", country, err)
		}
	}
}

// oneLeasePerAgent settles a race between concurrent dials of one agent that
// each took a number. The agent's item is the arbiter, being one item that
// takes conditional writes: the first racer to record its number there keeps
// it; the others renew that number and give theirs back. Renewals pass here
// too: a racer may have renewed a number another racer is giving back.
func (s *Service) oneLeasePerAgent(ctx context.Context, mine leaseResult, now time.Time) (leaseResult, error) {
	agentID, callID := mine.lease.AgentID, mine.lease.CallID
	record := func(keep func(recorded string) bool) (string, error) {
		var other string
		_, err := s.Store.UpdateAgent(ctx, agentID, func(a *Agent) error {
			other = ""
			if a.CallbackNumber != "" && a.CallbackNumber != mine.number.Number && keep(a.CallbackNumber) {
				other = a.CallbackNumber
				return ErrNoChange
			}
			if a.CallbackNumber == mine.number.Number {
				return ErrNoChange
			}
			a.CallbackNumber = mine.number.Number
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("agent %s: record lease: %w", agentID, err)
		}
		return other, nil
	}
	other, err := record(func(string) bool { return true })
	if err != nil || other == "" {
		return mine, err
	}
	n, err := s.Store.UpdateNumber(ctx, other, func(n *CallbackNumber) error {
		if l, live := n.LiveLease(now); !live || l.AgentID != agentID {
			return errTaken
		}
		n.Lease.CallID, n.Lease.ExpiresAt = callID, now.Add(s.Config.Lease)
		return nil
	})
	if errors.Is(err, errTaken) || errors.Is(err, ErrNotFound) {
		// The recorded number is no longer the agent's: record ours instead.
		_, err = record(func(recorded string) bool { return recorded != other })
		return mine, err
	}
	if err != nil {
		return leaseResult{}, fmt.Errorf("lease %s: renew: %w", other, err)
	}
	if _, err := s.Store.UpdateNumber(ctx, mine.number.Number, func(n *CallbackNumber) error {
		if n.Lease == nil || n.Lease.AgentID != agentID {
			return ErrNoChange
		}
		n.Lease, n.ReleasedAt = nil, now
		return nil
	}); err != nil {
		return leaseResult{}, fmt.Errorf("lease %s: give back: %w", mine.number.Number, err)
	}
	return leaseResult{ok: true, number: n, lease: *n.Lease, renewed: true}, nil
}
