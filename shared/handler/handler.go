// Package handler holds the event-driven Lambda handlers as importable
// types: functions/<name>/main.go starts one with lambda.Start, and the local
// runner registers the same ones on its in-process bus.
package handler

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/mayday"
)

// decode reads an EventBridge event's detail, checking its detail-type.
func decode[T any](e lambdaevents.EventBridgeEvent, want ...string) (T, error) {
	var d T
	ok := false
	for _, w := range want {
		ok = ok || e.DetailType == w
	}
	if !ok {
		return d, fmt.Errorf("%w: event %s: detail-type %q, want %q", mayday.ErrInvalid, e.ID, e.DetailType, want)
	}
	if err := json.Unmarshal(e.Detail, &d); err != nil {
		return d, fmt.Errorf("%w: event %s (%s): detail: %v", mayday.ErrInvalid, e.ID, e.DetailType, err)
	}
	return d, nil
}

// CallbackLeaseAllocation handles "Emergency Call Started".
type CallbackLeaseAllocation struct {
	UseCase *mayday.CallbackLeaseAllocation
}

func (h CallbackLeaseAllocation) Handle(ctx context.Context, e lambdaevents.EventBridgeEvent) error {
	d, err := decode[events.EmergencyCallStartedDetail](e, events.EmergencyCallStarted)
	if err != nil {
		return err
	}
	return h.UseCase.Allocate(ctx, d)
}

// EmailNotification handles "Callback Lease Allocated" and "Callback Lease
// Unavailable", and "Emergency Test Call".
type EmailNotification struct{ UseCase *mayday.EmailNotification }

func (h EmailNotification) Handle(ctx context.Context, e lambdaevents.EventBridgeEvent) error {
	if e.DetailType == events.EmergencyTestCall {
		d, err := decode[events.EmergencyCallStartedDetail](e, events.EmergencyTestCall)
		if err != nil {
			return err
		}
		return h.UseCase.NotifyTest(ctx, d)
	}
	d, err := decode[events.CallbackLeaseDetail](e, events.CallbackLeaseAllocated, events.CallbackLeaseUnavailable)
	if err != nil {
		return err
	}
	return h.UseCase.Notify(ctx, d)
}

// PresenceRestore handles "Emergency Call Ended".
type PresenceRestore struct{ UseCase *mayday.PresenceRestore }

func (h PresenceRestore) Handle(ctx context.Context, e lambdaevents.EventBridgeEvent) error {
	d, err := decode[events.CallEndedDetail](e, events.EmergencyCallEnded)
	if err != nil {
		return err
	}
	return h.UseCase.Restore(ctx, d)
}

// CallHistory handles "Call Ended" (ordinary calls only).
type CallHistory struct{ UseCase *mayday.CallHistory }

func (h CallHistory) Handle(ctx context.Context, e lambdaevents.EventBridgeEvent) error {
	d, err := decode[events.CallEndedDetail](e, events.CallEnded)
	if err != nil {
		return err
	}
	return h.UseCase.Record(ctx, d)
}

// EmergencyRecord appends the emergency events to the emergency record.
type EmergencyRecord struct{ UseCase *mayday.EmergencyRecord }

func (h EmergencyRecord) Handle(ctx context.Context, e lambdaevents.EventBridgeEvent) error {
	if err := h.UseCase.Append(ctx, e.DetailType, e.Detail); err != nil {
		return fmt.Errorf("event %s (%s): %w", e.ID, e.DetailType, err)
	}
	return nil
}

// LeaseExpiry handles the every-minute schedule: it releases expired leases
// and runs the presence watchdog.
type LeaseExpiry struct{ UseCase *mayday.LeaseExpiry }

func (h LeaseExpiry) Handle(ctx context.Context, _ lambdaevents.EventBridgeEvent) error {
	return h.UseCase.Run(ctx)
}

// OperatorAlarm receives events operators alarm on. In AWS the alarm is the
// rule's CloudWatch metric; this handler leaves one structured log line per
// event (ids only) for the log-based view.
type OperatorAlarm struct{ Log *slog.Logger }

func (h OperatorAlarm) Handle(_ context.Context, e lambdaevents.EventBridgeEvent) error {
	h.Log.Warn("operator alarm", "detailType", e.DetailType, "eventId", e.ID)
	return nil
}

// Audit keeps a log line per routed callback and expired lease.
type Audit struct{ Log *slog.Logger }

func (h Audit) Handle(_ context.Context, e lambdaevents.EventBridgeEvent) error {
	h.Log.Info("audit", "detailType", e.DetailType, "eventId", e.ID)
	return nil
}

// PresencePush handles the emergency conversations' starts and ends (and
// the watchdog's restores) for the presence platform.
type PresencePush struct{ UseCase *mayday.PresencePush }

func (h PresencePush) Handle(ctx context.Context, e lambdaevents.EventBridgeEvent) error {
	switch e.DetailType {
	case events.EmergencyCallStarted:
		d, err := decode[events.EmergencyCallStartedDetail](e, events.EmergencyCallStarted)
		if err != nil {
			return err
		}
		return h.UseCase.Started(ctx, d)
	case events.EmergencyCallbackRouted:
		d, err := decode[events.CallbackRoutedDetail](e, events.EmergencyCallbackRouted)
		if err != nil {
			return err
		}
		return h.UseCase.CallbackRouted(ctx, d)
	case events.PresenceWatchdogRestored:
		d, err := decode[events.WatchdogRestoredDetail](e, events.PresenceWatchdogRestored)
		if err != nil {
			return err
		}
		return h.UseCase.WatchdogRestored(ctx, d)
	}
	d, err := decode[events.CallEndedDetail](e, events.EmergencyCallEnded)
	if err != nil {
		return err
	}
	return h.UseCase.Ended(ctx, d)
}

// AlertEscalation handles an alert's escalation schedule: EventBridge
// Scheduler invokes the function with the schedule's input,
// {"alertId": "..."}.
type AlertEscalation struct{ UseCase *mayday.AlertEscalation }

func (h AlertEscalation) Handle(ctx context.Context, in mayday.EscalationInput) error {
	return h.UseCase.Escalate(ctx, in)
}
