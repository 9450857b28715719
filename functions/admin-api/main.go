// Command admin-api serves the admin and agent-state routes on a Lambda
// function URL with AWS_IAM auth: IAM has authorised every request that
// reaches it.
package main

import (
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-lambda-go/lambdaurl"

	"github.com/mayday/mayday/shared/awswire"
	"github.com/mayday/mayday/shared/httpapi"
)

func main() {
	l := awswire.MustLambda(lambdacontext.NewLogger(), awswire.Needs{Table: true})
	api := &httpapi.API{Service: awswire.NewService(l, awswire.Store(l), nil, nil)}
	lambdaurl.Start(api.Handler(httpapi.FnAdmin))
}
