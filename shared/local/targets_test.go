package local_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/events/eventstest"
	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/local"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/presencewebhook"
	"github.com/mayday/mayday/shared/settings"
	"github.com/mayday/mayday/shared/testkit/harness"
	"github.com/mayday/mayday/shared/testkit/presencetest"
)

type nopBus struct{}

func (nopBus) Publish(context.Context, ...events.Event) error { return nil }

// Each target takes the fixture of the event its rule routes to it, through
// the same JSON path Lambda uses, and does its work; given another
// detail-type it refuses, naming it, so the event lands in the failure path
// instead of being half-applied.
func TestTargetsTakeTheirFixtures(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)
	clock := harness.NewManualClock(at)
	store, outbox := inmem.NewStore(), inmem.NewOutbox(clock)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	uc, err := mayday.NewUseCases(store, nopBus{}, outbox, mayday.Options{Config: settings.Defaults(), Clock: clock, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := uc.AdminAPI.PutAgent(ctx, "a-1", mayday.Profile{Name: "Ada", Presence: mayday.Busy, Country: "US",
		EmergencyContacts: []string{"sup@example.com"}, BrowserLocation: true}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := uc.AdminAPI.AddNumber(ctx, "+14255550001", "US"); err != nil {
		t.Fatal(err)
	}
	// The ordinary call the "Call Ended" fixture ends.
	if _, err := uc.DialDetection.HandleCall(ctx, mayday.CallEvent{Type: mayday.CallEventDialed, CallID: "c-2",
		AgentID: "a-1", From: "+14255550100", To: "+12065550123", Country: "US", OccurredAt: at.Add(-20 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	// The emergency call the chain fixtures are about.
	if _, err := uc.DialDetection.HandleCall(ctx, mayday.CallEvent{Type: mayday.CallEventDialed, CallID: "c-1",
		AgentID: "a-1", To: "9-911", Country: "US", OccurredAt: at}); err != nil {
		t.Fatal(err)
	}
	// Presence push, to a receiver of the generic webhook.
	receiver := presencetest.NewReceiver(t, []byte("k"))
	receiver.AddAgent("a-1", presencetest.StatusBusy)
	platform, err := presencewebhook.New(receiver.URL, func(context.Context) ([][]byte, error) { return [][]byte{[]byte("k")}, nil }, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if uc.PresencePush, err = mayday.NewPresencePush(store, platform, mayday.Options{Config: settings.Defaults(), Clock: clock, Log: log}); err != nil {
		t.Fatal(err)
	}
	targets := local.Targets(uc, log)
	invoke := func(target, fixture string) error {
		raw := eventstest.Bytes
		if strings.HasPrefix(fixture, "connect/") { // AWS's events, in testdata/connect/
			raw = func(t testing.TB, name string) []byte {
				b, err := os.ReadFile(filepath.Join(harness.TestdataDir(), name+".json"))
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
		}
		_, err := lambda.NewHandler(targets[target]).Invoke(ctx, raw(t, fixture))
		return err
	}
	steps := []struct {
		target, fixture string
		then            func() error
	}{
		{functions.PresencePush, "emergency-call-started", func() error {
			if receiver.Status("a-1") != presencetest.StatusDND {
				return errors.New("not on Do Not Disturb in the platform")
			}
			return nil
		}},
		{functions.CallbackLeaseAllocation, "emergency-call-started", func() error {
			if st, err := uc.AdminAPI.State(ctx, "a-1"); err != nil || st.Lease == nil || st.Lease.Number != "+14255550001" {
				return errors.New("no lease")
			}
			return nil
		}},
		{functions.EmailNotification, "callback-lease-allocated", func() error {
			if len(outbox.Emails()) != 1 {
				return errors.New("no email")
			}
			return nil
		}},
		{functions.PresenceRestore, "emergency-call-ended", func() error {
			if a, err := uc.AdminAPI.GetAgent(ctx, "a-1"); err != nil || a.Presence != mayday.Busy {
				return errors.New("presence not restored")
			}
			return nil
		}},
		{functions.PresencePush, "emergency-call-ended", func() error {
			if receiver.Status("a-1") != presencetest.StatusBusy {
				return errors.New("platform presence not restored")
			}
			return nil
		}},
		{functions.CallHistory, "call-ended", func() error {
			if acts, err := uc.AdminAPI.History(ctx, "a-1"); err != nil || len(acts) != 1 || acts[0].CallID != "c-2" {
				return errors.New("the ordinary call is not in history")
			}
			return nil
		}},
		{functions.LeaseExpiry, "scheduled-event", func() error { return nil }},
		{events.TargetOperatorAlarm, "callback-pool-exhausted", func() error { return nil }},
		{events.TargetAudit, "emergency-callback-routed", func() error { return nil }},
		{functions.PresencePush, "presence-watchdog-restored", func() error { return nil }},
		{functions.ConnectEvents, "connect/contact-event-disconnected", func() error {
			if c, err := store.GetCall(ctx, "5ca32fbd-8f92-46af-92a5-6b0f970f0efe"); err != nil || !c.Ended() {
				return errors.New("the contact's call is not ended")
			}
			return nil
		}},
	}
	for _, s := range steps {
		if err := invoke(s.target, s.fixture); err != nil {
			t.Fatalf("%s(%s): %v", s.target, s.fixture, err)
		}
		if err := s.then(); err != nil {
			t.Fatalf("%s(%s): %v", s.target, s.fixture, err)
		}
	}
	tested := map[string]bool{}
	for _, s := range steps {
		tested[s.target] = true
	}
	if len(targets) != len(tested) {
		t.Errorf("%d targets, %d tested", len(targets), len(tested))
	}
	for target, wrong := range map[string]string{functions.CallbackLeaseAllocation: "call-ended",
		functions.EmailNotification: "emergency-call-started", functions.PresenceRestore: "call-ended",
		functions.CallHistory: "emergency-call-ended", functions.PresencePush: "call-ended",
		functions.ConnectEvents: "call-ended"} {
		if err := invoke(target, wrong); err == nil {
			t.Errorf("%s took %s", target, wrong)
		}
	}
}
