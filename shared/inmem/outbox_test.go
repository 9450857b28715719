package inmem_test

import (
	"context"
	"fmt"
	"strings"
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

// The outbox keeps the newest emails only: a runner left on for days
// does not grow without end.
func TestOutboxKeepsTheNewest(t *testing.T) {
	box := inmem.NewOutbox(mayday.SystemClock{})
	for i := range inmem.KeepEmails + 5 {
		if err := box.Send(context.Background(), mayday.Email{To: []string{"desk@example.com"}, Template: mayday.TemplateName,
			Data: map[string]string{"callId": fmt.Sprintf("c-%d", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	got := box.Emails()
	if len(got) != inmem.KeepEmails || !strings.Contains(got[0].Text, fmt.Sprintf("c-%d", inmem.KeepEmails+4)) ||
		!strings.Contains(got[len(got)-1].Text, "c-5") {
		t.Fatalf("%d emails kept, newest first %.80q, oldest %.80q; want the newest %d", len(got), got[0].Text,
			got[len(got)-1].Text, inmem.KeepEmails)
	}
}
