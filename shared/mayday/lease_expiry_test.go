package mayday_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/amazonconnect"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/testkit/presencetest"
)

func TestWatchdog(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.dial("c-1") // its end event is lost
	if _, err := f.uc.AdminAPI.PutAgent(ctx, "a-2", mayday.Profile{Name: "Bo", Presence: mayday.Away}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(3 * time.Hour)
	f.call(mayday.CallEventDialed, "c-2", "a-2", "911") // recent: left alone
	if n, err := f.uc.LeaseExpiry.Watchdog(ctx); err != nil || n != 0 {
		t.Fatalf("watchdog at 3h restored %d, %v; want 0", n, err)
	}
	f.clock.Advance(time.Hour)
	n, err := f.uc.LeaseExpiry.Watchdog(ctx)
	if err != nil || n != 1 {
		t.Fatalf("watchdog at 4h restored %d, %v; want 1", n, err)
	}
	if p := f.presence("a-1"); p != mayday.Busy {
		t.Fatalf("a-1 presence = %s, want Busy restored", p)
	}
	if p := f.presence("a-2"); p != mayday.DoNotDisturb {
		t.Fatalf("a-2 presence = %s, want still DoNotDisturb", p)
	}
	evs := f.bus.take(events.PresenceWatchdogRestored)
	if len(evs) != 1 || evs[0].Detail.(events.WatchdogRestoredDetail).AgentID != "a-1" {
		t.Fatalf("watchdog events = %+v", evs)
	}
	if n, _ := f.uc.LeaseExpiry.Watchdog(ctx); n != 0 {
		t.Fatalf("second run restored %d, want 0", n)
	}
	f.end("c-1") // the lost end turns up late: nothing changes
	f.deliver(events.EmergencyCallEnded)
	if p := f.presence("a-1"); p != mayday.Busy {
		t.Fatalf("a-1 presence after the late end = %s", p)
	}
}

// With the bus down the sweep still releases the expired lease and the
// watchdog still restores the stuck agent; their announcements are recorded
// with those writes and published once the bus is back, once: a run
// retried finds nothing left to announce.
func TestLeaseExpiryWithTheBusDown(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addNumbers("US", "+14255550001")
	f.dial("c-1") // its end event is lost
	f.deliver(events.EmergencyCallStarted)
	f.clock.Advance(4 * time.Hour)
	f.bus.fail = errors.New("eventbridge down")
	for run := range 2 { // the schedule runs again
		if err := f.uc.LeaseExpiry.Run(ctx); err != nil {
			t.Fatalf("run %d with the bus down: %v", run, err)
		}
	}
	if got := f.bus.take(events.CallbackLeaseExpired); len(got) != 0 {
		t.Fatalf("published %d expiries with the bus down", len(got))
	}
	if p := f.presence("a-1"); p != mayday.Busy {
		t.Fatalf("presence = %s, want Busy restored with the bus down", p)
	}
	f.bus.fail = nil
	expired, restored := f.bus.take(events.CallbackLeaseExpired), f.bus.take(events.PresenceWatchdogRestored)
	if len(expired) != 1 || expired[0].Detail.(events.LeaseExpiredDetail).CallID != "c-1" {
		t.Fatalf("expiries once the bus is back: %+v, want c-1's", expired)
	}
	if len(restored) != 1 || !slices.Equal(restored[0].Detail.(events.WatchdogRestoredDetail).CallIDs, []string{"c-1"}) {
		t.Fatalf("restores once the bus is back: %+v, want one of c-1", restored)
	}
	if err := f.uc.LeaseExpiry.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(f.bus.take(events.CallbackLeaseExpired)) + len(f.bus.take(events.PresenceWatchdogRestored)); n != 0 {
		t.Fatalf("%d announced again", n)
	}
}

// The watchdog counts from when Mayday received the dial, whatever the
// sender's occurredAt says; the call record keeps occurredAt as sent.
func TestWatchdogCountsFromReceipt(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		occurredAt time.Duration // from receipt
	}{
		{"occurredAt five hours old", -5 * time.Hour},
		{"occurredAt twenty hours ahead", 20 * time.Hour},
		{"occurredAt a minute old", -time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			received := f.clock.Now()
			sent := received.Add(tt.occurredAt)
			if _, err := f.uc.DialDetection.HandleCall(ctx, mayday.CallEvent{Type: mayday.CallEventDialed, CallID: "c-1",
				AgentID: "a-1", To: "911", Country: "US", OccurredAt: sent}); err != nil {
				t.Fatal(err)
			}
			f.deliver(events.EmergencyCallStarted)
			c, err := f.store.GetCall(ctx, "c-1")
			if err != nil || !c.StartedAt.Equal(sent) || !c.ReceivedAt.Equal(received) {
				t.Fatalf("call record %+v, %v; want startedAt %s as sent, receivedAt %s", c, err, sent, received)
			}
			f.clock.Advance(40 * time.Second)
			if n, err := f.uc.LeaseExpiry.Watchdog(ctx); err != nil || n != 0 || f.presence("a-1") != mayday.DoNotDisturb {
				t.Fatalf("watchdog 40 s after receipt restored %d, %v; want the agent left on Do Not Disturb", n, err)
			}
			at := func(d time.Duration) { f.clock.Advance(received.Add(d).Sub(f.clock.Now())) }
			at(f.opts.Config.MaxEmergency - time.Second)
			if n, _ := f.uc.LeaseExpiry.Watchdog(ctx); n != 0 {
				t.Fatalf("watchdog just short of the limit after receipt restored %d, want 0", n)
			}
			at(f.opts.Config.MaxEmergency)
			if n, err := f.uc.LeaseExpiry.Watchdog(ctx); err != nil || n != 1 || f.presence("a-1") != mayday.Busy {
				t.Fatalf("watchdog at the limit after receipt restored %d, %v; want a-1 back to Busy", n, err)
			}
		})
	}
}

