// Command call-history records ordinary calls in call history on "Call
// Ended". Its use case: shared/mayday/call_history.go.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/handler"
	"github.com/mayday/mayday/shared/mayday"
)

func main() {
	f := coldstart.Start(functions.CallHistory)
	uc, err := mayday.NewCallHistory(f.Store(), f.Options)
	f.Must(err)
	lambda.Start(handler.CallHistory{UseCase: uc}.Handle)
}
