package mayday

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/mayday/mayday/events"
)

// AlertEscalation is the alert-escalation function's use case: when an
// alert's site's escalateAfter has passed (the schedule the desk alert
// set), it re-reads the alert and, unacknowledged, announces "Emergency
// Alert Escalated" and alerts the site's next tier (its escalate emails
// and SMS numbers), once.
type AlertEscalation struct {
	notify *EmailNotification
}

// NewAlertEscalation builds the use case; it sends as email-notification
// does (Options.SMS for the tier's numbers).
func NewAlertEscalation(store Store, mailer Mailer, o Options) (*AlertEscalation, error) {
	n, err := NewEmailNotification(store, mailer, o)
	if err != nil {
		return nil, fmt.Errorf("alert escalation: %w", err)
	}
	return &AlertEscalation{notify: n}, nil
}

// EscalationInput is what the schedule delivers: the alert to escalate.
type EscalationInput struct {
	AlertID string `json:"alertId"`
}

// Escalate escalates the alert unless it was acknowledged first. The
// escalation is claimed by a conditional write (EscalatedAt) that records
// its announcement (the outbox), so it is announced once; its messages are marked in the call's notification
// (Notification.Delivered, tier escalation), so a retry after a failure
// sends only what did not go.
func (x *AlertEscalation) Escalate(ctx context.Context, in EscalationInput) error {
	e := x.notify
	if err := ValidID("alertId", in.AlertID); err != nil {
		return err
	}
	log := e.log.With("alertId", in.AlertID)
	now := e.now()
	var first bool
	a, err := e.store.UpdateAlertAnnouncing(ctx, in.AlertID, func(a *Alert) ([]OutboxEvent, error) {
		first = false
		if a.Version == 0 {
			return nil, NotFound("alert", a.ID)
		}
		if a.Acknowledged() || !a.EscalatedAt.IsZero() {
			return nil, ErrNoChange
		}
		a.EscalatedAt, first = now, true
		return outboxEvents(a.ID, now, events.Event{DetailType: events.EmergencyAlertEscalated, Detail: events.AlertDetail{
			AlertID: a.ID, CallID: a.CallID, SiteID: a.SiteID, At: now}})
	})
	if errors.Is(err, ErrNotFound) {
		log.Warn("escalation of an alert not stored; nothing to do")
		return nil
	}
	if err != nil {
		return fmt.Errorf("alert %s: escalate: %w", in.AlertID, err)
	}
	log = log.With("callId", a.CallID)
	if a.EscalatedAt.IsZero() {
		log.Info("alert acknowledged before its escalation; not escalated", "acknowledgedAt", a.AcknowledgedAt)
		return nil
	}
	site, err := e.sites.load(ctx, e.store, a.SiteID)
	if err != nil {
		return err
	}
	if site == nil {
		log.Warn("the alert's site is gone; no next tier to alert")
		return nil
	}
	var emails, phones []string
	for _, r := range site.Escalate {
		if isPhone(r) {
			phones = append(phones, r)
		} else {
			emails = append(emails, r)
		}
	}
	esc := a
	esc.Tier = TierEscalation
	// The next tier acknowledges the same alert: its link is the desk's.
	if err := esc.link(ctx, e.alertSecret, e.alertBase); err != nil {
		log.Error("escalation sent without its acknowledgement link", "err", err)
	}
	n, err := e.store.UpdateNotification(ctx, a.CallID, func(*Notification) error { return ErrNoChange })
	if err != nil {
		return fmt.Errorf("notification %s: read: %w", a.CallID, err)
	}
	done, sent, failed := e.send(ctx, e.deliveries(log, uniqueAddresses(emails), Site{NotifySMS: phones}, esc.data(), esc),
		n.Delivered, a.ID)
	if err := recordNotification(ctx, e.record, e.clock, a.CallID, "alert-escalation", sent); err != nil {
		log.Error("escalation sent but not in the emergency record", "err", err)
	}
	if len(done) > 0 {
		if _, err := e.store.UpdateNotification(ctx, a.CallID, func(n *Notification) error {
			for _, k := range done {
				if !slices.Contains(n.Delivered, k) {
					n.Delivered = append(n.Delivered, k)
				}
			}
			return nil
		}); err != nil {
			log.Error("escalation sent but not marked; a retry may send it again", "err", err)
		}
	}
	if err := errors.Join(failed...); err != nil {
		return fmt.Errorf("alert %s: escalate: send: %w", a.ID, err)
	}
	log.Info("alert escalated", "emails", len(emails), "sms", len(phones), "first", first)
	return nil
}

// data is the email template's data for an alert as stored.
func (a Alert) data() NotificationData {
	return NotificationData{AgentName: a.AgentName, AgentID: a.AgentID, DialedNumber: a.DialedNumber,
		Location: a.Detail, SiteName: a.SiteName, Address: a.Address,
		CallbackNumber: cmp.Or(a.CallerID, PlatformDefaultNumber), CallerIDSource: callerIDWords[a.CallerIDSource],
		CallbackExpiresAt: a.ExpiresAt, StartedAt: a.At, CallID: a.CallID, AlertID: a.ID, AckLink: a.Link,
		Test: a.Test, Escalated: a.Tier == TierEscalation}
}
