// Command email-notification is the Lambda function for handler.Notification.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/mayday/mayday/shared/awswire"
	"github.com/mayday/mayday/shared/handler"
	"github.com/mayday/mayday/shared/sesmailer"
)

func main() {
	l := awswire.MustLambda(lambdacontext.NewLogger(), awswire.Needs{Table: true, Sender: true})
	svc := awswire.NewService(l, awswire.Store(l), nil, sesmailer.New(sesv2.NewFromConfig(l.Config), l.Env.Sender, l.Env.ConfigurationSet))
	lambda.Start(handler.Notification{Service: svc}.Handle)
}
