package agentstatus_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/connect"

	"github.com/mayday/mayday/shared/amazonconnect/agentstatus"
	"github.com/mayday/mayday/shared/testkit/presencetest"
)

// The presence contract, through the presence-push use case, against the
// local fake of the Connect API. The client does not retry, so an injected
// outage reaches the use case as it would once the SDK's retries are spent.
// No routable status is configured: an unknown previous status is left as
// it is, as the contract expects.
func TestPresenceContract(t *testing.T) {
	presencetest.Run(t, func(t *testing.T) presencetest.Subject {
		f := presencetest.NewConnect(t)
		client := connect.New(connect.Options{BaseEndpoint: aws.String(f.URL), Region: f.Region,
			Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
			HTTPClient:  f.Client(), RetryMaxAttempts: 1})
		p, err := agentstatus.NewPresence(client, agentstatus.Config{InstanceARN: f.InstanceARN, DoNotDisturb: f.DoNotDisturbStatus()})
		if err != nil {
			t.Fatal(err)
		}
		return presencetest.Subject{Platform: p, Fake: f}
	})
}
