package mayday_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/mayday"
)

func TestNotification(t *testing.T) {
	ctx := context.Background()
	t.Run("failed send is retried and sent once", func(t *testing.T) {
		f := newFixture(t)
		f.mail.failures = 1
		f.dial("c-1")
		f.deliver(events.EmergencyCallStarted)
		evs := f.bus.take(events.CallbackLeaseUnavailable)
		d := evs[0].Detail.(events.CallbackLeaseDetail)
		if err := f.uc.EmailNotification.Notify(ctx, d); err == nil {
			t.Fatal("a failed send must return an error so the bus retries")
		}
		for range 3 {
			if err := f.uc.EmailNotification.Notify(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(f.mail.Emails()); n != 1 {
			t.Fatalf("%d emails, want 1", n)
		}
	})
	t.Run("no contacts, no email", func(t *testing.T) {
		f := newFixture(t)
		if _, err := f.uc.AdminAPI.PutAgent(ctx, "a-2", mayday.Profile{Name: "Bo", Country: "US"}); err != nil {
			t.Fatal(err)
		}
		f.call(mayday.CallEventDialed, "c-2", "a-2", "911")
		f.deliver(events.EmergencyCallStarted)
		f.deliver(events.CallbackLeaseUnavailable)
		if n := len(f.mail.Emails()); n != 0 {
			t.Fatalf("%d emails, want 0", n)
		}
	})
}

// The agent's contacts and the site's recipients may each be at SES's limit
// of 50 recipients a message: together they go out in as many messages as
// that takes, each address once.
func TestNotificationOverTheRecipientLimit(t *testing.T) {
	f := withSites(t)
	ctx := context.Background()
	var contacts, notify []string
	for i := range 50 {
		contacts = append(contacts, fmt.Sprintf("c%d@example.com", i))
	}
	for i := range 10 {
		notify = append(notify, fmt.Sprintf("n%d@example.com", i))
	}
	notify = append(notify, "C0@example.com") // a contact again
	site := seattle
	site.Notify = notify
	if _, err := f.uc.AdminAPI.PutSite(ctx, "sea", site); err != nil {
		t.Fatal(err)
	}
	if _, err := f.uc.AdminAPI.SetContacts(ctx, "a-1", contacts); err != nil {
		t.Fatal(err)
	}
	f.dial("c-1")
	f.deliver(events.EmergencyCallStarted)
	f.deliver(events.CallbackLeaseAllocated)
	got := map[string]int{}
	mails := f.mail.Emails()
	for _, m := range mails {
		for _, a := range m.To {
			got[strings.ToLower(a)]++
		}
	}
	if len(mails) != 2 || len(got) != 60 {
		t.Fatalf("%d emails to %d addresses; want 2 messages reaching all 60", len(mails), len(got))
	}
	for a, n := range got {
		if n != 1 {
			t.Errorf("%s got %d emails", a, n)
		}
	}
}
