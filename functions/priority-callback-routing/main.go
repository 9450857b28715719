// Command priority-callback-routing serves the inbound routing webhook on a
// Lambda function URL (requests carry the webhook signature): a PSAP
// callback goes straight to its agent (with a Twilio account configured,
// also as the pool numbers' Twilio Voice URL). Its use case:
// shared/mayday/priority_callback_routing.go.
package main

import (
	"github.com/aws/aws-lambda-go/lambdaurl"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/ebpublisher"
	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
	"github.com/mayday/mayday/shared/webhooksecret"
)

func main() {
	f := coldstart.Start(httpapi.FnCallbackRouting)
	bus := ebpublisher.New(eventbridge.NewFromConfig(f.AWS), f.Setting(settings.Bus))
	uc, err := mayday.NewPriorityCallbackRouting(f.Store(), bus, f.Options)
	f.Must(err)
	secret := webhooksecret.Provider(f.Setting(settings.WebhookSecretARN), f.Setting(settings.WebhookSecret))
	api := &httpapi.API{PriorityCallbackRouting: uc, SecretFunc: secret, Log: f.Log, TwilioAccountSID: f.Setting(settings.TwilioAccountSID),
		TwilioOrdinaryURL: f.Setting(settings.TwilioOrdinaryURL), TwilioPublicURL: f.Setting(settings.TwilioPublicURL)}
	if arn, token := f.Setting(settings.TwilioAuthTokenARN), f.Setting(settings.TwilioAuthToken); arn != "" || token != "" {
		api.TwilioAuthToken = httpapi.OneToken(webhooksecret.Provider(arn, token)) // else: no Twilio routes
	}
	h, err := api.Handler(httpapi.FnCallbackRouting)
	f.Must(err)
	lambdaurl.Start(h)
}
