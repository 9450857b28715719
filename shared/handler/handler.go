// Package handler holds the event-driven Lambda handlers as importable
// types: functions/<name>/main.go starts one with lambda.Start, and the local
// runner registers the same ones on its in-process bus.
package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

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

// LeaseAllocation handles "Emergency Call Started".
type LeaseAllocation struct{ Service *mayday.Service }

func (h LeaseAllocation) Handle(ctx context.Context, e lambdaevents.EventBridgeEvent) error {
	d, err := decode[events.EmergencyCallStartedDetail](e, events.EmergencyCallStarted)
	if err != nil {
		return err
	}
	return h.Service.AllocateLease(ctx, d)
}

// Notification handles "Callback Lease Allocated" / "Callback Lease Unavailable".
type Notification struct{ Service *mayday.Service }

func (h Notification) Handle(ctx context.Context, e lambdaevents.EventBridgeEvent) error {
	d, err := decode[events.CallbackLeaseDetail](e, events.CallbackLeaseAllocated, events.CallbackLeaseUnavailable)
	if err != nil {
		return err
	}
	return h.Service.Notify(ctx, d)
}

// PresenceRestore handles "Emergency Call Ended".
type PresenceRestore struct{ Service *mayday.Service }

func (h PresenceRestore) Handle(ctx context.Context, e lambdaevents.EventBridgeEvent) error {
	d, err := decode[events.CallEndedDetail](e, events.EmergencyCallEnded)
	if err != nil {
		return err
	}
	return h.Service.RestorePresence(ctx, d)
}

// CallHistory handles "Call Ended" (ordinary calls only).
type CallHistory struct{ Service *mayday.Service }

func (h CallHistory) Handle(ctx context.Context, e lambdaevents.EventBridgeEvent) error {
	d, err := decode[events.CallEndedDetail](e, events.CallEnded)
	if err != nil {
		return err
	}
	return h.Service.RecordHistory(ctx, d)
}

// LeaseExpiry handles the every-minute schedule: it releases expired leases
// and runs the presence watchdog.
type LeaseExpiry struct{ Service *mayday.Service }

func (h LeaseExpiry) Handle(ctx context.Context, _ lambdaevents.EventBridgeEvent) error {
	_, err := h.Service.SweepLeases(ctx)
	_, werr := h.Service.Watchdog(ctx)
	return errors.Join(err, werr)
}

// OperatorAlarm receives events operators alarm on. In AWS the alarm is the
// rule's CloudWatch metric; this handler leaves one structured log line per
// event (ids only) for the log-based view.
type OperatorAlarm struct{ Service *mayday.Service }

func (h OperatorAlarm) Handle(_ context.Context, e lambdaevents.EventBridgeEvent) error {
	h.Service.Log.Warn("operator alarm", "detailType", e.DetailType, "eventId", e.ID)
	return nil
}

// Audit keeps a log line per routed callback and expired lease.
type Audit struct{ Service *mayday.Service }

func (h Audit) Handle(_ context.Context, e lambdaevents.EventBridgeEvent) error {
	h.Service.Log.Info("audit", "detailType", e.DetailType, "eventId", e.ID)
	return nil
}

// Targets maps every target of events.Rules to its handler function, for the
// local bus and for tests.
func Targets(s *mayday.Service) map[string]func(context.Context, lambdaevents.EventBridgeEvent) error {
	return map[string]func(context.Context, lambdaevents.EventBridgeEvent) error{
		events.TargetLeaseAllocation: LeaseAllocation{s}.Handle,
		events.TargetNotification:    Notification{s}.Handle,
		events.TargetPresenceRestore: PresenceRestore{s}.Handle,
		events.TargetCallHistory:     CallHistory{s}.Handle,
		events.TargetLeaseExpiry:     LeaseExpiry{s}.Handle,
		events.TargetOperatorAlarm:   OperatorAlarm{s}.Handle,
		events.TargetAudit:           Audit{s}.Handle,
	}
}
