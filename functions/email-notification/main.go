// Command email-notification emails the agent's emergency contacts on
// "Callback Lease Allocated" or "Callback Lease Unavailable". Its use case:
// shared/mayday/email_notification.go.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/handler"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/sesmailer"
	"github.com/mayday/mayday/shared/settings"
)

func main() {
	f := coldstart.Start(functions.EmailNotification)
	mailer := sesmailer.New(sesv2.NewFromConfig(f.AWS), f.Setting(settings.Sender), f.Setting(settings.SESConfigurationSet))
	uc, err := mayday.NewEmailNotification(f.Store(), mailer, f.Options)
	f.Must(err)
	lambda.Start(handler.EmailNotification{UseCase: uc}.Handle)
}
