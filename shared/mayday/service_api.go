package mayday

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/mayday/mayday/events"
)

// InboundCall is an inbound call the telephony platform asks us to route.
type InboundCall struct {
	CallID string
	From   string
	To     string
}

// RouteInbound decides where an inbound call goes. A call to a pool number
// with a live lease goes straight to the holder at emergency priority, puts
// them on Do Not Disturb and renews their lease; with no live lease it goes to
// the fallback destination. A retried webhook gets the same answer.
func (s *Service) RouteInbound(ctx context.Context, in InboundCall) (RouteDecision, error) {
	if in.CallID == "" || in.To == "" {
		return RouteDecision{}, fmt.Errorf("%w: callId and to are required", ErrInvalid)
	}
	to, err := ParseE164(in.To)
	if err != nil {
		return RouteDecision{Route: RouteDefault}, nil // not one of our numbers
	}
	ctx, cancel := context.WithTimeout(ctx, s.Config.WebhookBudget)
	defer cancel()
	if c, err := s.Store.GetCall(ctx, in.CallID); err == nil && c.Route != nil {
		return *c.Route, nil
	} else if err != nil && !errors.Is(err, ErrNotFound) {
		return RouteDecision{}, fmt.Errorf("%w: call %s: %w", ErrUnavailable, in.CallID, err)
	}
	num, err := s.Store.GetNumber(ctx, to)
	if errors.Is(err, ErrNotFound) {
		return RouteDecision{Route: RouteDefault}, nil
	}
	if err != nil {
		return RouteDecision{}, fmt.Errorf("%w: callback number: %w", ErrUnavailable, err)
	}
	now := s.now()
	decision := ToFallback(s.Config.Fallback)
	lease, live := num.LiveLease(now)
	if live {
		decision = ToAgent(lease.AgentID)
	}
	call := Call{ID: in.CallID, Kind: KindCallback, AgentID: lease.AgentID, From: in.From, To: to,
		Country: num.Country, StartedAt: now, Route: &decision}
	stored, first, err := s.recordStart(ctx, call)
	log := s.Log.With("callId", in.CallID, "agentId", lease.AgentID)
	switch {
	case err != nil:
		// The decision stands even if it cannot be recorded: the callback
		// must reach someone.
		log.Error("callback not recorded", "err", err)
	case !first && stored.Route != nil:
		return *stored.Route, nil
	}
	if live {
		if err := s.beginCallback(ctx, call, now); err != nil {
			log.Error("callback routed but agent state not updated", "err", err)
		}
	}
	if err := s.publish(ctx, events.Event{DetailType: events.EmergencyCallbackRouted, Detail: events.CallbackRoutedDetail{
		CallID: in.CallID, CallbackNumber: to, Route: decision.Route, AgentID: decision.AgentID,
		Target: decision.Target, RoutedAt: now}}); err != nil {
		log.Error("callback routed event not published", "err", err)
	}
	log.Info("emergency callback routed", "route", decision.Route)
	return decision, nil
}

// beginCallback renews the agent's lease for a full period and starts the
// emergency conversation.
func (s *Service) beginCallback(ctx context.Context, call Call, now time.Time) error {
	_, err := s.Store.UpdateNumber(ctx, call.To, func(n *CallbackNumber) error {
		if l, live := n.LiveLease(now); !live || l.AgentID != call.AgentID {
			return ErrNoChange
		}
		n.Lease.ExpiresAt = now.Add(s.Config.Lease)
		return nil
	})
	if err != nil {
		return fmt.Errorf("lease %s: renew: %w", call.To, err)
	}
	return s.applyStart(ctx, call)
}

// Profile is what operators set on an agent (PUT /v1/agents/{id}).
type Profile struct {
	Name                 string
	Email                string
	Presence             Presence
	Country              string
	EmergencyContacts    []string
	MailboxEnabled       bool
	OutboundVoiceProfile bool
	BrowserLocation      bool
	NumberType           string
	DirectRoutingRules   []string
}

// PutAgent creates or replaces an agent's profile, keeping any emergency in
// progress.
func (s *Service) PutAgent(ctx context.Context, id string, p Profile) (Agent, error) {
	now := s.now()
	a, err := s.Store.UpdateAgent(ctx, id, func(a *Agent) error {
		a.Name, a.Email, a.Country = p.Name, p.Email, NormaliseCountry(p.Country)
		a.EmergencyContacts = slices.Clone(p.EmergencyContacts)
		a.MailboxEnabled, a.OutboundVoiceProfile, a.BrowserLocation = p.MailboxEnabled, p.OutboundVoiceProfile, p.BrowserLocation
		a.NumberType, a.DirectRoutingRules = p.NumberType, slices.Clone(p.DirectRoutingRules)
		if p.Presence != "" {
			a.SetPresence(p.Presence)
		} else if a.Presence == "" {
			a.Presence = Available
		}
		a.UpdatedAt = now
		return nil
	})
	if err != nil {
		return Agent{}, fmt.Errorf("agent %s: %w", id, err)
	}
	return a, nil
}

// GetAgent returns a stored agent.
func (s *Service) GetAgent(ctx context.Context, id string) (Agent, error) {
	a, err := s.Store.GetAgent(ctx, id)
	if err != nil {
		return Agent{}, fmt.Errorf("agent %s: %w", id, err)
	}
	return a, nil
}

