// Command connect-events ends the call of an Amazon Connect voice contact
// when Connect reports it disconnected (contact events on the account's
// default bus), as the call.ended webhook does. Its use case:
// shared/mayday/dial_detection.go; the translation: shared/amazonconnect.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/amazonconnect"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/ebpublisher"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
)

func main() {
	f := coldstart.Start(functions.ConnectEvents)
	bus := ebpublisher.New(eventbridge.NewFromConfig(f.AWS), f.Setting(settings.Bus))
	dial, err := mayday.NewDialDetection(f.Store(), bus, f.Options)
	f.Must(err)
	lambda.Start(amazonconnect.ContactEvents{Dial: dial, Log: f.Log}.Handle)
}
