// Command presence-restore is the Lambda function for handler.PresenceRestore.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/mayday/mayday/shared/awswire"
	"github.com/mayday/mayday/shared/handler"
)

func main() {
	l := awswire.MustLambda(lambdacontext.NewLogger(), awswire.Needs{Table: true})
	svc := awswire.NewService(l, awswire.Store(l), nil, nil)
	lambda.Start(handler.PresenceRestore{Service: svc}.Handle)
}
