package mayday

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mayday/mayday/events"
)

// MaxAckName bounds the name someone acknowledging an alert gives.
const MaxAckName = 100

// AlertAck is the alert-ack function's use case: it shows a security desk
// alert to whoever holds its link's token and records the first
// acknowledgement; the admin API (the console) acknowledges without a
// token. It can do nothing else: no other item is read or written.
type AlertAck struct {
	ports
	secret      AlertSecret
	escalations EscalationScheduler
}

// NewAlertAck builds the use case. Without Options.AlertSecret only the
// console's acknowledgement works (links are refused as unavailable);
// Options.Escalations is optional (without it an
// acknowledgement cancels no schedule, and the escalation, which re-reads
// the alert, does nothing).
func NewAlertAck(store Store, o Options) (*AlertAck, error) {
	p, err := newPorts("alert ack", o, store, nil, port{"store", store})
	if err != nil {
		return nil, err
	}
	return &AlertAck{ports: p, secret: o.AlertSecret, escalations: o.Escalations}, nil
}

// AckResult is an acknowledgement's outcome: the alert as stored, and
// whether this acknowledgement was the first (false: the alert names who
// acknowledged it first, and when).
type AckResult struct {
	Alert Alert
	First bool
}

// verify checks token for the alert: ErrAlertTokenInvalid (401) or
// ErrAlertTokenExpired (403), before anything is read, so that a guessed
// id tells nothing.
func (k *AlertAck) verify(ctx context.Context, alertID, token string) error {
	if err := ValidID("alertId", alertID); err != nil {
		return err
	}
	if k.secret == nil {
		return fmt.Errorf("%w: no alert secret configured", ErrUnavailable)
	}
	keys, err := k.secret(ctx)
	if err != nil {
		return fmt.Errorf("%w: alert secret: %w", ErrUnavailable, err)
	}
	if err := VerifyAlertToken(keys, alertID, token, k.now()); err != nil {
		return fmt.Errorf("alert %s: %w", alertID, err)
	}
	return nil
}

// Show returns the alert the token opens. It changes nothing: mail
// scanners follow links.
func (k *AlertAck) Show(ctx context.Context, alertID, token string) (Alert, error) {
	if err := k.verify(ctx, alertID, token); err != nil {
		return Alert{}, err
	}
	return k.store.GetAlert(ctx, alertID)
}

// Acknowledge records by's acknowledgement of the alert the token opens.
func (k *AlertAck) Acknowledge(ctx context.Context, alertID, token, by string) (AckResult, error) {
	if err := k.verify(ctx, alertID, token); err != nil {
		return AckResult{}, err
	}
	return k.acknowledge(ctx, alertID, by)
}

// AcknowledgeAsAdmin records an acknowledgement from the console, whose
// caller the admin API has authenticated: by names them.
func (k *AlertAck) AcknowledgeAsAdmin(ctx context.Context, alertID, by string) (AckResult, error) {
	if err := ValidID("alertId", alertID); err != nil {
		return AckResult{}, err
	}
	return k.acknowledge(ctx, alertID, by)
}

// Alerts lists the live alerts of one site or ("") all: only those still
// waiting for an acknowledgement when open, else the acknowledged ones
// too, which tell the desk who has picked an emergency up.
func (k *AlertAck) Alerts(ctx context.Context, siteID string, open bool) ([]Alert, error) {
	if err := ValidOptionalID("siteId", siteID); err != nil {
		return nil, err
	}
	now := k.now()
	live, err := k.store.LiveAlerts(ctx, siteID, now)
	if err != nil || !open {
		return live, err
	}
	return slices.DeleteFunc(live, func(a Alert) bool { return !a.Open(now) }), nil
}

func (k *AlertAck) acknowledge(ctx context.Context, alertID, by string) (AckResult, error) {
	by = strings.TrimSpace(by)
	if err := ValidText("name", by, MaxAckName); err != nil {
		return AckResult{}, err
	}
	if by == "" {
		by = "someone with the alert's link"
	}
	now := k.now()
	var first bool
	// The acknowledgement and its announcement are one write (the outbox).
	a, err := k.store.UpdateAlertAnnouncing(ctx, alertID, func(x *Alert) ([]OutboxEvent, error) {
		if err := x.acknowledge(by, now); err != nil {
			first = false
			return nil, err
		}
		first = true
		return outboxEvents(x.ID, now, events.Event{DetailType: events.EmergencyAlertAcknowledged, Detail: events.AlertDetail{
			AlertID: x.ID, CallID: x.CallID, SiteID: x.SiteID, By: by, At: now}})
	})
	if err != nil {
		return AckResult{}, fmt.Errorf("alert %s: acknowledge: %w", alertID, err)
	}
	log := k.log.With("alertId", a.ID, "callId", a.CallID)
	if !first {
		log.Info("alert acknowledged already")
		return AckResult{Alert: a}, nil
	}
	if k.escalations != nil {
		if err := k.escalations.CancelEscalation(ctx, a.ID); err != nil {
			// The escalation re-reads the alert and does nothing.
			log.Warn("escalation schedule not deleted", "err", err)
		}
	}
	log.Info("alert acknowledged")
	return AckResult{Alert: a, First: true}, nil
}
