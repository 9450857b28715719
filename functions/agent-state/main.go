// Command agent-state serves the agent desktop's read-only state route
// (GET /v1/agents/{agentId}/state) on a Lambda function URL with AWS_IAM
// auth of its own, so that a desktop's principal may be allowed to invoke
// it without being allowed the admin routes. It reads the agent and the
// numbers leased to them, nothing else. Its use case:
// shared/mayday/admin_api_state.go.
package main

import (
	"github.com/aws/aws-lambda-go/lambdaurl"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/mayday"
)

func main() {
	f := coldstart.Start(functions.AgentState)
	uc, err := mayday.NewAdminAPI(f.Store(), f.Options)
	f.Must(err)
	h, err := (&httpapi.API{AdminAPI: uc, Log: f.Log}).Handler(functions.AgentState)
	f.Must(err)
	lambdaurl.Start(h)
}
