// Command emergency-record appends the emergency events (the dial, its
// location and caller ID, the lease, callbacks, the end, presence restored)
// to each call's emergency record. Its use case:
// shared/mayday/emergency_record.go.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/handler"
	"github.com/mayday/mayday/shared/mayday"
)

func main() {
	f := coldstart.Start(functions.EmergencyRecord)
	uc, err := mayday.NewEmergencyRecord(f.Record(), f.Options)
	f.Must(err)
	lambda.Start(handler.EmergencyRecord{UseCase: uc}.Handle)
}
