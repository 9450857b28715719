// Command callback-lease-allocation is the Lambda function for handler.LeaseAllocation.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/mayday/mayday/shared/awswire"
	"github.com/mayday/mayday/shared/ebpublisher"
	"github.com/mayday/mayday/shared/handler"
)

func main() {
	l := awswire.MustLambda(lambdacontext.NewLogger(), awswire.Needs{Table: true, Bus: true})
	svc := awswire.NewService(l, awswire.Store(l), ebpublisher.New(eventbridge.NewFromConfig(l.Config), l.Env.Bus), nil)
	lambda.Start(handler.LeaseAllocation{Service: svc}.Handle)
}