// TestReconcileLostDisconnect: a Connect call whose disconnect event was
// lost ends at the next run of lease expiry, from Connect's own view of the
// contact (the adapter over the local fake of its API), and the agent's
// presence is restored then, not at the watchdog; an ongoing contact and a
// call Connect does not know are left open.
func TestReconcileLostDisconnect(t *testing.T) {
	ctx := context.Background()
	const contact, other = "5ca32fbd-8f92-46af-92a5-6b0f970f0efe", "c-elsewhere"
	f := newFixture(t)
	f.agents("a-2")
	fake := presencetest.NewConnect(t)
	fake.AddContact(contact)
	cs, err := amazonconnect.NewContactStatus(fake.API(), fake.InstanceARN)
	if err != nil {
		t.Fatal(err)
	}
	o := f.opts
	o.Contacts = cs
	le, err := mayday.NewLeaseExpiry(f.store, f.bus, o)
	if err != nil {
		t.Fatal(err)
	}
	f.dial(contact) // the flow's call id is the contact id
	f.call(mayday.CallEventDialed, other, "a-2", "911")
	f.deliver(events.EmergencyCallStarted)

	if n, err := le.Reconcile(ctx); err != nil || n != 0 {
		t.Fatalf("reconcile with the contact ongoing: %d, %v; want 0", n, err)
	}
	f.clock.Advance(10 * time.Minute)
	disconnected := f.clock.Now()
	fake.Disconnect(contact, disconnected) // its DISCONNECTED event is lost
	f.clock.Advance(time.Minute)
	if err := le.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if n := f.deliver(events.EmergencyCallEnded); n != 1 {
		t.Fatalf("%d emergency ends, want the contact's", n)
	}
	if p := f.presence("a-1"); p != mayday.Busy {
		t.Fatalf("a-1 presence = %s, want Busy restored at the sweep", p)
	}
	if p := f.presence("a-2"); p != mayday.DoNotDisturb {
		t.Fatalf("a-2 presence = %s, want still DoNotDisturb (a call Connect does not know)", p)
	}
	if c, err := f.store.GetCall(ctx, contact); err != nil || !c.EndedAt.Equal(disconnected) {
		t.Fatalf("call %+v, %v; want ended at Connect's disconnect %s", c, err, disconnected)
	}
	if n, err := le.Reconcile(ctx); err != nil || n != 0 {
		t.Fatalf("second reconcile: %d, %v; want 0", n, err)
	}
	if n := len(f.bus.take(events.PresenceWatchdogRestored)); n != 0 {
		t.Fatalf("watchdog restored %d", n)
	}
}

// Without the port, Reconcile does nothing and asks nobody.
func TestReconcileWithoutContacts(t *testing.T) {
	f := newFixture(t)
	f.dial("c-1")
	if n, err := f.uc.LeaseExpiry.Reconcile(context.Background()); err != nil || n != 0 {
		t.Fatalf("reconcile = %d, %v", n, err)
	}
}
