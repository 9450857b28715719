package inmem

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// Escalations is the embedded mayday.EscalationScheduler: one timer per
// alert, in process, that runs Fire when the alert is due (the local
// runner's stand-in for EventBridge Scheduler's one-time schedules, which
// invoke the alert-escalation function). Fire is set once the use case it
// runs exists (the use cases take the scheduler). A failed Fire is
// retried, as the schedule's retry policy does.
type Escalations struct {
	Clock mayday.Clock
	Log   *slog.Logger
	Fire  func(ctx context.Context, alertID string) error
	// Retries and RetryDelay: how often and after how long a failed Fire
	// runs again (default 2, 1s).
	Retries    int
	RetryDelay time.Duration

	mu     sync.Mutex
	timers map[string]*time.Timer
	closed bool
	wg     sync.WaitGroup
}

var _ mayday.EscalationScheduler = (*Escalations)(nil)

// ScheduleEscalation arms the alert's timer; an alert armed already keeps
// its timer (a redelivered alert schedules again).
func (e *Escalations) ScheduleEscalation(_ context.Context, alertID string, at time.Time) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	if e.timers == nil {
		e.timers = map[string]*time.Timer{}
	}
	if _, ok := e.timers[alertID]; ok {
		return nil
	}
	now := time.Now()
	if e.Clock != nil {
		now = e.Clock.Now()
	}
	e.wg.Add(1)
	e.timers[alertID] = time.AfterFunc(max(0, at.Sub(now)), func() {
		defer e.wg.Done()
		e.fire(alertID)
	})
	return nil
}

// CancelEscalation stops the alert's timer, if it has not fired.
func (e *Escalations) CancelEscalation(_ context.Context, alertID string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if t, ok := e.timers[alertID]; ok && t.Stop() {
		e.wg.Done()
	}
	delete(e.timers, alertID)
	return nil
}

// Pending counts the timers armed and not yet fired.
func (e *Escalations) Pending() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.timers)
}

func (e *Escalations) fire(alertID string) {
	e.mu.Lock()
	delete(e.timers, alertID)
	fire, closed := e.Fire, e.closed
	e.mu.Unlock()
	log := cmpLog(e.Log).With("alertId", alertID)
	if fire == nil || closed {
		log.Error("escalation due but nothing to run it")
		return
	}
	retries, delay := e.Retries, e.RetryDelay
	if retries == 0 {
		retries = 2
	}
	if delay == 0 {
		delay = time.Second
	}
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := fire(ctx, alertID)
		cancel()
		if err == nil {
			return
		}
		if attempt >= retries {
			log.Error("escalation failed", "attempts", attempt+1, "err", err)
			return
		}
		log.Warn("escalation failed; retrying", "err", err)
		time.Sleep(delay)
	}
}

// Close stops the timers not fired and waits for those running.
func (e *Escalations) Close() {
	e.mu.Lock()
	e.closed = true
	for id, t := range e.timers {
		if t.Stop() {
			e.wg.Done()
		}
		delete(e.timers, id)
	}
	e.mu.Unlock()
	e.wg.Wait()
}

func cmpLog(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}
