// Command priority-callback-routing serves the inbound routing webhook on a
// Lambda function URL (requests carry the webhook signature): a PSAP
// callback goes straight to its agent. Its use case:
// shared/mayday/priority_callback_routing.go.
package main

import (
	"github.com/aws/aws-lambda-go/lambdaurl"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/mayday/mayday/shared/awssecret"
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
	secrets := webhooksecret.Static(f.Setting(settings.WebhookSecret), f.Setting(settings.WebhookSecretPrevious))
	if arn := f.Setting(settings.WebhookSecretARN); arn != "" {
		secrets = awssecret.Source(secretsmanager.NewFromConfig(f.AWS), arn, f.Duration(settings.WebhookSecretOverlap))
	}
	h, err := (&httpapi.API{PriorityCallbackRouting: uc, Secrets: secrets, Log: f.Log}).Handler(httpapi.FnCallbackRouting)
	f.Must(err)
	lambdaurl.Start(h)
}
