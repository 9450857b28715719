// Command dial-detection serves the call-lifecycle webhook on a Lambda
// function URL (requests carry the webhook signature): it detects emergency
// dials and ends calls; with a Twilio account configured, also as Twilio's
// Voice URL and status callback. Its use case: shared/mayday/dial_detection.go.
package main

import (
	"github.com/aws/aws-lambda-go/lambdaurl"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/awssecret"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/ebpublisher"
	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
)

func main() {
	f := coldstart.Start(functions.DialDetection)
	bus := ebpublisher.New(eventbridge.NewFromConfig(f.AWS), f.Setting(settings.Bus))
	uc, err := mayday.NewDialDetection(f.Store(), bus, f.Options)
	f.Must(err)
	sm := secretsmanager.NewFromConfig(f.AWS)
	overlap := f.Duration(settings.WebhookSecretOverlap)
	api := &httpapi.API{DialDetection: uc, Log: f.Log,
		Secrets: awssecret.Or(sm, f.Setting(settings.WebhookSecretARN), overlap,
			f.Setting(settings.WebhookSecret), f.Setting(settings.WebhookSecretPrevious)),
		// nil, and no Twilio routes, when no Twilio auth token is configured
		TwilioAuthToken:  awssecret.Or(sm, f.Setting(settings.TwilioAuthTokenARN), overlap, f.Setting(settings.TwilioAuthToken)),
		TwilioAccountSID: f.Setting(settings.TwilioAccountSID), TwilioOrdinaryURL: f.Setting(settings.TwilioOrdinaryURL),
		TwilioPublicURL: f.Setting(settings.TwilioPublicURL)}
	h, err := api.Handler(functions.DialDetection)
	f.Must(err)
	lambdaurl.Start(h)
}
