// Command lease-expiry runs every minute: it releases expired callback
// leases, ends the Amazon Connect calls Connect reports disconnected (their
// contact events are best effort) and runs the presence watchdog. Its use
// case: shared/mayday/lease_expiry.go.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/amazonconnect"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/ebpublisher"
	"github.com/mayday/mayday/shared/handler"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
)

func main() {
	f := coldstart.Start(functions.LeaseExpiry)
	bus := ebpublisher.New(eventbridge.NewFromConfig(f.AWS), f.Setting(settings.Bus))
	opts := f.Options
	if arn := f.Setting(settings.ConnectInstanceARN); arn != "" {
		contacts, err := amazonconnect.NewContactStatus(connect.NewFromConfig(f.AWS), arn)
		f.Must(err)
		opts.Contacts = contacts
	}
	uc, err := mayday.NewLeaseExpiry(f.Store(), bus, opts)
	f.Must(err)
	lambda.Start(handler.LeaseExpiry{UseCase: uc}.Handle)
}
