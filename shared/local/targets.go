package local

import (
	"context"
	"log/slog"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/amazonconnect"
	"github.com/mayday/mayday/shared/handler"
	"github.com/mayday/mayday/shared/mayday"
)

// Targets maps every target of events.Rules the use cases run (presence
// push only with its platform) to its handler, for the local bus and tests.
func Targets(u mayday.UseCases, log *slog.Logger) map[string]func(context.Context, lambdaevents.EventBridgeEvent) error {
	t := map[string]func(context.Context, lambdaevents.EventBridgeEvent) error{
		functions.CallbackLeaseAllocation: handler.CallbackLeaseAllocation{UseCase: u.CallbackLeaseAllocation}.Handle,
		functions.EmailNotification:       handler.EmailNotification{UseCase: u.EmailNotification}.Handle,
		functions.PresenceRestore:         handler.PresenceRestore{UseCase: u.PresenceRestore}.Handle,
		functions.CallHistory:             handler.CallHistory{UseCase: u.CallHistory}.Handle,
		functions.LeaseExpiry:             handler.LeaseExpiry{UseCase: u.LeaseExpiry}.Handle,
		events.TargetOperatorAlarm:        handler.OperatorAlarm{Log: log}.Handle,
		events.TargetAudit:                handler.Audit{Log: log}.Handle,
		functions.ConnectEvents:           amazonconnect.ContactEvents{Dial: u.DialDetection, Log: log}.Handle,
	}
	if u.EmergencyRecord != nil { // an emergency record is kept
		t[functions.EmergencyRecord] = handler.EmergencyRecord{UseCase: u.EmergencyRecord}.Handle
	}
	if u.PresencePush != nil { // a presence platform is configured
		t[functions.PresencePush] = handler.PresencePush{UseCase: u.PresencePush}.Handle
	}
	return t
}
