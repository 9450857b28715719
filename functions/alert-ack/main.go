// Command alert-ack serves a security desk alert's public page on its own
// Function URL (auth NONE: the link's signed token authorises): GET shows
// the alert, POST records the first acknowledgement with its announcement
// (the table's outbox, which outbox-publisher puts on the bus) and deletes
// the escalation's schedule. It can do nothing else. Its use case:
// shared/mayday/alert_ack.go.
package main

import (
	"github.com/aws/aws-lambda-go/lambdaurl"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/awsscheduler"
	"github.com/mayday/mayday/shared/awssecret"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
)

func main() {
	f := coldstart.Start(functions.AlertAck)
	f.Options.AlertSecret = mayday.AlertSecret(awssecret.Or(secretsmanager.NewFromConfig(f.AWS),
		f.Setting(settings.AlertSecretARN), 0, f.Setting(settings.AlertSecret)))
	esc, err := awsscheduler.NewCanceller(scheduler.NewFromConfig(f.AWS), f.Setting(settings.EscalationGroup))
	f.Must(err)
	f.Options.Escalations = esc
	uc, err := mayday.NewAlertAck(f.Store(), f.Options)
	f.Must(err)
	h, err := (&httpapi.API{AlertAck: uc, AlertLimiter: httpapi.DefaultAlertLimiter(), Log: f.Log}).Handler(functions.AlertAck)
	f.Must(err)
	lambdaurl.Start(h)
}
