// Command presence-push moves the agent's presence in the contact-center
// platform that owns it (MAYDAY_PRESENCE_PLATFORM) during emergency
// conversations, and back. Its use case: shared/mayday/presence_push.go.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/amazonconnect/agentstatus"
	"github.com/mayday/mayday/shared/awssecret"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/handler"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/presenceplatform"
)

func main() {
	f := coldstart.Start(functions.PresencePush)
	sm := secretsmanager.NewFromConfig(f.AWS)
	platform, err := presenceplatform.New(f.Setting, func(arn string) presenceplatform.Secret {
		return awssecret.Source(sm, arn, 0) // the current value: presence push signs or authenticates, never verifies
	}, func() agentstatus.API { return connect.NewFromConfig(f.AWS) })
	f.Must(err)
	uc, err := mayday.NewPresencePush(f.Store(), platform, f.Options)
	f.Must(err)
	lambda.Start(handler.PresencePush{UseCase: uc}.Handle)
}
