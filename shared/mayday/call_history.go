package mayday

import (
	"context"
	"fmt"

	"github.com/mayday/mayday/events"
)

// CallHistory is the call-history function's use case: on "Call Ended" an
// ordinary call becomes an activity in the agent's call history. Emergency
// calls and callbacks never do.
type CallHistory struct{ ports }

// NewCallHistory builds the use case; it needs only the store.
func NewCallHistory(store Store, o Options) (*CallHistory, error) {
	p, err := newPorts("call history", o, store, nil, port{"store", store})
	if err != nil {
		return nil, err
	}
	return &CallHistory{p}, nil
}

// Record handles "Call Ended": ordinary calls become activities.
// Emergency calls and callbacks never do, checked here again.
func (h *CallHistory) Record(ctx context.Context, d events.CallEndedDetail) error {
	if CallKind(d.Kind) != KindOrdinary {
		return nil
	}
	c, err := h.store.GetCall(ctx, d.CallID)
	if err != nil {
		return fmt.Errorf("call %s: %w", d.CallID, err)
	}
	if c.Kind != KindOrdinary || c.AgentID == "" {
		h.log.Warn("refused to record a non-ordinary call in history", "callId", d.CallID)
		return nil
	}
	err = h.store.AddActivity(ctx, Activity{AgentID: c.AgentID, CallID: c.ID, Direction: "outbound",
		From: c.From, To: c.To, StartedAt: c.StartedAt, EndedAt: c.EndedAt})
	if err != nil {
		return fmt.Errorf("call %s: history: %w", d.CallID, err)
	}
	return nil
}
