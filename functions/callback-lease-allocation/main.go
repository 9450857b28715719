// Command callback-lease-allocation takes "Emergency Call Started": it
// confirms and announces the callback lease the dial took (or what the dial
// presented instead), and applies Do Not Disturb where the dial could not
// (a store fault). It leases nothing itself. Its use case:
// shared/mayday/callback_lease_allocation.go.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/ebpublisher"
	"github.com/mayday/mayday/shared/handler"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
)

func main() {
	f := coldstart.Start(functions.CallbackLeaseAllocation)
	bus := ebpublisher.New(eventbridge.NewFromConfig(f.AWS), f.Setting(settings.Bus))
	uc, err := mayday.NewCallbackLeaseAllocation(f.Store(), bus, f.Options)
	f.Must(err)
	lambda.Start(handler.CallbackLeaseAllocation{UseCase: uc}.Handle)
}
