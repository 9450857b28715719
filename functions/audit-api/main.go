// Command audit-api serves the emergency record's route on a Lambda
// function URL with AWS_IAM auth, which only the audit role may invoke. Its
// use case: shared/mayday/audit_api.go.
package main

import (
	"github.com/aws/aws-lambda-go/lambdaurl"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/mayday"
)

func main() {
	f := coldstart.Start(functions.AuditAPI)
	uc, err := mayday.NewAuditAPI(f.Record(), f.Options)
	f.Must(err)
	h, err := (&httpapi.API{AuditAPI: uc, Log: f.Log}).Handler(functions.AuditAPI)
	f.Must(err)
	lambdaurl.Start(h)
}
