// Command admin-api serves the admin and agent-state routes on a Lambda
// function URL with AWS_IAM auth: IAM has authorised every request that
// reaches it. Its use case: shared/mayday/admin_api.go. The addresses agents
// confirm are validated with Amazon Location (shared/amazonlocation); with a
// Twilio account configured, the readiness report asks Twilio which numbers
// have an emergency address registered.
package main

import (
	"github.com/aws/aws-lambda-go/lambdaurl"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/amazonlocation"
	"github.com/mayday/mayday/shared/awssecret"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
	"github.com/mayday/mayday/shared/twilionumbers"
)

func main() {
	f := coldstart.Start(functions.AdminAPI)
	o := f.Options
	o.Addresses = amazonlocation.New(amazonlocation.NewClient(f.AWS), f.Setting(settings.PlaceIndex))
	if sid := f.Setting(settings.TwilioAccountSID); sid != "" {
		// The token is only read: no rotation overlap to honour.
		token := awssecret.Or(secretsmanager.NewFromConfig(f.AWS), f.Setting(settings.TwilioAuthTokenARN), 0,
			f.Setting(settings.TwilioAuthToken))
		numbers, err := twilionumbers.New(twilionumbers.Config{AccountSID: sid, AuthToken: token})
		f.Must(err)
		o.Numbers = numbers
	}
	uc, err := mayday.NewAdminAPI(f.Store(), o)
	f.Must(err)
	// The console's acknowledgement: no link to verify, so no alert key;
	// its schedule is left to fire and find the alert acknowledged (the
	// Scheduler client would put this bootstrap over its size goal).
	ack, err := mayday.NewAlertAck(f.Store(), mayday.Options{Config: o.Config, Clock: o.Clock, Log: o.Log})
	f.Must(err)
	h, err := (&httpapi.API{AdminAPI: uc, AlertAck: ack, Log: f.Log}).Handler(functions.AdminAPI)
	f.Must(err)
	lambdaurl.Start(h)
}
