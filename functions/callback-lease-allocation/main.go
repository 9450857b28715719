// Command callback-lease-allocation is the Lambda function for handler.LeaseAllocation.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/mayday/mayday/shared/awswire"
	"github.com/mayday/mayday/shared/handler"
)

func main() {
	b := awswire.MustBoot(lambdacontext.NewLogger(), awswire.Needs{Table: true, Bus: true})
	lambda.Start(handler.LeaseAllocation{Service: b.Service}.Handle)
}
