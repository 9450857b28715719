package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// Notifications: each call's notification, so that it is sent once
// (mayday.NotificationStore). Concurrent claims are in concurrency.go.

func notificationKind() kind[mayday.Notification] {
	return kind[mayday.Notification]{
		update: func(ctx context.Context, s mayday.Store, id string, fn func(*mayday.Notification) error) (mayday.Notification, error) {
			return s.UpdateNotification(ctx, id, fn)
		},
		key:    func(n *mayday.Notification) *string { return &n.CallID },
		ver:    func(n *mayday.Notification) *int64 { return &n.Version },
		sample: func() mayday.Notification { return sampleNotification("") },
		change: func(n *mayday.Notification) {
			n.Attempts++
			n.Delivered = append(n.Delivered, mayday.DeliveryKey(mayday.TierDesk, mayday.ChannelWebhook, "site"))
		},
	}
}

func sampleNotification(callID string) mayday.Notification {
	return mayday.Notification{
		CallID:    callID,
		Status:    mayday.NotificationSent,
		ClaimedAt: base,
		SentAt:    base.Add(2 * time.Second),
		Attempts:  2,
		Delivered: []string{"desk/email/0", "desk/sms/+12065550150"},
		ExpiresAt: base.Add(7 * 24 * time.Hour),
	}
}

// claim is the closure a sender runs to claim a notification at a time.
func claim(at time.Time) func(*mayday.Notification) error {
	return func(n *mayday.Notification) error { return n.Claim(at) }
}

// testNotificationRoundTrip writes a sent and a sending notification (zero
// SentAt) and reads them back; there is no getter, so the read is an
// ErrNoChange update.
func testNotificationRoundTrip(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
	for _, tc := range []struct {
		name string
		n    mayday.Notification
	}{
		{"sent", sampleNotification("")},
		{"sending", mayday.Notification{Status: mayday.NotificationSending, ClaimedAt: base, Attempts: 1, ExpiresAt: base.Add(time.Hour)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.n
			want.CallID = tc.name
			checkRoundTrip(t, want, func(n *mayday.Notification) *int64 { return &n.Version },
				func(fn func(*mayday.Notification) error) (mayday.Notification, error) {
					return s.UpdateNotification(ctx, tc.name, fn)
				},
				func() (mayday.Notification, error) {
					return s.UpdateNotification(ctx, tc.name, func(*mayday.Notification) error { return mayday.ErrNoChange })
				})
		})
	}
}

// testNotificationClaim walks one notification through claim, refused
// claim, retry after the timeout, sent, and a claim once sent.
func testNotificationClaim(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)

	n, err := s.UpdateNotification(ctx, "c-1", claim(base))
	if err != nil {
		t.Fatalf("first claim: %v", err)
	}
	if n.CallID != "c-1" || n.Status != mayday.NotificationSending || n.Attempts != 1 || n.Version != 1 || !n.ClaimedAt.Equal(base) {
		t.Errorf("first claim = %+v", n)
	}

	// A second sender within the claim timeout is refused; nothing changes.
	if _, err := s.UpdateNotification(ctx, "c-1", claim(base.Add(10*time.Second))); !errors.Is(err, mayday.ErrConflict) {
		t.Errorf("claim while claimed: err = %v, want ErrConflict", err)
	}
	// After the timeout a retry may send.
	n, err = s.UpdateNotification(ctx, "c-1", claim(base.Add(2*time.Minute)))
	if err != nil || n.Attempts != 2 || n.Version != 2 {
		t.Errorf("claim after timeout = %+v, %v; want Attempts 2, Version 2", n, err)
	}
	sent, err := s.UpdateNotification(ctx, "c-1", func(n *mayday.Notification) error {
		n.Status, n.SentAt = mayday.NotificationSent, base.Add(2*time.Minute+time.Second)
		return nil
	})
	if err != nil || sent.Version != 3 {
		t.Fatalf("mark sent = %+v, %v", sent, err)
	}
	// Once sent, a claim is "no change": the stored value, no error.
	n, err = s.UpdateNotification(ctx, "c-1", claim(base.Add(time.Hour)))
	if err != nil {
		t.Errorf("claim after sent: err = %v, want nil (ErrNoChange)", err)
	}
	if d := diff(n, sent); d != "" {
		t.Errorf("claim after sent returned %+v, want the stored value: %s", n, d)
	}
	// Other calls' notifications are separate.
	if n, err := s.UpdateNotification(ctx, "c-2", claim(base)); err != nil || n.Version != 1 || n.Attempts != 1 {
		t.Errorf("claim of another call = %+v, %v", n, err)
	}
}
