package mayday_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/mayday"
)

// schedules records the escalations scheduled and cancelled.
type schedules struct {
	mu        sync.Mutex
	at        map[string]time.Time
	cancelled []string
}

func (s *schedules) ScheduleEscalation(_ context.Context, id string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.at == nil {
		s.at = map[string]time.Time{}
	}
	s.at[id] = at
	return nil
}

func (s *schedules) CancelEscalation(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cancelled = append(s.cancelled, id)
	return nil
}

// desk is an alerted emergency: c-1 dialled from Seattle, whose desk was
// alerted (its escalation tier one email and one number, after 30s), with
// the ack and escalation use cases over the same store.
type desk struct {
	*fixture
	sched *schedules
	ack   *mayday.AlertAck
	esc   *mayday.AlertEscalation
	id    string
	token string
}

func alerted(t *testing.T) *desk {
	t.Helper()
	sched := &schedules{}
	f, uc := alertingWith(t, outboxSMS, mayday.Options{Escalations: sched}, func(s *mayday.Site) {
		s.EscalateAfter, s.Escalate = 30*time.Second, []string{"director@example.com", "+12065550160"}
	})
	if err := uc.Notify(context.Background(), f.leaseDetail()); err != nil {
		t.Fatal(err)
	}
	o := f.opts
	o.AlertSecret = func(context.Context) ([][]byte, error) { return [][]byte{alertKey}, nil }
	o.AlertBaseURL = "https://desk.example.com/"
	o.SMS, o.Escalations = f.mail.Outbox, sched
	ack, err := mayday.NewAlertAck(f.store, o)
	if err != nil {
		t.Fatal(err)
	}
	esc, err := mayday.NewAlertEscalation(f.store, f.mail, o)
	if err != nil {
		t.Fatal(err)
	}
	link := f.mail.Emails()[0].AckLink
	return &desk{fixture: f, sched: sched, ack: ack, esc: esc, id: mayday.AlertID("c-1", mayday.TierDesk),
		token: link[strings.Index(link, "token=")+len("token="):]}
}

// TestAlertStoredAndScheduled: the desk alert is stored when first sent,
// without its link, and its escalation scheduled escalateAfter later.
func TestAlertStoredAndScheduled(t *testing.T) {
	d := alerted(t)
	a, err := d.store.GetAlert(context.Background(), d.id)
	if err != nil {
		t.Fatal(err)
	}
	if a.CallID != "c-1" || a.SiteID != "sea" || a.Tier != mayday.TierDesk || a.Link != "" || a.SentAt.IsZero() ||
		a.CallerID == "" || a.SiteName != "Seattle HQ" || a.Acknowledged() {
		t.Fatalf("stored alert %+v", a)
	}
	if at := d.sched.at[d.id]; !at.Equal(a.SentAt.Add(30 * time.Second)) {
		t.Fatalf("escalation at %s, want sent at %s + 30s", at, a.SentAt)
	}
}

// TestAlertAcknowledge: the token is checked before anything is read;
// showing changes nothing; the first acknowledgement wins, is announced
// and cancels the escalation; later ones read who and when.
func TestAlertAcknowledge(t *testing.T) {
	ctx := context.Background()
	d := alerted(t)
	other := mayday.SignAlertToken(alertKey, mayday.AlertID("c-2", mayday.TierDesk), t0.Add(time.Hour))
	forged := mayday.SignAlertToken([]byte("not the key"), d.id, t0.Add(time.Hour))
	for _, tc := range []struct {
		name, token string
		want        error
	}{
		{"empty", "", mayday.ErrAlertTokenInvalid},
		{"another alert's", other, mayday.ErrAlertTokenInvalid},
		{"forged", forged, mayday.ErrAlertTokenInvalid},
		{"expired", mayday.SignAlertToken(alertKey, d.id, t0.Add(-time.Second)), mayday.ErrAlertTokenExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := d.ack.Show(ctx, d.id, tc.token); !errors.Is(err, tc.want) {
				t.Errorf("show: %v, want %v", err, tc.want)
			}
			if _, err := d.ack.Acknowledge(ctx, d.id, tc.token, "Lee"); !errors.Is(err, tc.want) {
				t.Errorf("acknowledge: %v, want %v", err, tc.want)
			}
		})
	}
	before, _ := d.store.GetAlert(ctx, d.id)
	for range 3 {
		if a, err := d.ack.Show(ctx, d.id, d.token); err != nil || a.Version != before.Version {
			t.Fatalf("show = v%d, %v; want v%d unchanged", a.Version, err, before.Version)
		}
	}
	if n := len(d.bus.take(events.EmergencyAlertAcknowledged)); n != 0 {
		t.Fatalf("%d acknowledgements announced before any", n)
	}

	first, err := d.ack.Acknowledge(ctx, d.id, d.token, "  Desk officer Lee ")
	if err != nil || !first.First || first.Alert.AcknowledgedBy != "Desk officer Lee" || !first.Alert.AcknowledgedAt.Equal(t0) {
		t.Fatalf("first = %+v, %v", first, err)
	}
	d.clock.Advance(time.Minute)
	later, err := d.ack.Acknowledge(ctx, d.id, d.token, "Kim")
	if err != nil || later.First || later.Alert.AcknowledgedBy != "Desk officer Lee" || !later.Alert.AcknowledgedAt.Equal(t0) {
		t.Fatalf("later = %+v, %v; want the first's who and when", later, err)
	}
	admin, err := d.ack.AcknowledgeAsAdmin(ctx, d.id, "admin:console")
	if err != nil || admin.First || admin.Alert.AcknowledgedBy != "Desk officer Lee" {
		t.Fatalf("admin later = %+v, %v", admin, err)
	}
	evs := d.bus.take(events.EmergencyAlertAcknowledged)
	if len(evs) != 1 {
		t.Fatalf("%d acknowledgements announced, want 1", len(evs))
	}
	if got := evs[0].Detail.(events.AlertDetail); got.AlertID != d.id || got.CallID != "c-1" || got.SiteID != "sea" || got.By != "Desk officer Lee" {
		t.Fatalf("announced %+v", got)
	}
	if !slices.Equal(d.sched.cancelled, []string{d.id}) {
		t.Fatalf("cancelled %v, want the alert's escalation once", d.sched.cancelled)
	}
	if _, err := d.ack.Acknowledge(ctx, d.id, d.token, "bad\u202ename"); !errors.Is(err, mayday.ErrInvalid) {
		t.Fatalf("a name with a bidi override: %v, want ErrInvalid", err)
	}
	if open, err := d.ack.Alerts(ctx, "sea", true); err != nil || len(open) != 0 {
		t.Fatalf("open after the acknowledgement: %v, %v", open, err)
	}
}

