package mayday

import (
	"context"

	"github.com/mayday/mayday/events"
)

// PresenceRestore is the presence-restore function's use case: on
// "Emergency Call Ended" the conversation ends and, when it was the agent's
// last, presence returns to what it was before the first.
type PresenceRestore struct{ ports }

// NewPresenceRestore builds the use case; it needs only the store.
func NewPresenceRestore(store Store, o Options) (*PresenceRestore, error) {
	p, err := newPorts("presence restore", o, store, nil, port{"store", store})
	if err != nil {
		return nil, err
	}
	return &PresenceRestore{p}, nil
}

// Restore handles "Emergency Call Ended": the conversation ends and,
// when it was the agent's last, presence returns to what it was.
func (p *PresenceRestore) Restore(ctx context.Context, d events.CallEndedDetail) error {
	if d.AgentID == "" {
		return nil // a callback that went to the fallback destination
	}
	a, err := p.applyEnd(ctx, d.AgentID, d.CallID)
	if err != nil {
		return err
	}
	p.log.Info("emergency conversation ended", "callId", d.CallID, "agentId", d.AgentID,
		"stillActive", len(a.Emergency.Active), "presence", a.Presence)
	return nil
}
