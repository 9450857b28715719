package mayday

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mayday/mayday/events"
)

// PriorityCallbackRouting is the priority-callback-routing function's use
// case: the telephony platform asks where an inbound call goes, and a
// callback to a leased number goes straight to its agent at emergency
// priority ("Emergency Callback Routed").
type PriorityCallbackRouting struct{ ports }

// NewPriorityCallbackRouting builds the use case; every port is required.
func NewPriorityCallbackRouting(store Store, events Publisher, o Options) (*PriorityCallbackRouting, error) {
	p, err := newPorts("priority callback routing", o, store, events, port{"store", store}, port{"publisher", events})
	if err != nil {
		return nil, err
	}
	return &PriorityCallbackRouting{p}, nil
}

// InboundCall is an inbound call the telephony platform asks us to route.
type InboundCall struct {
	CallID string
	From   string
	To     string
}

// Route decides where an inbound call goes. A call to a pool number
// with a live lease goes straight to the holder at emergency priority, puts
// them on Do Not Disturb and renews their lease; with no live lease it goes to
// the fallback destination. A retried webhook gets the same answer. When the
// store cannot tell, the error comes with the fallback decision, for a
// platform that must route the call somewhere now.
func (r *PriorityCallbackRouting) Route(ctx context.Context, in InboundCall) (RouteDecision, error) {
	if in.CallID == "" || in.To == "" {
		return RouteDecision{}, fmt.Errorf("%w: callId and to are required", ErrInvalid)
	}
	if err := ValidID("callId", in.CallID); err != nil {
		return RouteDecision{}, err
	}
	to, err := ParseE164(in.To)
	if err != nil {
		return RouteDecision{Route: RouteDefault}, nil // not one of our numbers
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.WebhookBudget)
	defer cancel()
	if c, err := r.store.GetCall(ctx, in.CallID); err == nil && c.Route != nil {
		return *c.Route, nil
	} else if err != nil && !errors.Is(err, ErrNotFound) {
		return ToFallback(r.cfg.Fallback), fmt.Errorf("%w: call %s: %w", ErrUnavailable, in.CallID, err)
	}
	num, err := r.store.GetNumber(ctx, to)
	if errors.Is(err, ErrNotFound) {
		return RouteDecision{Route: RouteDefault}, nil
	}
	if err != nil {
		return ToFallback(r.cfg.Fallback), fmt.Errorf("%w: callback number: %w", ErrUnavailable, err)
	}
	now := r.now()
	decision := ToFallback(r.cfg.Fallback)
	lease, live := num.LiveLease(now)
	if num.AgentID != "" {
		if lease, live, err = r.ownNumberLease(ctx, num, now); err != nil {
			return ToFallback(r.cfg.Fallback), fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		if !live {
			return RouteDecision{Route: RouteDefault}, nil // the agent's own line, not a callback
		}
	}
	if live {
		decision = ToAgent(lease.AgentID)
	}
	call := Call{ID: in.CallID, Kind: KindCallback, AgentID: lease.AgentID, From: in.From, To: to,
		Country: num.Country, SiteID: num.SiteID, StartedAt: now, ReceivedAt: now, Route: &decision}
	routed := events.Event{DetailType: events.EmergencyCallbackRouted, Detail: events.CallbackRoutedDetail{
		CallID: in.CallID, CallbackNumber: to, Route: decision.Route, AgentID: decision.AgentID,
		Target: decision.Target, RoutedAt: now, EmergencyCallID: leasedFor(num)}}
	// The announcement is recorded with the call (the outbox): the answer
	// does not wait for the bus, and a bus outage loses nothing.
	stored, first, err := r.recordStartAnnouncing(ctx, call, func(Call) []events.Event { return []events.Event{routed} })
	log := r.log.With("callId", in.CallID, "agentId", lease.AgentID)
	switch {
	case err != nil:
		// The decision stands even if it cannot be recorded: the callback
		// must reach someone.
		log.Error("callback not recorded", "err", err)
	case !first && stored.Route != nil:
		return *stored.Route, nil
	}
	if live {
		if err := r.beginCallback(ctx, call, num.AgentID != "", now); err != nil {
			log.Error("callback routed but agent state not updated", "err", err)
		}
	}
	if !first {
		// Nothing was recorded to publish from.
		if err := r.publish(ctx, routed); err != nil {
			log.Error("callback routed event not published", "err", err)
		}
	}
	log.Info("emergency callback routed", "route", decision.Route, "outboxed", first)
	return decision, nil
}

// beginCallback renews the agent's lease for a full period and starts the
// emergency conversation.
func (r *PriorityCallbackRouting) beginCallback(ctx context.Context, call Call, own bool, now time.Time) error {
	var err error
	if own {
		_, err = r.store.UpdateAgent(ctx, call.AgentID, func(a *Agent) error {
			if a.CallbackNumber != call.To || !a.CallbackExpiresAt.After(now) {
				return ErrNoChange
			}
			a.CallbackExpiresAt = now.Add(r.cfg.Lease)
			return nil
		})
	} else {
		_, err = r.store.UpdateNumber(ctx, call.To, func(n *CallbackNumber) error {
			if l, live := n.LiveLease(now); !live || l.AgentID != call.AgentID {
				return ErrNoChange
			}
			n.Lease.ExpiresAt = now.Add(r.cfg.Lease)
			return nil
		})
	}
	if err != nil {
		return fmt.Errorf("lease %s: renew: %w", call.To, err)
	}
	return r.applyStart(ctx, call)
}

// Fallback is where a callback goes when its agent does not answer: the
// same destination as a callback with no live lease, at emergency priority.
func (r *PriorityCallbackRouting) Fallback() RouteDecision { return ToFallback(r.cfg.Fallback) }

// ownNumberLease is the callback period of an agent's own number: live
// while the agent's last emergency dial presented it, renewed by callbacks.
func (r *PriorityCallbackRouting) ownNumberLease(ctx context.Context, num CallbackNumber, now time.Time) (Lease, bool, error) {
	a, err := r.store.GetAgent(ctx, num.AgentID)
	switch {
	case errors.Is(err, ErrNotFound):
		return Lease{}, false, nil
	case err != nil:
		return Lease{}, false, fmt.Errorf("agent %s: %w", num.AgentID, err)
	case a.CallbackNumber != num.Number || !a.CallbackExpiresAt.After(now):
		return Lease{}, false, nil
	}
	return Lease{AgentID: a.ID, ExpiresAt: a.CallbackExpiresAt}, true, nil
}

// leasedFor is the emergency call the number's lease (live or expired but
// not yet released) was taken for.
func leasedFor(n CallbackNumber) string {
	if n.Lease == nil {
		return ""
	}
	return n.Lease.CallID
}