// TestAlertEscalation: unacknowledged, the alert escalates once — the
// next tier's email and text, one announcement — however often the
// schedule fires; acknowledged first, it never does.
func TestAlertEscalation(t *testing.T) {
	ctx := context.Background()
	escalated := func(d *desk) (emails, texts int) {
		for _, e := range d.mail.Emails() {
			if slices.Contains(e.To, "director@example.com") {
				emails++
				if !strings.HasPrefix(e.Subject, "ESCALATED, NOT ACKNOWLEDGED: ") || e.AlertID != d.id {
					t.Errorf("escalation email %q, alert %s", e.Subject, e.AlertID)
				}
			}
		}
		for _, a := range d.mail.Alerts() {
			if a.To == "+12065550160" {
				texts++
				if !strings.HasPrefix(a.Text, "ESCALATED EMERGENCY:") || a.AlertID != d.id {
					t.Errorf("escalation text %q", a.Text)
				}
			}
		}
		return emails, texts
	}
	t.Run("unacknowledged", func(t *testing.T) {
		d := alerted(t)
		if open, err := d.ack.Alerts(ctx, "sea", true); err != nil || len(open) != 1 || open[0].ID != d.id {
			t.Fatalf("open: %v, %v", open, err)
		}
		d.clock.Advance(30 * time.Second)
		for range 3 {
			if err := d.esc.Escalate(ctx, mayday.EscalationInput{AlertID: d.id}); err != nil {
				t.Fatal(err)
			}
		}
		if e, s := escalated(d); e != 1 || s != 1 {
			t.Fatalf("escalation sent %d emails, %d texts; want 1 each", e, s)
		}
		if n := len(d.bus.take(events.EmergencyAlertEscalated)); n != 1 {
			t.Fatalf("%d escalations announced, want 1", n)
		}
		a, _ := d.store.GetAlert(ctx, d.id)
		if !a.EscalatedAt.Equal(t0.Add(30 * time.Second)) {
			t.Fatalf("escalated at %s", a.EscalatedAt)
		}
		// The next tier's link acknowledges the same alert.
		if r, err := d.ack.Acknowledge(ctx, d.id, d.token, "Director"); err != nil || !r.First {
			t.Fatalf("acknowledge after escalation: %+v, %v", r, err)
		}
	})
	t.Run("acknowledged first", func(t *testing.T) {
		d := alerted(t)
		if _, err := d.ack.Acknowledge(ctx, d.id, d.token, "Lee"); err != nil {
			t.Fatal(err)
		}
		d.clock.Advance(30 * time.Second)
		if err := d.esc.Escalate(ctx, mayday.EscalationInput{AlertID: d.id}); err != nil {
			t.Fatal(err)
		}
		if e, s := escalated(d); e != 0 || s != 0 {
			t.Fatalf("escalation after the acknowledgement sent %d emails, %d texts", e, s)
		}
		if n := len(d.bus.take(events.EmergencyAlertEscalated)); n != 0 {
			t.Fatalf("%d escalations announced after the acknowledgement", n)
		}
	})
	t.Run("unknown alert", func(t *testing.T) {
		d := alerted(t)
		if err := d.esc.Escalate(ctx, mayday.EscalationInput{AlertID: "al-unknown"}); err != nil {
			t.Fatalf("escalation of an alert not stored: %v, want nothing done", err)
		}
	})
}
