// Package deskalerts wires what the functions that alert a security desk
// share (email-notification, alert-escalation): SES for the emails, the
// links' signing key and base, End User Messaging for the texts when an
// origination identity is configured.
package deskalerts

import (
	"github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/mayday/mayday/shared/awssecret"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/endusersms"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/sesmailer"
	"github.com/mayday/mayday/shared/settings"
)

// Wire sets f.Options' link key and base and SMS sender, and returns the
// mailer and the Secrets Manager client (for the function's other keys).
func Wire(f *coldstart.Function) (mayday.Mailer, *secretsmanager.Client) {
	mailer := sesmailer.New(sesv2.NewFromConfig(f.AWS), f.Setting(settings.Sender), f.Setting(settings.SESConfigurationSet))
	sm := secretsmanager.NewFromConfig(f.AWS)
	// The key only signs here: the current value is enough.
	f.Options.AlertSecret = mayday.AlertSecret(awssecret.Or(sm, f.Setting(settings.AlertSecretARN), 0, f.Setting(settings.AlertSecret)))
	f.Options.AlertBaseURL = f.Setting(settings.AlertBaseURL)
	if origination := f.Setting(settings.SMSOrigination); origination != "" {
		sms, err := endusersms.New(pinpointsmsvoicev2.NewFromConfig(f.AWS), origination)
		f.Must(err)
		f.Options.SMS = sms
	}
	return mailer, sm
}
