package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// Alerts: the security desk's alerts (mayday.AlertStore): the facts they
// showed, the first acknowledgement, the escalation, the open ones.

func alertKind() kind[mayday.Alert] {
	return kind[mayday.Alert]{
		get: func(ctx context.Context, s mayday.Store, id string) (mayday.Alert, error) { return s.GetAlert(ctx, id) },
		update: func(ctx context.Context, s mayday.Store, id string, fn func(*mayday.Alert) error) (mayday.Alert, error) {
			return s.UpdateAlert(ctx, id, fn)
		},
		key:    func(a *mayday.Alert) *string { return &a.ID },
		ver:    func(a *mayday.Alert) *int64 { return &a.Version },
		sample: func() mayday.Alert { return sampleAlert("", "s-1", base.Add(time.Hour)) },
		change: func(a *mayday.Alert) {
			a.AcknowledgedBy, a.AcknowledgedAt = "Lee", base.Add(time.Minute)
			a.EscalatedAt = base.Add(2 * time.Minute)
		},
	}
}

// sampleAlert is a desk alert with every stored field set but its
// acknowledgement and escalation (Link is never stored).
func sampleAlert(id, siteID string, expires time.Time) mayday.Alert {
	return mayday.Alert{ID: id, CallID: "c-1", Tier: mayday.TierDesk, Test: true, At: base, AgentID: "a-1",
		AgentName: "Ada Agent", DialedNumber: "911", EmergencyNumber: "911", CallerID: "+14255550100",
		CallerIDSource: mayday.CallerLease, SiteName: "HQ", Address: "1 Main St, Seattle, WA 98101, US",
		Detail: "Floor 3", ExpiresAt: expires, SiteID: siteID, SentAt: base.Add(time.Second)}
}

// ack is the acknowledgement closure: the first one wins.
func ack(by string, at time.Time) func(*mayday.Alert) error {
	return func(a *mayday.Alert) error {
		if !a.AcknowledgedAt.IsZero() {
			return mayday.ErrNoChange
		}
		a.AcknowledgedBy, a.AcknowledgedAt = by, at
		return nil
	}
}

func testAlertRoundTrip(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
	want := alertKind().change
	full := sampleAlert("al-1", "s-1", base.Add(time.Hour))
	want(&full)
	for _, tc := range []struct {
		name string
		a    mayday.Alert
	}{
		{"open", sampleAlert("al-open", "s-1", base.Add(time.Hour))},
		{"acknowledged and escalated", full},
		{"no site", sampleAlert("al-nosite", "", base.Add(time.Hour))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := tc.a.ID
			checkRoundTrip(t, tc.a, func(a *mayday.Alert) *int64 { return &a.Version },
				func(fn func(*mayday.Alert) error) (mayday.Alert, error) { return s.UpdateAlert(ctx, id, fn) },
				func() (mayday.Alert, error) { return s.GetAlert(ctx, id) })
		})
	}
}

// testLiveAlerts: the alerts whose link is live, acknowledged or not, by
// site.
func testLiveAlerts(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
	now := base.Add(10 * time.Minute)
	put := func(id, site string, expires time.Time, acked bool) {
		a := sampleAlert(id, site, expires)
		if acked {
			a.AcknowledgedBy, a.AcknowledgedAt = "Lee", base.Add(time.Minute)
		}
		if _, err := s.UpdateAlert(ctx, id, func(x *mayday.Alert) error { *x = a; return nil }); err != nil {
			t.Fatalf("put %s: %v", id, err)
		}
	}
	put("al-1", "s-1", now.Add(time.Hour), false)
	put("al-2", "s-2", now.Add(time.Hour), false)
	put("al-acked", "s-1", now.Add(time.Hour), true)
	put("al-expired", "s-1", now.Add(-time.Second), false)
	put("al-edge", "s-1", now.Add(time.Millisecond), false) // expires after now, within its second
	put("al-nosite", "", now.Add(time.Hour), false)
	// An acknowledgement leaves an alert in, saying who.
	put("al-later", "s-1", now.Add(time.Hour), false)
	if _, err := s.UpdateAlert(ctx, "al-later", ack("Kim", now)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		site string
		want []string
	}{
		{"s-1", []string{"al-1", "al-acked", "al-edge", "al-later"}},
		{"s-2", []string{"al-2"}},
		{"", []string{"al-1", "al-2", "al-acked", "al-edge", "al-later", "al-nosite"}},
		{"s-none", nil},
	} {
		e.IndexRead(t, "live alerts of "+tc.site, func() string {
			got, err := s.LiveAlerts(ctx, tc.site, now)
			if err != nil {
				return err.Error()
			}
			var ids []string
			for _, a := range got {
				ids = append(ids, a.ID)
				if a.ID == "al-later" && (a.AcknowledgedBy != "Kim" || !a.AcknowledgedAt.Equal(now)) {
					return fmt.Sprintf("al-later: acknowledged by %q at %s, want Kim at %s", a.AcknowledgedBy, a.AcknowledgedAt, now)
				}
			}
			if fmt.Sprint(sorted(ids)) != fmt.Sprint(tc.want) && !(len(ids) == 0 && len(tc.want) == 0) {
				return fmt.Sprintf("site %q: got %v, want %v", tc.site, ids, tc.want)
			}
			return ""
		})
	}
	if _, err := s.LiveAlerts(ctx, "bad id!", now); !errors.Is(err, mayday.ErrInvalid) {
		t.Errorf("LiveAlerts(bad id) err = %v, want ErrInvalid", err)
	}
	if _, err := s.GetAlert(ctx, "al-missing"); !errors.Is(err, mayday.ErrNotFound) {
		t.Errorf("GetAlert(missing) err = %v, want ErrNotFound", err)
	}
}

// testConcurrentAcks: of concurrent acknowledgements exactly one is
// written; every other reads who and when.
func testConcurrentAcks(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
	if _, err := s.UpdateAlert(ctx, "al-1", func(x *mayday.Alert) error {
		*x = sampleAlert("al-1", "s-1", base.Add(time.Hour))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	got := make([]mayday.Alert, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			got[i], errs[i] = s.UpdateAlert(ctx, "al-1", ack(fmt.Sprintf("guard-%d", i), base.Add(time.Duration(i+1)*time.Second)))
		})
	}
	wg.Wait()
	final, err := s.GetAlert(ctx, "al-1")
	if err != nil || final.AcknowledgedBy == "" || final.Version != 2 {
		t.Fatalf("stored = %+v, %v; want one acknowledgement at version 2", final, err)
	}
	for i := range n {
		if errs[i] != nil {
			if !e.UnboundedRetries && errors.Is(errs[i], mayday.ErrConflict) {
				continue
			}
			t.Errorf("ack %d: %v", i, errs[i])
			continue
		}
		if got[i].AcknowledgedBy != final.AcknowledgedBy || !got[i].AcknowledgedAt.Equal(final.AcknowledgedAt) {
			t.Errorf("ack %d read %q at %s; the first was %q at %s", i, got[i].AcknowledgedBy, got[i].AcknowledgedAt,
				final.AcknowledgedBy, final.AcknowledgedAt)
		}
	}
}

func sorted(ids []string) []string { return slices.Sorted(slices.Values(ids)) }
