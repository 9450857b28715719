// Command call-history is the Lambda function for handler.CallHistory.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/mayday/mayday/shared/awswire"
	"github.com/mayday/mayday/shared/handler"
)

func main() {
	b := awswire.MustBoot(lambdacontext.NewLogger(), awswire.Needs{Table: true})
	lambda.Start(handler.CallHistory{Service: b.Service}.Handle)
}
