package local

import (
	"context"
	"log/slog"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// The local runner publishes what the store's writes record (the
// transactional outbox) the way the deployed system does: from the embedded
// store's outbox as soon as a write records an event, or, over DynamoDB,
// from the table's stream through the outbox publisher's own handler
// (StreamRelay).

// EmbeddedOutbox is the embedded store's outbox (inmem.Store).
type EmbeddedOutbox interface {
	PendingEvents() []mayday.OutboxEvent
	Published(ids ...string)
	EventsRecorded() <-chan struct{}
}

// publishTimeout bounds one publish of the relay.
const publishTimeout = 5 * time.Second

// maxRelayBackoff bounds the wait between tries while the bus fails.
const maxRelayBackoff = time.Second

// RelayEmbedded publishes what box records until ctx ends, then once more
// (what the last requests recorded). A failed publish is tried again after
// a backoff doubling from 10 ms to maxRelayBackoff.
func RelayEmbedded(ctx context.Context, box EmbeddedOutbox, pub *mayday.OutboxPublisher, log *slog.Logger) {
	var wait time.Duration
	for {
		pending := box.PendingEvents()
		if len(pending) > 0 {
			// A hung bus must not hold the relay; past the end, the last
			// try gets a context of its own.
			parent := ctx
			if ctx.Err() != nil {
				parent = context.Background()
			}
			pctx, cancel := context.WithTimeout(parent, publishTimeout)
			n, err := pub.Publish(pctx, pending)
			cancel()
			ids := make([]string, n)
			for i, e := range pending[:n] {
				ids[i] = e.ID
			}
			box.Published(ids...)
			if err == nil {
				wait = 0
				if ctx.Err() != nil {
					return
				}
				continue // more may have come meanwhile
			}
			if ctx.Err() != nil {
				log.Error("outbox events left unpublished at shutdown", "count", len(pending)-n)
				return
			}
			wait = min(max(2*wait, 10*time.Millisecond), maxRelayBackoff)
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
			continue
		}
		if ctx.Err() != nil {
			return
		}
		select {
		case <-ctx.Done():
		case <-box.EventsRecorded():
		}
	}
}

// Settle waits until what the store's writes recorded has been published
// and the bus has delivered it all, what that delivery recorded in turn
// included: the runner is idle.
func (m *Main) Settle() {
	for range 2 {
		m.waitRelay()
		m.Bus.Wait()
	}
}

// waitRelay waits until the relay has published what was recorded before
// the call (at most 10 s).
func (m *Main) waitRelay() {
	deadline := time.Now().Add(10 * time.Second)
	if m.Stream != nil {
		seen := m.streamIdle.Load()
		for m.streamIdle.Load() < seen+2 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		return
	}
	if box, ok := m.Store.(EmbeddedOutbox); ok {
		for len(box.PendingEvents()) > 0 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Microsecond)
		}
	}
}
