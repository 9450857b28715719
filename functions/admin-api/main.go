// Command admin-api serves the admin and agent-state routes on a Lambda
// function URL with AWS_IAM auth: IAM has authorised every request that
// reaches it. Its use case: shared/mayday/admin_api.go. The addresses agents
// confirm are validated with Amazon Location (shared/amazonlocation).
package main

import (
	"github.com/aws/aws-lambda-go/lambdaurl"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/amazonlocation"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
)

func main() {
	f := coldstart.Start(functions.AdminAPI)
	opts := f.Options
	opts.Addresses = amazonlocation.New(amazonlocation.NewClient(f.AWS), f.Setting(settings.PlaceIndex))
	uc, err := mayday.NewAdminAPI(f.Store(), opts)
	f.Must(err)
	h, err := (&httpapi.API{AdminAPI: uc, Log: f.Log}).Handler(functions.AdminAPI)
	f.Must(err)
	lambdaurl.Start(h)
}
