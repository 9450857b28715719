package harness

import (
	"context"
	"sync"
	"time"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/mayday"
)

// Recorder passes events on to the bus and keeps them.
type Recorder struct {
	inner mayday.Publisher
	mu    sync.Mutex
	evs   []events.Event
}

func (r *Recorder) Publish(ctx context.Context, evs ...events.Event) error {
	r.mu.Lock()
	r.evs = append(r.evs, evs...)
	r.mu.Unlock()
	return r.inner.Publish(ctx, evs...)
}

// Of lists the events of the detail-type published so far, oldest first.
func (r *Recorder) Of(detailType string) []events.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []events.Event
	for _, e := range r.evs {
		if e.DetailType == detailType {
			out = append(out, e)
		}
	}
	return out
}

// ManualClock is a clock a test moves by hand.
type ManualClock struct {
	mu sync.Mutex
	t  time.Time
}

func NewManualClock(t time.Time) *ManualClock { return &ManualClock{t: t} }

func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
