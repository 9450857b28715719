package inmem_test

import (
	"testing"

	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/testkit/mailertest"
)

func TestOutboxMailerContract(t *testing.T) {
	var box *inmem.Outbox
	mailertest.Run(t, mailertest.Harness{
		New: func(t *testing.T) mayday.Mailer {
			box = inmem.NewOutbox(mayday.SystemClock{})
			return box
		},
		Sent: func(t *testing.T) []mailertest.Received {
			var out []mailertest.Received
			for _, e := range box.Emails() {
				out = append(out, mailertest.Received{To: e.To, Subject: e.Subject, Text: e.Text, HTML: e.HTML})
			}
			return out
		},
	})
}
