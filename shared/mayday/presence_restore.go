package mayday

import (
	"context"
	"fmt"
	"time"

	"github.com/mayday/mayday/events"
)

// PresenceRestore is the presence-restore function's use case: on
// "Emergency Call Ended" the conversation ends and, when it was the agent's
// last, presence returns to what it was before the first.
type PresenceRestore struct {
	ports
	record RecordStore
}

// NewPresenceRestore builds the use case; it needs only the store.
func NewPresenceRestore(store Store, o Options) (*PresenceRestore, error) {
	p, err := newPorts("presence restore", o, store, nil, port{"store", store})
	if err != nil {
		return nil, err
	}
	return &PresenceRestore{ports: p, record: o.Record}, nil
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
	if len(a.Emergency.Active) == 0 && p.record != nil {
		// Presence is back: the record says so, once per call ended (the
		// entry's id is the call's and the event's).
		draft := RecordDraft{ID: RecordID(RecordPresenceRestored, d.CallID, d.EndedAt.UTC().Format(time.RFC3339Nano)),
			Kind: RecordPresenceRestored, At: p.now(), Source: "presence-restore",
			Fields: fields("agentId", d.AgentID, "presence", string(a.Presence), "callId", d.CallID)}
		for _, callID := range p.recordsOf(ctx, d) {
			if _, err := AppendRecord(ctx, p.record, p.clock, callID, draft); err != nil {
				return fmt.Errorf("call %s: presence restored: %w", callID, err)
			}
		}
	}
	return nil
}

// recordsOf is the records an ended call's restore belongs to: its own,
// and for a PSAP callback the record of the call its number was leased
// for, which the callback joined.
func (p *PresenceRestore) recordsOf(ctx context.Context, d events.CallEndedDetail) []string {
	out := []string{d.CallID}
	if CallKind(d.Kind) != KindCallback {
		return out
	}
	c, err := p.store.GetCall(ctx, d.CallID)
	if err != nil {
		p.log.Warn("callback's call not read; presence restored recorded under the callback only", "callId", d.CallID, "err", err)
		return out
	}
	n, err := p.store.GetNumber(ctx, c.To)
	if err != nil {
		p.log.Warn("callback's number not read; presence restored recorded under the callback only", "callId", d.CallID, "err", err)
		return out
	}
	if called := leasedFor(n); called != "" && called != d.CallID {
		out = append(out, called)
	}
	return out
}
