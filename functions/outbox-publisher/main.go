// Command outbox-publisher takes the table's stream and puts the events the
// dial recorded with its writes (the outbox items) on the bus, at least
// once. Its use case: shared/mayday/outbox.go; its handler:
// shared/handler/outbox_publisher.go.
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
	f := coldstart.Start(functions.OutboxPublisher)
	bus := ebpublisher.New(eventbridge.NewFromConfig(f.AWS), f.Setting(settings.Bus))
	uc, err := mayday.NewOutboxPublisher(bus, f.Log)
	f.Must(err)
	lambda.Start(handler.OutboxPublisher{UseCase: uc, Region: f.AWS.Region, Log: f.Log}.Handle)
}
