package mayday

import (
	"context"
	"fmt"
	"time"

	"github.com/mayday/mayday/events"
)

// DialDetection is the dial-detection function's use case: the telephony
// platform's call-lifecycle webhook. A dial of an emergency number puts the
// agent on Do Not Disturb and starts the chain ("Emergency Call Started");
// the end of any call ends it ("Emergency Call Ended", or "Call Ended" for an
// ordinary call, which call history records).
type DialDetection struct{ ports }

// NewDialDetection builds the use case; every port is required.
func NewDialDetection(store Store, events Publisher, o Options) (*DialDetection, error) {
	p, err := newPorts("dial detection", o, store, events, port{"store", store}, port{"publisher", events})
	if err != nil {
		return nil, err
	}
	return &DialDetection{p}, nil
}

// CallEvent is a call-lifecycle webhook.
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
	CallID    string
	Emergency bool
	Reason    string
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

// dialed: Do Not Disturb at once, then the rest of the chain through the bus.
// The store writes are bounded by StateTimeout; if they fail, the event still
// goes out and the lease allocator applies Do Not Disturb with retries.
func (d *DialDetection) dialed(ctx context.Context, e CallEvent) (CallOutcome, error) {
	cls := d.cfg.Dial.Classify(e.To, e.Country)
	out := CallOutcome{CallID: e.CallID, Emergency: cls.Emergency, Reason: cls.Reason}
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
		return out, d.publish(ctx, evs...)
	}

	started := events.EmergencyCallStartedDetail{CallID: e.CallID, AgentID: e.AgentID, DialedNumber: e.To,
		EmergencyNumber: cls.Number, Country: cls.Country, Location: e.Location, StartedAt: call.StartedAt}
	wctx, cancel := context.WithTimeout(ctx, d.cfg.StateTimeout)
	err := d.applyStart(wctx, call)
	cancel()
	started.PresenceApplied = err == nil
	if err != nil {
		log.Error("emergency state not recorded; the lease allocator will retry it", "err", err)
	}
	if perr := d.publish(ctx, events.Event{DetailType: events.EmergencyCallStarted, Detail: started}); perr != nil {
		return out, perr
	}
	log.Info("emergency call started", "country", cls.Country, "presenceApplied", started.PresenceApplied)
	return out, nil
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
