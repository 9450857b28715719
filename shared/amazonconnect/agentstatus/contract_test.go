package agentstatus_test

import (
	"testing"

	"github.com/mayday/mayday/shared/amazonconnect/agentstatus"
	"github.com/mayday/mayday/shared/testkit/presencetest"
)

// The presence contract, through the presence-push use case, against the
// local fake of the Connect API (whose client does not retry).
// No routable status is configured: an unknown previous status is left as
// it is, as the contract expects.
func TestPresenceContract(t *testing.T) {
	presencetest.Run(t, func(t *testing.T) presencetest.Subject {
		f := presencetest.NewConnect(t)
		p, err := agentstatus.NewPresence(f.API(), agentstatus.Config{InstanceARN: f.InstanceARN, DoNotDisturb: f.DoNotDisturbStatus()})
		if err != nil {
			t.Fatal(err)
		}
		return presencetest.Subject{Platform: p, Fake: f}
	})
}
