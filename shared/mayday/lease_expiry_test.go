package mayday_test

import (
	"context"
	"testing"
	"time"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/mayday"
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