// SetPresence applies a presence change from the contact center.
func (s *Service) SetPresence(ctx context.Context, id string, p Presence) (Agent, error) {
	now := s.now()
	a, err := s.Store.UpdateAgent(ctx, id, func(a *Agent) error {
		if a.Version == 0 {
			return ErrNotFound
		}
		a.SetPresence(p)
		a.UpdatedAt = now
		return nil
	})
	if err != nil {
		return Agent{}, fmt.Errorf("agent %s: %w", id, err)
	}
	return a, nil
}

// DesktopState is what the agent desktop renders (GET .../state).
type DesktopState struct {
	AgentID   string
	Presence  Presence
	Emergency bool
	CallID    string
	Lease     *CallbackNumber // the live callback lease, if any
}

// Panel actions and texts of the agent desktop (SPEC §1.5).
var (
	EmergencyPanel = []string{"deviceSettings", "endCall"}
	NormalPanel    = []string{"deviceSettings", "endCall", "hold", "mute", "transfer", "consult", "keypad"}
)

const EmergencyAlert = "Emergency call in progress"

// State reads what the agent desktop shows now.
func (s *Service) State(ctx context.Context, id string) (DesktopState, error) {
	a, err := s.GetAgent(ctx, id)
	if err != nil {
		return DesktopState{}, err
	}
	st := DesktopState{AgentID: a.ID, Presence: a.Presence}
	if st.Presence == "" {
		st.Presence = Available
	}
	if c, ok := a.LatestActive(); ok {
		st.Emergency, st.CallID = true, c.CallID
	}
	held, err := s.Store.LeasesHeldBy(ctx, id)
	if err != nil {
		return DesktopState{}, fmt.Errorf("agent %s: leases: %w", id, err)
	}
	now := s.now()
	for _, n := range held {
		if l, live := n.LiveLease(now); live && l.AgentID == id &&
			(st.Lease == nil || l.ExpiresAt.After(st.Lease.Lease.ExpiresAt)) {
			st.Lease = &n
		}
	}
	return st, nil
}

// History lists an agent's call-history activities, newest first.
func (s *Service) History(ctx context.Context, id string) ([]Activity, error) {
	if _, err := s.GetAgent(ctx, id); err != nil {
		return nil, err
	}
	acts, err := s.Store.ListActivities(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("agent %s: history: %w", id, err)
	}
	slices.SortFunc(acts, func(a, b Activity) int { return b.EndedAt.Compare(a.EndedAt) })
	return acts, nil
}

// Readiness reports an agent's prerequisites for emergency calls.
func (s *Service) Readiness(ctx context.Context, id string) (Readiness, error) {
	a, err := s.GetAgent(ctx, id)
	if err != nil {
		return Readiness{}, err
	}
	pool, err := s.Store.ListNumbers(ctx, NormaliseCountry(a.Country))
	if err != nil {
		return Readiness{}, fmt.Errorf("pool %s: %w", a.Country, err)
	}
	if a.Country == "" {
		pool = nil
	}
	return Assess(a, len(pool)), nil
}

// AddNumber adds a callback number to its country's pool. created is false
// when it was there already; another country is a conflict.
func (s *Service) AddNumber(ctx context.Context, number, country string) (n CallbackNumber, created bool, err error) {
	num, err := ParseE164(number)
	if err != nil {
		return CallbackNumber{}, false, err
	}
	country = NormaliseCountry(country)
	if !SupportedCountry(country) {
		return CallbackNumber{}, false, fmt.Errorf("%w: country %q is not a supported location", ErrInvalid, country)
	}
	now := s.now()
	n, err = s.Store.UpdateNumber(ctx, num, func(n *CallbackNumber) error {
		created = false
		switch {
		case n.Version > 0 && n.Country == country:
			return ErrNoChange
		case n.Version > 0:
			return fmt.Errorf("%w: %s is already in the %s pool", ErrConflict, num, n.Country)
		}
		n.Country, n.AddedAt, created = country, now, true
		return nil
	})
	if err != nil {
		return CallbackNumber{}, false, fmt.Errorf("callback number %s: %w", num, err)
	}
	return n, created, nil
}

// RemoveNumber takes a number out of the pool unless it is leased.
func (s *Service) RemoveNumber(ctx context.Context, number string) error {
	num, err := ParseE164(number)
	if err != nil {
		return err
	}
	now := s.now()
	err = s.Store.DeleteNumber(ctx, num, func(n CallbackNumber) error {
		if l, live := n.LiveLease(now); live {
			return fmt.Errorf("%w: %s is leased to agent %s until %s", ErrConflict, num, l.AgentID, l.ExpiresAt.Format(time.RFC3339))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("callback number %s: %w", num, err)
	}
	return nil
}

// Numbers lists every pool.
func (s *Service) Numbers(ctx context.Context) ([]CallbackNumber, error) {
	ns, err := s.Store.ListNumbers(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("pools: %w", err)
	}
	slices.SortFunc(ns, func(a, b CallbackNumber) int {
		return cmp.Or(cmp.Compare(a.Country, b.Country), cmp.Compare(a.Number, b.Number))
	})
	return ns, nil
}

// SetContacts replaces an existing agent's emergency contacts (already
// parsed and validated with ParseContacts).
func (s *Service) SetContacts(ctx context.Context, id string, contacts []string) (Agent, error) {
	now := s.now()
	a, err := s.Store.UpdateAgent(ctx, id, func(a *Agent) error {
		if a.Version == 0 {
			return ErrNotFound
		}
		a.EmergencyContacts = slices.Clone(contacts)
		a.UpdatedAt = now
		return nil
	})
	if err != nil {
		return Agent{}, fmt.Errorf("agent %s: %w", id, err)
	}
	return a, nil
}
