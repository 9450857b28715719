package mayday

import (
	"context"
	"errors"
	"fmt"

	"github.com/mayday/mayday/events"
)

// Notify handles "Callback Lease Allocated" and "Callback Lease Unavailable":
// one email per call to the agent's emergency contacts.
func (s *Service) Notify(ctx context.Context, d events.CallbackLeaseDetail) error {
	log := s.Log.With("callId", d.CallID, "agentId", d.AgentID)
	agent, err := s.Store.GetAgent(ctx, d.AgentID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("agent %s: %w", d.AgentID, err)
	}
	if len(agent.EmergencyContacts) == 0 {
		log.Warn("no emergency contacts configured; no email sent")
		return nil
	}
	now := s.now()
	n, err := s.Store.UpdateNotification(ctx, d.CallID, func(n *Notification) error { return n.Claim(now) })
	if errors.Is(err, ErrConflict) {
		// Another delivery of this event is sending; it owns the outcome
		// (on failure it gives the claim back and its retry sends).
		log.Info("notification being sent by another delivery")
		return nil
	}
	if err != nil {
		return fmt.Errorf("notification %s: claim: %w", d.CallID, err)
	}
	if n.Status == NotificationSent {
		log.Info("notification already sent")
		return nil
	}
	data := NotificationData{AgentName: agent.Name, AgentEmail: agent.Email, AgentID: agent.ID,
		DialedNumber: d.DialedNumber, Country: d.Country, Location: d.Location,
		CallbackNumber: d.CallbackNumber, StartedAt: d.StartedAt, CallID: d.CallID}
	if d.CallbackExpiresAt != nil {
		data.CallbackExpiresAt = *d.CallbackExpiresAt
	}
	if data.CallbackNumber == "" {
		data.CallbackNumber = "none available"
	}
	if err := s.Mailer.Send(ctx, Email{To: agent.EmergencyContacts, Template: TemplateName, Data: data.Map()}); err != nil {
		// Give the claim back so the retry sends.
		if _, rerr := s.Store.UpdateNotification(ctx, d.CallID, func(n *Notification) error {
			if n.Status != NotificationSending {
				return ErrNoChange
			}
			n.Status = ""
			return nil
		}); rerr != nil {
			log.Error("notification claim not released; a retry sends after the claim times out", "err", rerr)
		}
		return fmt.Errorf("notification %s: send: %w", d.CallID, err)
	}
	if _, err := s.Store.UpdateNotification(ctx, d.CallID, func(n *Notification) error {
		n.Status, n.SentAt = NotificationSent, now
		return nil
	}); err != nil {
		// The email went; a retry after the claim timeout could send again,
		// which beats losing it.
		log.Error("notification sent but not recorded", "err", err)
	}
	log.Info("emergency contacts notified", "recipients", len(agent.EmergencyContacts))
	return nil
}

// RestorePresence handles "Emergency Call Ended": the conversation ends and,
// when it was the agent's last, presence returns to what it was.
func (s *Service) RestorePresence(ctx context.Context, d events.CallEndedDetail) error {
	if d.AgentID == "" {
		return nil // a callback that went to the fallback destination
	}
	now := s.now()
	a, err := s.Store.UpdateAgent(ctx, d.AgentID, func(a *Agent) error {
		// Written even for an agent not seen yet, so that a start arriving
		// after this end leaves presence alone.
		if !a.EndEmergency(d.CallID) {
			return ErrNoChange
		}
		a.UpdatedAt = now
		return nil
	})
	if err != nil {
		return fmt.Errorf("agent %s: end emergency: %w", d.AgentID, err)
	}
	s.Log.Info("emergency conversation ended", "callId", d.CallID, "agentId", d.AgentID,
		"stillActive", len(a.Emergency.Active), "presence", a.Presence)
	return nil
}

// RecordHistory handles "Call Ended": ordinary calls become activities.
// Emergency calls and callbacks never do, checked here again.
func (s *Service) RecordHistory(ctx context.Context, d events.CallEndedDetail) error {
	if CallKind(d.Kind) != KindOrdinary {
		return nil
	}
	c, err := s.Store.GetCall(ctx, d.CallID)
	if err != nil {
		return fmt.Errorf("call %s: %w", d.CallID, err)
	}
	if c.Kind != KindOrdinary || c.AgentID == "" {
		s.Log.Warn("refused to record a non-ordinary call in history", "callId", d.CallID)
		return nil
	}
	err = s.Store.AddActivity(ctx, Activity{AgentID: c.AgentID, CallID: c.ID, Direction: "outbound",
		From: c.From, To: c.To, StartedAt: c.StartedAt, EndedAt: c.EndedAt})
	if err != nil {
		return fmt.Errorf("call %s: history: %w", d.CallID, err)
	}
	return nil
}

// SweepLeases releases expired leases and announces each expiry. Run it on a
// schedule; it is safe to run twice or concurrently.
func (s *Service) SweepLeases(ctx context.Context) (int, error) {
	now := s.now()
	due, err := s.Store.LeasesExpiringBy(ctx, now)
	if err != nil {
		return 0, fmt.Errorf("sweep: %w", err)
	}
	var evs []events.Event
	var errs []error
	for _, n := range due {
		var released Lease
		_, err := s.Store.UpdateNumber(ctx, n.Number, func(n *CallbackNumber) error {
			l, ok := n.Release(now)
			if !ok {
				return ErrNoChange
			}
			released = l
			return nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("lease %s: release: %w", n.Number, err))
			continue
		}
		if released.AgentID != "" {
			evs = append(evs, events.Event{DetailType: events.CallbackLeaseExpired, Detail: events.LeaseExpiredDetail{
				CallbackNumber: n.Number, Country: n.Country, AgentID: released.AgentID, CallID: released.CallID,
				ExpiredAt: released.ExpiresAt}})
		}
	}
	if err := s.publish(ctx, evs...); err != nil {
		errs = append(errs, err)
	}
	if len(evs) > 0 {
		s.Log.Info("expired leases released", "count", len(evs))
	}
	return len(evs), errors.Join(errs...)
}

// Watchdog restores agents still in an emergency MaxEmergency after it
// began: their end events were lost, and nobody may stay on Do Not Disturb
// forever. Each restore is announced for operators. It runs with the sweep.
func (s *Service) Watchdog(ctx context.Context) (int, error) {
	now := s.now()
	cutoff := now.Add(-s.Config.MaxEmergency)
	stuck, err := s.Store.AgentsInEmergencySince(ctx, cutoff)
	if err != nil {
		return 0, fmt.Errorf("watchdog: %w", err)
	}
	var evs []events.Event
	var errs []error
	for _, a := range stuck {
		var ended []string
		restored, err := s.Store.UpdateAgent(ctx, a.ID, func(a *Agent) error {
			ended = nil
			if !a.InEmergency() || a.Emergency.Since.After(cutoff) {
				return ErrNoChange // ended, or a new emergency, meanwhile
			}
			ended = a.EndAllEmergencies()
			a.UpdatedAt = now
			return nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("watchdog: agent %s: %w", a.ID, err))
			continue
		}
		if len(ended) > 0 {
			s.Log.Warn("watchdog restored presence; end events presumed lost", "agentId", a.ID, "calls", len(ended))
			evs = append(evs, events.Event{DetailType: events.PresenceWatchdogRestored, Detail: events.WatchdogRestoredDetail{
				AgentID: a.ID, CallIDs: ended, Presence: string(restored.Presence), At: now}})
		}
	}
	if err := s.publish(ctx, evs...); err != nil {
		errs = append(errs, err)
	}
	return len(evs), errors.Join(errs...)
}
