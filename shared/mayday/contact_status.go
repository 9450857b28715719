package mayday

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ContactStatus is the contact-center platform's own view of a call, asked
// where its end-of-call events are best effort (Amazon Connect's contact
// events): a lost end would otherwise keep the agent on Do Not Disturb
// until the watchdog.
type ContactStatus interface {
	// ContactEnded reports whether the platform has the call (by its id,
	// the platform's contact id) ended, and when. A call the platform does
	// not know is not reported ended: it may be another platform's.
	ContactEnded(ctx context.Context, callID string) (ended bool, at time.Time, err error)
}

// Reconcile ends the emergency conversations still open that the platform
// (Options.Contacts) reports ended, as their lost end events would have.
// Without the port it does nothing. It runs with the sweep.
func (l *LeaseExpiry) Reconcile(ctx context.Context) (int, error) {
	if l.contacts == nil {
		return 0, nil
	}
	open, err := l.store.AgentsInEmergencySince(ctx, l.now())
	if err != nil {
		return 0, fmt.Errorf("reconcile: %w", err)
	}
	var n int
	var errs []error
	for _, a := range open {
		for _, c := range a.Emergency.Active {
			ended, at, err := l.contacts.ContactEnded(ctx, c.CallID)
			if err != nil {
				errs = append(errs, fmt.Errorf("reconcile: call %s: %w", c.CallID, err))
				continue
			}
			if !ended {
				continue
			}
			if _, err := l.dial.HandleCall(ctx, CallEvent{Type: CallEventEnded, CallID: c.CallID, OccurredAt: at}); err != nil {
				errs = append(errs, fmt.Errorf("reconcile: call %s: end: %w", c.CallID, err))
				continue
			}
			l.log.Warn("call ended by reconciliation; end event presumed lost", "callId", c.CallID, "agentId", a.ID)
			n++
		}
	}
	return n, errors.Join(errs...)
}
