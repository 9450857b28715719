// Command presence-restore restores presence on "Emergency Call Ended".
// Its use case: shared/mayday/presence_restore.go.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/handler"
	"github.com/mayday/mayday/shared/mayday"
)

func main() {
	f := coldstart.Start(functions.PresenceRestore)
	uc, err := mayday.NewPresenceRestore(f.Store(), f.Options)
	f.Must(err)
	lambda.Start(handler.PresenceRestore{UseCase: uc}.Handle)
}
