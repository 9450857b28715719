// Command admin-api serves the admin and agent-state routes on a Lambda
// function URL with AWS_IAM auth: IAM has authorised every request that
// reaches it. Its use case: shared/mayday/admin_api.go.
package main

import (
	"github.com/aws/aws-lambda-go/lambdaurl"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/mayday"
)

func main() {
	f := coldstart.Start(functions.AdminAPI)
	uc, err := mayday.NewAdminAPI(f.Store(), f.Options)
	f.Must(err)
	h, err := (&httpapi.API{AdminAPI: uc, Log: f.Log}).Handler(functions.AdminAPI)
	f.Must(err)
	lambdaurl.Start(h)
}
