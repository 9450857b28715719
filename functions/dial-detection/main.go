// Command dial-detection serves the httpapi routes of httpapi.FnDialDetection on a Lambda
// function URL.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-lambda-go/lambdaurl"

	"github.com/mayday/mayday/shared/awswire"
	"github.com/mayday/mayday/shared/httpapi"
)

func main() {
	b := awswire.MustBoot(lambdacontext.NewLogger(), awswire.Needs{Table: true, Bus: true, Secret: true})
	secret, err := awswire.WebhookSecret(context.Background(), b.Clients, b.Env)
	awswire.Must(b.Log, err)
	lambdaurl.Start((&httpapi.API{Service: b.Service, Secret: secret}).Handler(httpapi.FnDialDetection))
}
