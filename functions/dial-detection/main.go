// Command dial-detection serves the call-lifecycle webhook on a Lambda
// function URL (requests carry the webhook signature): it detects emergency
// dials and ends calls. Its use case: shared/mayday/dial_detection.go.
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
	f := coldstart.Start(httpapi.FnDialDetection)
	bus := ebpublisher.New(eventbridge.NewFromConfig(f.AWS), f.Setting(settings.Bus))
	uc, err := mayday.NewDialDetection(f.Store(), bus, f.Options)
	f.Must(err)
	secrets := webhooksecret.Static(f.Setting(settings.WebhookSecret), f.Setting(settings.WebhookSecretPrevious))
	if arn := f.Setting(settings.WebhookSecretARN); arn != "" {
		secrets = awssecret.Source(secretsmanager.NewFromConfig(f.AWS), arn, f.Duration(settings.WebhookSecretOverlap))
	}
	h, err := (&httpapi.API{DialDetection: uc, Secrets: secrets, Log: f.Log}).Handler(httpapi.FnDialDetection)
	f.Must(err)
	lambdaurl.Start(h)
}
