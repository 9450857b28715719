package mayday

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/mayday/mayday/events"
)

// OutboxEvent is an event recorded by the very write that makes it true
// (the transactional outbox): the store writes it with the state, all or
// none, and a publisher puts it on the bus from that record, at least once.
// An EventBridge outage, or a crash between the write and the publish, so
// loses nothing: the record is still there to publish.
type OutboxEvent struct {
	// ID is the call's id and the detail-type: deterministic, so a write
	// repeated records the same entry again rather than a second one, and
	// a publish repeated reaches consumers that deduplicate by call.
	ID         string
	DetailType string
	Detail     json.RawMessage
	CreatedAt  time.Time
	// ExpiresAt is when the store may drop the record: long after it is
	// published (a DynamoDB stream keeps records for 24 hours).
	ExpiresAt time.Time
}

// outboxRetention is how long a recorded event is kept.
const outboxRetention = 48 * time.Hour

// NewOutboxEvent records ev, which the write of call callID makes true.
func NewOutboxEvent(callID string, ev events.Event, now time.Time) (OutboxEvent, error) {
	detail, err := json.Marshal(ev.Detail)
	if err != nil {
		return OutboxEvent{}, fmt.Errorf("outbox %s: detail: %w", ev.DetailType, err)
	}
	return OutboxEvent{ID: OutboxID(callID, ev.DetailType), DetailType: ev.DetailType, Detail: detail,
		CreatedAt: now, ExpiresAt: now.Add(outboxRetention)}, nil
}

// OutboxID is the id of the event detailType about call callID.
func OutboxID(callID, detailType string) string { return callID + "/" + detailType }

// Event is the event to put on the bus.
func (o OutboxEvent) Event() events.Event {
	return events.Event{DetailType: o.DetailType, Detail: o.Detail}
}

// outboxEvents records evs about call callID.
func outboxEvents(callID string, now time.Time, evs ...events.Event) ([]OutboxEvent, error) {
	out := make([]OutboxEvent, 0, len(evs))
	for _, ev := range evs {
		o, err := NewOutboxEvent(callID, ev, now)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// OutboxPublisher is the outbox publisher's use case: it puts recorded
// events on the bus, in order, and says how many it published, so that
// only the rest is tried again.
type OutboxPublisher struct {
	events Publisher
	log    *slog.Logger
}

// NewOutboxPublisher builds the use case; the publisher is required.
func NewOutboxPublisher(events Publisher, log *slog.Logger) (*OutboxPublisher, error) {
	if isNil(events) {
		return nil, fmt.Errorf("outbox publisher: %w: publisher", ErrMissingDependency)
	}
	if log == nil {
		log = slog.Default()
	}
	return &OutboxPublisher{events: events, log: log}, nil
}

// Publish puts evs on the bus in order, as many to a request as the bus
// takes. It returns how many, from the first, were published; on an error
// the rest are still to be published.
func (p *OutboxPublisher) Publish(ctx context.Context, evs []OutboxEvent) (int, error) {
	const batch = 10 // PutEvents' entries per request
	done := 0
	for done < len(evs) {
		n := min(batch, len(evs)-done)
		out := make([]events.Event, n)
		for i, o := range evs[done : done+n] {
			out[i] = o.Event()
		}
		if err := p.events.Publish(ctx, out...); err != nil {
			p.log.Warn("outbox publish failed; retried", "eventId", evs[done].ID, "pending", len(evs)-done, "err", err)
			return done, fmt.Errorf("%w: outbox publish %s: %w", ErrUnavailable, evs[done].ID, err)
		}
		done += n
	}
	return done, nil
}
