package mayday

import (
	"cmp"
	"context"
	"fmt"

	"github.com/mayday/mayday/events"
)

// Starting an emergency conversation is shared by three steps of the chain:
// the dial, the lease allocator (when the dial could not record it) and a
// routed callback.

// recordStart records the call's start once; first is false for a repeat.
func (p ports) recordStart(ctx context.Context, start Call) (stored Call, first bool, err error) {
	return p.recordStartAnnouncing(ctx, start, nil)
}

// recordStartAnnouncing is recordStart that records, with the first start,
// the events announce (nil: none) names for the call as written.
func (p ports) recordStartAnnouncing(ctx context.Context, start Call, announce func(Call) []events.Event) (stored Call, first bool, err error) {
	now := p.now()
	stored, err = p.store.UpdateCallAnnouncing(ctx, start.ID, func(c *Call) ([]OutboxEvent, error) {
		first = false // the closure re-runs after a lost race
		if c.Started() {
			return nil, ErrNoChange
		}
		endedAt := c.EndedAt
		*c = start
		c.EndedAt = endedAt
		c.ExpiresAt = cmp.Or(start.ReceivedAt, start.StartedAt).Add(callRetention)
		first = true
		if announce == nil {
			return nil, nil
		}
		return outboxEvents(c.ID, now, announce(*c)...)
	})
	if err != nil {
		return Call{}, false, fmt.Errorf("%w: call %s: record start: %w", ErrUnavailable, start.ID, err)
	}
	return stored, first, nil
}

// applyStart records an emergency conversation and puts the agent on Do Not
// Disturb, unless the call has already ended. Safe to repeat.
func (p ports) applyStart(ctx context.Context, call Call) error {
	stored, _, err := p.recordStart(ctx, call)
	if err != nil {
		return err
	}
	if stored.Ended() {
		return nil
	}
	now := p.now()
	// From receipt, never the sender's clock; an event from before
	// receipt was kept counts from now, later by the chain's delay.
	since := cmp.Or(call.ReceivedAt, now)
	_, err = p.store.UpdateAgent(ctx, call.AgentID, func(a *Agent) error {
		if !a.BeginEmergency(call.ID, call.Kind, since) {
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

// applyEnd ends the call's emergency conversation for the agent; when it was
// the last one the agent's presence returns to what it was before the first.
// The end is recorded even for an agent not seen yet, so that a start
// arriving after it leaves presence alone. Safe to repeat.
func (p ports) applyEnd(ctx context.Context, agentID, callID string) (Agent, error) {
	now := p.now()
	a, err := p.store.UpdateAgent(ctx, agentID, func(a *Agent) error {
		if !a.EndEmergency(callID) {
			return ErrNoChange
		}
		a.UpdatedAt = now
		return nil
	})
	if err != nil {
		return Agent{}, fmt.Errorf("agent %s: end emergency: %w", agentID, err)
	}
	return a, nil
}
