// Command connect-flow answers Amazon Connect contact flows: action=dial
// (the outbound whisper flow: dial detection, the caller ID to present) and
// action=inbound (the pool numbers' flow: where a callback goes, and the
// agent made routable). Its use cases: shared/mayday/dial_detection.go and
// shared/mayday/priority_callback_routing.go; the translation:
// shared/amazonconnect.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/amazonconnect"
	"github.com/mayday/mayday/shared/amazonconnect/agentstatus"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/ebpublisher"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
)

func main() {
	f := coldstart.Start(functions.ConnectFlow)
	bus := ebpublisher.New(eventbridge.NewFromConfig(f.AWS), f.Setting(settings.Bus))
	dial, err := mayday.NewDialDetection(f.Store(), bus, f.Options)
	f.Must(err)
	routing, err := mayday.NewPriorityCallbackRouting(f.Store(), bus, f.Options)
	f.Must(err)
	var agents amazonconnect.Agents
	if arn := f.Setting(settings.ConnectInstanceARN); arn != "" {
		agents, err = agentstatus.New(connect.NewFromConfig(f.AWS),
			agentstatus.Config{InstanceARN: arn, Routable: f.Setting(settings.ConnectRoutableStatus)})
		f.Must(err)
	}
	flow, err := amazonconnect.NewFlow(dial, routing, agents, f.Options)
	f.Must(err)
	lambda.Start(flow.Handle)
}
