package mayday_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
)

// flakySMS fails its first failures texts to the numbers in failTo.
type flakySMS struct {
	*inmem.Outbox
	failTo   string
	failures int
}

func (s *flakySMS) SendSMS(ctx context.Context, m mayday.SMS) (string, error) {
	if m.To == s.failTo && s.failures > 0 {
		s.failures--
		return "", errors.New("carrier throttled")
	}
	return s.Outbox.SendSMS(ctx, m)
}

var alertKey = []byte("alert-key")

// alerting is the fixture's sites, Seattle's desk texted at two numbers and
// posted to a webhook, with an email-notification use case whose channels
// are the fixture's outbox (texts through sms, given the outbox; nil: no
// SMS sender).
func alerting(t *testing.T, sms func(*inmem.Outbox) mayday.SMSSender, mod ...func(*mayday.Site)) (*fixture, *mayday.EmailNotification) {
	t.Helper()
	return alertingWith(t, sms, mayday.Options{}, mod...)
}

// alertingWith is alerting, the use case also given extra's record.
func alertingWith(t *testing.T, sms func(*inmem.Outbox) mayday.SMSSender, extra mayday.Options, mod ...func(*mayday.Site)) (*fixture, *mayday.EmailNotification) {
	t.Helper()
	f := withSites(t)
	site := seattle
	site.NotifySMS = []string{"+12065550150", "+12065550151"}
	site.NotifyWebhook = "https://hooks.example.com/services/T/B/X"
	for _, m := range mod {
		m(&site)
	}
	if _, err := f.uc.AdminAPI.PutSite(context.Background(), "sea", site); err != nil {
		t.Fatal(err)
	}
	o := f.opts
	o.Webhooks = f.mail.Outbox
	if sms != nil {
		o.SMS = sms(f.mail.Outbox)
	}
	o.AlertSecret = func(context.Context) ([][]byte, error) { return [][]byte{alertKey}, nil }
	o.AlertBaseURL = "https://desk.example.com/"
	o.Record, o.Escalations = extra.Record, extra.Escalations
	uc, err := mayday.NewEmailNotification(f.store, f.mail, o)
	if err != nil {
		t.Fatal(err)
	}
	return f, uc
}

func outboxSMS(o *inmem.Outbox) mayday.SMSSender { return o }

// leaseDetail dials c-1 from Seattle and returns its lease announcement.
func (f *fixture) leaseDetail() events.CallbackLeaseDetail {
	f.t.Helper()
	f.dial("c-1")
	f.deliver(events.EmergencyCallStarted)
	evs := f.bus.take(events.CallbackLeaseAllocated)
	if len(evs) != 1 {
		f.t.Fatalf("%d lease announcements", len(evs))
	}
	return evs[0].Detail.(events.CallbackLeaseDetail)
}

// channels counts the outbox's messages by channel.
func channels(o *inmem.Outbox) map[string]int {
	n := map[string]int{mayday.ChannelEmail: len(o.Emails())}
	for _, a := range o.Alerts() {
		n[a.Channel]++
	}
	return n
}

