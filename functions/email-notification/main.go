// Command email-notification alerts on "Callback Lease Allocated" or
// "Callback Lease Unavailable": it emails the agent's emergency contacts and
// the site's security desk, and texts and posts to the desk where the site
// asks (SMS, webhook); on "Emergency Test Call", the desk of a site that
// asks for test alerts. Its use case: shared/mayday/email_notification.go.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/alertwebhook"
	"github.com/mayday/mayday/shared/awsscheduler"
	"github.com/mayday/mayday/shared/awssecret"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/endusersms"
	"github.com/mayday/mayday/shared/handler"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/sesmailer"
	"github.com/mayday/mayday/shared/settings"
)

func main() {
	f := coldstart.Start(functions.EmailNotification)
	mailer := sesmailer.New(sesv2.NewFromConfig(f.AWS), f.Setting(settings.Sender), f.Setting(settings.SESConfigurationSet))
	sm := secretsmanager.NewFromConfig(f.AWS)
	// Both keys only sign here: the current value is enough.
	f.Options.AlertSecret = mayday.AlertSecret(awssecret.Or(sm, f.Setting(settings.AlertSecretARN), 0, f.Setting(settings.AlertSecret)))
	f.Options.AlertBaseURL = f.Setting(settings.AlertBaseURL)
	f.Options.Webhooks = &alertwebhook.Poster{Secret: awssecret.Or(sm, f.Setting(settings.AlertWebhookSecretARN), 0, f.Setting(settings.AlertWebhookSecret))}
	if origination := f.Setting(settings.SMSOrigination); origination != "" {
		sms, err := endusersms.New(pinpointsmsvoicev2.NewFromConfig(f.AWS), origination)
		f.Must(err)
		f.Options.SMS = sms
	}
	esc, err := awsscheduler.New(scheduler.NewFromConfig(f.AWS), f.Setting(settings.EscalationGroup),
		f.Setting(settings.EscalationFunctionARN), f.Setting(settings.EscalationRoleARN))
	f.Must(err)
	f.Options.Escalations = esc
	uc, err := mayday.NewEmailNotification(f.Store(), mailer, f.Options)
	f.Must(err)
	lambda.Start(handler.EmailNotification{UseCase: uc}.Handle)
}
