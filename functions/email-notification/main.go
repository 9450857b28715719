// Command email-notification alerts on "Callback Lease Allocated" or
// "Callback Lease Unavailable": it emails the agent's emergency contacts and
// the site's security desk, and texts and posts to the desk where the site
// asks (SMS, webhook); on "Emergency Test Call", the desk of a site that
// asks for test alerts. Its use case: shared/mayday/email_notification.go.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/alertwebhook"
	"github.com/mayday/mayday/shared/awsscheduler"
	"github.com/mayday/mayday/shared/awssecret"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/deskalerts"
	"github.com/mayday/mayday/shared/handler"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
)

func main() {
	f := coldstart.Start(functions.EmailNotification)
	mailer, sm := deskalerts.Wire(f)
	// The webhook key only signs here: the current value is enough.
	f.Options.Webhooks = &alertwebhook.Poster{Secret: awssecret.Or(sm, f.Setting(settings.AlertWebhookSecretARN), 0, f.Setting(settings.AlertWebhookSecret))}
	esc, err := awsscheduler.New(scheduler.NewFromConfig(f.AWS), f.Setting(settings.EscalationGroup),
		f.Setting(settings.EscalationFunctionARN), f.Setting(settings.EscalationRoleARN), f.Setting(settings.EscalationDeadLetterARN))
	f.Must(err)
	f.Options.Escalations = esc
	uc, err := mayday.NewEmailNotification(f.Store(), mailer, f.Options)
	f.Must(err)
	lambda.Start(handler.EmailNotification{UseCase: uc}.Handle)
}
