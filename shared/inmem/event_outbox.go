package inmem

import (
	"context"
	"slices"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// eventOutbox holds the events the store's writes recorded (the
// transactional outbox) until they are published; the Store's lock guards
// it, so an event is recorded iff its write is.
type eventOutbox struct {
	pending []mayday.OutboxEvent
	// recorded is every id recorded and when it may be forgotten: a write
	// that records an id again records nothing, as a DynamoDB Put of an
	// existing item streams no INSERT.
	recorded map[string]time.Time
	notify   chan struct{}
	pruned   time.Time // when recorded last dropped expired ids
}

// record keeps evs; the caller holds the write lock.
func (o *eventOutbox) record(evs []mayday.OutboxEvent) {
	if len(evs) == 0 {
		return
	}
	for _, e := range evs {
		if _, seen := o.recorded[e.ID]; seen {
			continue
		}
		o.recorded[e.ID] = e.ExpiresAt
		o.pending = append(o.pending, cloneOutboxEvent(e))
	}
	if now := evs[0].CreatedAt; now.Sub(o.pruned) > time.Minute {
		o.pruned = now
		for id, exp := range o.recorded {
			if exp.Before(now) {
				delete(o.recorded, id)
			}
		}
	}
	select {
	case o.notify <- struct{}{}:
	default: // a wake-up is pending already
	}
}

func cloneOutboxEvent(e mayday.OutboxEvent) mayday.OutboxEvent {
	e.Detail = slices.Clone(e.Detail)
	return e
}

// PendingEvents lists the recorded events not yet published, oldest first.
func (s *Store) PendingEvents() []mayday.OutboxEvent {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]mayday.OutboxEvent, len(s.outbox.pending))
	for i, e := range s.outbox.pending {
		out[i] = cloneOutboxEvent(e)
	}
	return out
}

// Published drops the events ids from the pending ones.
func (s *Store) Published(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outbox.pending = slices.DeleteFunc(s.outbox.pending, func(e mayday.OutboxEvent) bool { return slices.Contains(ids, e.ID) })
}

// EventsRecorded receives after a write records events: the publisher's
// wake-up, so that it publishes at once rather than on a poll.
func (s *Store) EventsRecorded() <-chan struct{} { return s.outbox.notify }

// RecordedEvent returns the pending event id: what the outbox holds.
func (s *Store) RecordedEvent(ctx context.Context, id string) (mayday.OutboxEvent, bool, error) {
	if err := s.rlock(ctx); err != nil {
		return mayday.OutboxEvent{}, false, err
	}
	defer s.mu.RUnlock()
	for _, e := range s.outbox.pending {
		if e.ID == id {
			return cloneOutboxEvent(e), true, nil
		}
	}
	return mayday.OutboxEvent{}, false, nil
}