// TestAlertChannels: one emergency alerts the desk on every channel, each
// message naming the same alert and carrying its signed link, which
// expires with the lease; redelivered, it sends nothing more.
func TestAlertChannels(t *testing.T) {
	ctx := context.Background()
	f, uc := alerting(t, outboxSMS)
	d := f.leaseDetail()
	for range 3 {
		if err := uc.Notify(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if got := channels(f.mail.Outbox); got["email"] != 1 || got["sms"] != 2 || got["webhook"] != 1 {
		t.Fatalf("sent %v, want 1 email, 2 sms, 1 webhook", got)
	}
	id := mayday.AlertID("c-1", mayday.TierDesk)
	email := f.mail.Emails()[0]
	if email.Channel != "email" || email.AlertID != id || !strings.HasPrefix(email.AckLink, "https://desk.example.com/v1/alerts/"+id+"?token=") {
		t.Fatalf("email %s %s %s", email.Channel, email.AlertID, email.AckLink)
	}
	to := map[string]bool{}
	for _, a := range f.mail.Alerts() {
		to[a.To] = true
		if a.AlertID != id || a.AckLink != email.AckLink {
			t.Errorf("%s to %s: alert %s link %s, want %s %s", a.Channel, a.To, a.AlertID, a.AckLink, id, email.AckLink)
		}
		for _, want := range []string{d.CallbackNumber, "Seattle HQ"} {
			if !strings.Contains(a.Text, want) {
				t.Errorf("%s text %q lacks %q", a.Channel, a.Text, want)
			}
		}
		if a.Channel == "sms" && a.Segments != 1 {
			t.Errorf("sms of %d segments: %q", a.Segments, a.Text)
		}
	}
	if !to["+12065550150"] || !to["+12065550151"] || !to["https://hooks.example.com/services/T/B/X"] {
		t.Fatalf("sent to %v", to)
	}
	token := email.AckLink[strings.Index(email.AckLink, "token=")+len("token="):]
	if err := mayday.VerifyAlertToken([][]byte{alertKey}, id, token, d.CallbackExpiresAt.Add(-time.Second)); err != nil {
		t.Fatalf("the link's token before the lease ends: %v", err)
	}
	if err := mayday.VerifyAlertToken([][]byte{alertKey}, id, token, *d.CallbackExpiresAt); !errors.Is(err, mayday.ErrAlertTokenExpired) {
		t.Fatalf("the link's token when the lease ends: %v, want expired", err)
	}
}

// TestAlertPartialFailure: a text that fails fails the event (the bus
// retries, and its last failure lands in the failure queue); the retry
// sends only what did not go out.
func TestAlertPartialFailure(t *testing.T) {
	ctx := context.Background()
	var sms *flakySMS
	f, uc := alerting(t, func(o *inmem.Outbox) mayday.SMSSender {
		sms = &flakySMS{Outbox: o, failTo: "+12065550151", failures: 2}
		return sms
	})
	d := f.leaseDetail()
	for i := range 2 {
		if err := uc.Notify(ctx, d); err == nil || !strings.Contains(err.Error(), "desk/sms/+12065550151") {
			t.Fatalf("attempt %d: %v, want the failed text named", i+1, err)
		}
	}
	if err := uc.Notify(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := uc.Notify(ctx, d); err != nil {
		t.Fatal(err)
	}
	if got := channels(f.mail.Outbox); got["email"] != 1 || got["sms"] != 2 || got["webhook"] != 1 {
		t.Fatalf("sent %v, want each once: 1 email, 2 sms, 1 webhook", got)
	}
}

// TestAlertWithoutSender: a site's numbers with no SMS sender configured
// are logged, and the rest of the alert still goes.
func TestAlertWithoutSender(t *testing.T) {
	f, uc := alerting(t, nil)
	if err := uc.Notify(context.Background(), f.leaseDetail()); err != nil {
		t.Fatal(err)
	}
	if got := channels(f.mail.Outbox); got["email"] != 1 || got["sms"] != 0 || got["webhook"] != 1 {
		t.Fatalf("sent %v, want 1 email, no sms, 1 webhook", got)
	}
}

// TestTestCallAlerts: a 933 test call alerts only a site that asks for
// test alerts, marked TEST, and only its desk (not the agent's own
// contacts); once however often its event comes.
func TestTestCallAlerts(t *testing.T) {
	for _, tc := range []struct {
		name       string
		testAlerts bool
		want       map[string]int
	}{
		{"siteAsks", true, map[string]int{"email": 1, "sms": 2, "webhook": 1}},
		{"siteDoesNotAsk", false, map[string]int{"email": 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, uc := alerting(t, outboxSMS, func(s *mayday.Site) { s.TestAlerts, s.Notify = tc.testAlerts, []string{"security@example.com"} })
			// The bus is down at the call: it is answered all the same, and
			// announced once the bus is back (the outbox).
			f.bus.fail = errors.New("eventbridge down")
			if out := f.call(mayday.CallEventDialed, "c-933", "a-1", "9-933"); out.Emergency {
				t.Fatalf("a test call answered as an emergency: %+v", out)
			}
			if n := len(f.bus.take(events.EmergencyTestCall)); n != 0 {
				t.Fatalf("%d test call events published with the bus down", n)
			}
			f.bus.fail = nil
			evs := f.bus.take(events.EmergencyTestCall)
			if len(evs) != 1 {
				t.Fatalf("%d test call events, want 1", len(evs))
			}
			f.call(mayday.CallEventDialed, "c-933", "a-1", "9-933") // the platform's retry
			if n := len(f.bus.take(events.EmergencyTestCall)); n != 0 {
				t.Fatalf("a repeated test call webhook published %d more", n)
			}
			d := evs[0].Detail.(events.EmergencyCallStartedDetail)
			for range 2 {
				if err := uc.NotifyTest(context.Background(), d); err != nil {
					t.Fatal(err)
				}
			}
			got := channels(f.mail.Outbox)
			for ch, n := range tc.want {
				if got[ch] != n {
					t.Fatalf("sent %v, want %v", got, tc.want)
				}
			}
			if !tc.testAlerts {
				return
			}
			email := f.mail.Emails()[0]
			if len(email.To) != 1 || email.To[0] != "security@example.com" {
				t.Errorf("test email to %v, want the site's desk only", email.To)
			}
			if !strings.Contains(email.Subject, "TEST") {
				t.Errorf("email subject %q not marked TEST", email.Subject)
			}
			for _, a := range f.mail.Alerts() {
				if !strings.Contains(a.Text, "TEST") || a.AlertID != mayday.AlertID("c-933", mayday.TierDesk) {
					t.Errorf("%s %q (alert %s) not marked TEST", a.Channel, a.Text, a.AlertID)
				}
			}
		})
	}
}

// TestAlertChannelsRecorded: every message of the alert joins the call's
// emergency record once, by channel, with the provider's message id (the
// email's and each text's; a webhook has none) and the alert id, also when
// a text failed and its retry sent only it.
func TestAlertChannelsRecorded(t *testing.T) {
	for _, tc := range []struct {
		name     string
		failures int // of the text to +12065550151
	}{{"all at once", 0}, {"a text retried", 1}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			rec := inmem.NewRecord()
			f, uc := alertingWith(t, func(o *inmem.Outbox) mayday.SMSSender {
				return &flakySMS{Outbox: o, failTo: "+12065550151", failures: tc.failures}
			}, mayday.Options{Record: rec})
			d := f.leaseDetail()
			for i := range tc.failures + 2 { // the failures, the send that succeeds, a redelivery
				if err := uc.Notify(ctx, d); (err != nil) != (i < tc.failures) {
					t.Fatalf("attempt %d: %v", i+1, err)
				}
			}
			got, err := rec.ReadRecord(ctx, "c-1")
			if err != nil {
				t.Fatal(err)
			}
			if err := mayday.Verify(got); err != nil {
				t.Error(err)
			}
			ids := map[string]string{f.mail.Emails()[0].MessageID: mayday.ChannelEmail}
			for _, a := range f.mail.Alerts() {
				ids[a.MessageID] = a.Channel
			}
			byChannel := map[string]int{}
			for _, e := range got {
				ch := e.Fields["channel"]
				byChannel[ch]++
				if e.Kind != mayday.RecordNotificationSent || e.Fields["alertId"] != mayday.AlertID("c-1", mayday.TierDesk) ||
					e.Fields["recipients"] == "" {
					t.Errorf("entry %s %v", e.Kind, e.Fields)
				}
				if id := e.Fields["messageId"]; (ch == mayday.ChannelWebhook) != (id == "") || (id != "" && ids[id] != ch) {
					t.Errorf("%s entry's message id %q, sent %v", ch, id, ids)
				}
			}
			if byChannel[mayday.ChannelEmail] != 1 || byChannel[mayday.ChannelSMS] != 2 || byChannel[mayday.ChannelWebhook] != 1 || len(got) != 4 {
				t.Errorf("recorded %v (%d entries), want 1 email, 2 sms, 1 webhook", byChannel, len(got))
			}
		})
	}
}
