// Command email-notification is the Lambda function for handler.Notification.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/mayday/mayday/shared/awswire"
	"github.com/mayday/mayday/shared/handler"
)

func main() {
	b := awswire.MustBoot(lambdacontext.NewLogger(), awswire.Needs{Table: true, Sender: true})
	lambda.Start(handler.Notification{Service: b.Service}.Handle)
}
