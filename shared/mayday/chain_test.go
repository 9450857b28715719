package mayday_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/mayday"
)

func TestEmergencyChain(t *testing.T) {
	f := newFixture(t)
	f.addNumbers("US", "+14255550001")
	if out := f.dial("c-1"); !out.Emergency {
		t.Fatalf("dial: %+v", out)
	}
	if p := f.presence("a-1"); p != mayday.DoNotDisturb {
		t.Fatalf("presence after dial = %s, want DoNotDisturb at once", p)
	}
	f.deliver(events.EmergencyCallStarted)
	if n := f.deliver(events.CallbackLeaseAllocated); n != 1 {
		t.Fatalf("%d lease-allocated events", n)
	}
	st := f.state("a-1")
	if !st.Emergency || st.CallID != "c-1" || st.Lease == nil || st.Lease.Number != "+14255550001" ||
		!st.Lease.Lease.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("state = %+v", st)
	}
	emails := f.mail.Emails()
	if len(emails) != 1 || !slices.Equal(emails[0].To, []string{"sup@example.com"}) {
		t.Fatalf("emails = %+v", emails)
	}
	f.end("c-1")
	f.deliver(events.EmergencyCallEnded)
	if p := f.presence("a-1"); p != mayday.Busy {
		t.Fatalf("presence after end = %s, want Busy restored", p)
	}
	if st := f.state("a-1"); st.Emergency || st.Lease == nil {
		t.Fatalf("after end: %+v; want no emergency, callback number still visible", st)
	}
	if acts, _ := f.uc.AdminAPI.History(context.Background(), "a-1"); len(acts) != 0 {
		t.Fatalf("history holds an emergency call: %+v", acts)
	}
}

func TestDuplicatesChangeNothing(t *testing.T) {
	f := newFixture(t)
	f.addNumbers("US", "+14255550001", "+14255550002")
	for range 5 {
		f.dial("c-1")
	}
	for range 2 {
		f.bus.mu.Lock()
		dup := slices.Clone(f.bus.evs)
		f.bus.evs = append(f.bus.evs, dup...) // EventBridge delivers at least once
		f.bus.mu.Unlock()
	}
	f.deliver(events.EmergencyCallStarted)
	f.deliver(events.CallbackLeaseAllocated)
	if n := len(f.mail.Emails()); n != 1 {
		t.Fatalf("%d emails for one call, want 1", n)
	}
	held, _ := f.store.LeasesHeldBy(context.Background(), "a-1")
	if len(held) != 1 {
		t.Fatalf("agent holds %d numbers, want 1", len(held))
	}
	for range 5 {
		f.end("c-1")
	}
	f.deliver(events.EmergencyCallEnded)
	if p := f.presence("a-1"); p != mayday.Busy {
		t.Fatalf("presence = %s, want Busy: a duplicate dial must not overwrite the remembered presence", p)
	}
}

func TestReordering(t *testing.T) {
	t.Run("end webhook before dial webhook", func(t *testing.T) {
		f := newFixture(t)
		f.addNumbers("US", "+14255550001")
		f.end("c-1")
		f.dial("c-1")
		if p := f.presence("a-1"); p != mayday.Busy {
			t.Fatalf("presence = %s, want Busy (the call is already over)", p)
		}
		f.deliver(events.EmergencyCallStarted)
		f.deliver(events.CallbackLeaseAllocated)
		if len(f.mail.Emails()) != 1 {
			t.Fatal("the emergency contacts must still be told")
		}
		if st := f.state("a-1"); st.Emergency || st.Lease == nil {
			t.Fatalf("state = %+v; want no emergency but a callback number", st)
		}
	})
	t.Run("end restored before the lease is allocated", func(t *testing.T) {
		f := newFixture(t)
		f.addNumbers("US", "+14255550001")
		f.dial("c-1")
		f.end("c-1")
		f.deliver(events.EmergencyCallEnded)
		f.deliver(events.EmergencyCallStarted)
		f.deliver(events.CallbackLeaseAllocated)
		if p := f.presence("a-1"); p != mayday.Busy {
			t.Fatalf("presence = %s, want Busy", p)
		}
	})
	t.Run("end delivered before the start's state is applied", func(t *testing.T) {
		f := newFixture(t)
		// The webhook could not record state (store down), so the started
		// event carries presenceApplied=false, and the end overtakes it.
		start := events.EmergencyCallStartedDetail{CallID: "c-1", AgentID: "a-1", DialedNumber: "911", Country: "US", StartedAt: t0}
		ctx := context.Background()
		if err := f.uc.PresenceRestore.Restore(ctx, events.CallEndedDetail{CallID: "c-1", AgentID: "a-1", Kind: "outbound"}); err != nil {
			t.Fatal(err)
		}
		if err := f.uc.CallbackLeaseAllocation.Allocate(ctx, start); err != nil {
			t.Fatal(err)
		}
		if p := f.presence("a-1"); p != mayday.Busy {
			t.Fatalf("presence = %s, want Busy: never stuck in DoNotDisturb", p)
		}
	})
}
