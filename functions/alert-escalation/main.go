// Command alert-escalation runs when an alert's one-time EventBridge
// Scheduler schedule is due ({"alertId": ...}): unacknowledged, the alert
// is announced escalated and its site's next tier alerted (email, SMS),
// once. Its use case: shared/mayday/alert_escalation.go.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/awssecret"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/endusersms"
	"github.com/mayday/mayday/shared/handler"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/sesmailer"
	"github.com/mayday/mayday/shared/settings"
)

func main() {
	f := coldstart.Start(functions.AlertEscalation)
	mailer := sesmailer.New(sesv2.NewFromConfig(f.AWS), f.Setting(settings.Sender), f.Setting(settings.SESConfigurationSet))
	f.Options.AlertSecret = mayday.AlertSecret(awssecret.Or(secretsmanager.NewFromConfig(f.AWS),
		f.Setting(settings.AlertSecretARN), 0, f.Setting(settings.AlertSecret)))
	f.Options.AlertBaseURL = f.Setting(settings.AlertBaseURL)
	if origination := f.Setting(settings.SMSOrigination); origination != "" {
		sms, err := endusersms.New(pinpointsmsvoicev2.NewFromConfig(f.AWS), origination)
		f.Must(err)
		f.Options.SMS = sms
	}
	uc, err := mayday.NewAlertEscalation(f.Store(), mailer, f.Options)
	f.Must(err)
	lambda.Start(handler.AlertEscalation{UseCase: uc}.Handle)
}
