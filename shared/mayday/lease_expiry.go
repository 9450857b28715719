package mayday

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mayday/mayday/events"
)

// LeaseExpiry is the lease-expiry function's use case, run every minute: it
// releases expired callback leases ("Callback Lease Expired"), ends the
// calls the platform reports ended (Reconcile) and runs the presence
// watchdog ("Presence Watchdog Restored").
type LeaseExpiry struct {
	ports
	// contacts is optional (Options.Contacts); dial ends the calls it
	// reports ended, as their end events would.
	contacts ContactStatus
	dial     *DialDetection
}

// NewLeaseExpiry builds the use case; every port is required but
// Options.Contacts.
func NewLeaseExpiry(store Store, events Publisher, o Options) (*LeaseExpiry, error) {
	p, err := newPorts("lease expiry", o, store, events, port{"store", store}, port{"publisher", events})
	if err != nil {
		return nil, err
	}
	l := &LeaseExpiry{ports: p}
	if !isNil(o.Contacts) {
		if l.dial, err = NewDialDetection(store, events, o); err != nil {
			return nil, err
		}
		l.contacts = o.Contacts
	}
	return l, nil
}

// Run is one scheduled run: the sweep, the reconciliation, then the
// watchdog.
func (l *LeaseExpiry) Run(ctx context.Context) error {
	_, err := l.Sweep(ctx)
	_, rerr := l.Reconcile(ctx)
	_, werr := l.Watchdog(ctx)
	return errors.Join(err, rerr, werr)
}

// Sweep releases expired leases and announces each expiry, recorded with
// the release (the outbox): a run that fails after it is retried finds the
// lease released, so a publish here could never be made again. Run it on a
// schedule; it is safe to run twice or concurrently.
func (l *LeaseExpiry) Sweep(ctx context.Context) (int, error) {
	now := l.now()
	due, err := l.store.LeasesExpiringBy(ctx, now)
	if err != nil {
		return 0, fmt.Errorf("sweep: %w", err)
	}
	var errs []error
	count := 0
	for _, n := range due {
		var released bool
		_, err := l.store.UpdateNumberAnnouncing(ctx, n.Number, func(n *CallbackNumber) ([]OutboxEvent, error) {
			lease, ok := n.Release(now)
			released = ok
			if !ok {
				return nil, ErrNoChange
			}
			if lease.AgentID == "" {
				return nil, nil
			}
			// Keyed by the lease's call: one expiry each.
			key := cmp.Or(lease.CallID, n.Number+"@"+lease.ExpiresAt.UTC().Format(time.RFC3339Nano))
			return outboxEvents(key, now, events.Event{DetailType: events.CallbackLeaseExpired, Detail: events.LeaseExpiredDetail{
				CallbackNumber: n.Number, Country: n.Country, AgentID: lease.AgentID, CallID: lease.CallID,
				ExpiredAt: lease.ExpiresAt}})
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("lease %s: release: %w", n.Number, err))
			continue
		}
		if released {
			count++
		}
	}
	if count > 0 {
		l.log.Info("expired leases released", "count", count)
	}
	return count, errors.Join(errs...)
}

// Watchdog restores agents still in an emergency MaxEmergency after it
// began: their end events were lost, and nobody may stay on Do Not Disturb
// forever. Each restore is announced for operators. It runs with the sweep.
func (l *LeaseExpiry) Watchdog(ctx context.Context) (int, error) {
	now := l.now()
	cutoff := now.Add(-l.cfg.MaxEmergency)
	stuck, err := l.store.AgentsInEmergencySince(ctx, cutoff)
	if err != nil {
		return 0, fmt.Errorf("watchdog: %w", err)
	}
	var errs []error
	count := 0
	for _, a := range stuck {
		var ended []string
		// The announcement is recorded with the restore (the outbox): the
		// platform's presence follows it, and a retried run finds nobody
		// stuck to announce again.
		_, err := l.store.UpdateAgentAnnouncing(ctx, a.ID, func(a *Agent) ([]OutboxEvent, error) {
			ended = nil
			if !a.InEmergency() || a.Emergency.Since.After(cutoff) {
				return nil, ErrNoChange // ended, or a new emergency, meanwhile
			}
			ended = a.EndAllEmergencies()
			a.UpdatedAt = now
			if len(ended) == 0 {
				return nil, nil
			}
			// Keyed by the first call it ended: those calls end once.
			return outboxEvents(ended[0], now, events.Event{DetailType: events.PresenceWatchdogRestored, Detail: events.WatchdogRestoredDetail{
				AgentID: a.ID, CallIDs: ended, Presence: string(a.Presence), At: now}})
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("watchdog: agent %s: %w", a.ID, err))
			continue
		}
		if len(ended) > 0 {
			count++
			l.log.Warn("watchdog restored presence; end events presumed lost", "agentId", a.ID, "calls", len(ended))
		}
	}
	return count, errors.Join(errs...)
}
