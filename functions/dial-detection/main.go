// Command dial-detection serves the httpapi routes of httpapi.FnDialDetection on a Lambda
// function URL; requests must carry the webhook signature.
package main

import (
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-lambda-go/lambdaurl"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/mayday/mayday/shared/awswire"
	"github.com/mayday/mayday/shared/ebpublisher"
	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/webhooksecret"
)

func main() {
	l := awswire.MustLambda(lambdacontext.NewLogger(), awswire.Needs{Table: true, Bus: true, Secret: true})
	api := &httpapi.API{Service: awswire.NewService(l, awswire.Store(l), ebpublisher.New(eventbridge.NewFromConfig(l.Config), l.Env.Bus), nil),
		SecretFunc: webhooksecret.Provider(l.Env)}
	lambdaurl.Start(api.Handler(httpapi.FnDialDetection))
}
