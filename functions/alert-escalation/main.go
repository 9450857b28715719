// Command alert-escalation runs when an alert's one-time EventBridge
// Scheduler schedule is due ({"alertId": ...}): unacknowledged, the alert
// is announced escalated and its site's next tier alerted (email, SMS),
// once. Its use case: shared/mayday/alert_escalation.go.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/deskalerts"
	"github.com/mayday/mayday/shared/handler"
	"github.com/mayday/mayday/shared/mayday"
)

func main() {
	f := coldstart.Start(functions.AlertEscalation)
	mailer, _ := deskalerts.Wire(f)
	uc, err := mayday.NewAlertEscalation(f.Store(), mailer, f.Options)
	f.Must(err)
	lambda.Start(handler.AlertEscalation{UseCase: uc}.Handle)
}
