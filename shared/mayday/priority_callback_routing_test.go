package mayday_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/mayday"
)

func TestRouting(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addNumbers("US", "+14255550001")
	f.dial("c-1")
	f.deliver(events.EmergencyCallStarted)
	f.end("c-1")
	f.deliver(events.EmergencyCallEnded)
	f.clock.Advance(40 * time.Minute)

	tests := []struct {
		name string
		in   mayday.InboundCall
		want mayday.RouteDecision
	}{
		{"callback to the leased number", mayday.InboundCall{CallID: "c-9", From: "+14255550199", To: "+1 425 555 0001"}, mayday.ToAgent("a-1")},
		{"the same webhook again", mayday.InboundCall{CallID: "c-9", From: "+14255550199", To: "+14255550001"}, mayday.ToAgent("a-1")},
		{"not a pool number", mayday.InboundCall{CallID: "c-10", To: "+14255550777"}, mayday.RouteDecision{Route: mayday.RouteDefault}},
		{"not a phone number", mayday.InboundCall{CallID: "c-11", To: "sip:desk"}, mayday.RouteDecision{Route: mayday.RouteDefault}},
	}
	for _, tt := range tests {
		got, err := f.uc.PriorityCallbackRouting.Route(ctx, tt.in)
		if err != nil || got.Route != tt.want.Route || got.AgentID != tt.want.AgentID || !slices.Equal(got.Bypass, tt.want.Bypass) {
			t.Errorf("%s: %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
	if n := len(f.bus.take(events.EmergencyCallbackRouted)); n != 1 {
		t.Errorf("%d routed events for one callback, want 1", n)
	}
	st := f.state("a-1")
	if st.Presence != mayday.DoNotDisturb || !st.Emergency || st.CallID != "c-9" {
		t.Fatalf("during the callback: %+v; want DoNotDisturb with the emergency panel", st)
	}
	if want := f.clock.Now().Add(time.Hour); !st.Lease.Lease.ExpiresAt.Equal(want) {
		t.Fatalf("lease expires %s, want renewed to %s", st.Lease.Lease.ExpiresAt, want)
	}
	f.end("c-9")
	f.deliver(events.EmergencyCallEnded)
	if p := f.presence("a-1"); p != mayday.Busy {
		t.Fatalf("after the callback: %s, want Busy", p)
	}
	if _, err := f.uc.PriorityCallbackRouting.Route(ctx, mayday.InboundCall{To: "+14255550001"}); !errors.Is(err, mayday.ErrInvalid) {
		t.Fatalf("missing callId: %v, want ErrInvalid", err)
	}
}

// TestRemoteAgentsOwnNumber: a remote agent's own number is presented, a
// PSAP callback to it reaches the agent at emergency priority during the
// lease period, and afterwards it is an ordinary call again.
func TestRemoteAgentsOwnNumber(t *testing.T) {
	f := withSites(t)
	f.remote(ownNumber)
	out := f.handle(mayday.CallEvent{CallID: "c-1", Country: "US"})
	if out.CallerID != ownNumber || out.CallerIDSource != mayday.CallerAgent || !out.CallbackExpiresAt.Equal(t0.Add(time.Hour)) ||
		out.Location == nil || out.Location.Address != home || out.Location.Detail != "Home office" {
		t.Fatalf("answer %+v", out)
	}
	// The email says where the call was sent from and what number the
	// emergency service got.
	f.deliver(events.EmergencyCallStarted)
	f.deliver(events.CallbackLeaseAllocated)
	mails := f.mail.Emails()
	if len(mails) != 1 || !strings.Contains(mails[0].Text, "Remote: 2121 7th Ave, Seattle, WA 98121, US (Home office)") ||
		!strings.Contains(mails[0].Text, "Callback number: "+ownNumber) || !strings.Contains(mails[0].Text, "The agent's own number") ||
		!strings.Contains(mails[0].Text, "Address confirmed by the agent") {
		t.Fatalf("emails %+v", mails)
	}
	// The home site's desk hears of it, but the office is not the location.
	if m := mails[0]; !slices.Contains(m.To, "security@example.com") || strings.Contains(m.Text, "Seattle HQ") {
		t.Errorf("to %v, text:\n%s\nwant the home site's desk told, and only the remote address", m.To, m.Text)
	}
	f.end("c-1")
	f.clock.Advance(10 * time.Minute)
	ctx := context.Background()
	d, err := f.uc.PriorityCallbackRouting.Route(ctx, mayday.InboundCall{CallID: "c-9", From: "+12065550911", To: ownNumber})
	if err != nil || d.Route != mayday.RouteAgent || d.AgentID != "a-1" || d.Priority != mayday.PriorityEmergency {
		t.Fatalf("callback: %+v, %v", d, err)
	}
	if f.presence("a-1") != mayday.DoNotDisturb {
		t.Errorf("presence during the callback: %s", f.presence("a-1"))
	}
	f.end("c-9")
	// The callback renewed the period: an hour from the callback.
	f.clock.Advance(55 * time.Minute)
	if d, _ := f.uc.PriorityCallbackRouting.Route(ctx, mayday.InboundCall{CallID: "c-10", To: ownNumber}); d.Route != mayday.RouteAgent {
		t.Fatalf("within the renewed period: %+v", d)
	}
	f.end("c-10")
	f.clock.Advance(2 * time.Hour)
	if d, _ := f.uc.PriorityCallbackRouting.Route(ctx, mayday.InboundCall{CallID: "c-11", To: ownNumber}); d.Route != mayday.RouteDefault {
		t.Fatalf("after the period: %+v; want the agent's line handed back", d)
	}
	// The number is the agent's: never in a pool, never another agent's.
	if _, _, err := f.uc.AdminAPI.AddNumberAt(ctx, ownNumber, "US", ""); !errors.Is(err, mayday.ErrConflict) {
		t.Errorf("adding the agent's own number to the pool: %v", err)
	}
	if _, err := f.uc.AdminAPI.PutAgent(ctx, "a-2", mayday.Profile{Name: "Bo", Country: "US"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.uc.AdminAPI.PutLocation(ctx, "a-2", mayday.AgentLocation{Address: home, CallbackNumber: ownNumber}); !errors.Is(err, mayday.ErrConflict) {
		t.Errorf("another agent claiming the number: %v", err)
	}
	if _, err := f.uc.AdminAPI.PutLocation(ctx, "a-2", mayday.AgentLocation{Address: home, CallbackNumber: "+14255550001"}); !errors.Is(err, mayday.ErrConflict) {
		t.Errorf("a pool number as an agent's own: %v", err)
	}
}

// With the bus down a callback is still routed at once: its announcement
// is recorded with the call (the outbox) and published once the bus is
// back, once.
func TestBusDownAtCallback(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addNumbers("US", "+14255550001")
	f.dial("c-1")
	f.deliver(events.EmergencyCallStarted)
	f.bus.fail = errors.New("eventbridge down")
	for range 2 { // the platform retries the webhook
		got, err := f.uc.PriorityCallbackRouting.Route(ctx, mayday.InboundCall{CallID: "c-9", To: "+14255550001"})
		if err != nil || got.Route != mayday.RouteAgent || got.AgentID != "a-1" {
			t.Fatalf("callback with the bus down: %+v, %v; want it routed to a-1", got, err)
		}
	}
	if got := f.bus.take(events.EmergencyCallbackRouted); len(got) != 0 {
		t.Fatalf("published %d routed events with the bus down", len(got))
	}
	pending := f.store.PendingEvents()
	if len(pending) != 1 || pending[0].DetailType != events.EmergencyCallbackRouted {
		t.Fatalf("pending %+v, want the callback's routed event", pending)
	}
	f.bus.fail = nil
	got := f.bus.take(events.EmergencyCallbackRouted)
	if len(got) != 1 {
		t.Fatalf("%d routed events once the bus is back, want 1", len(got))
	}
	if d := got[0].Detail.(events.CallbackRoutedDetail); d.CallID != "c-9" || d.AgentID != "a-1" || d.EmergencyCallID != "c-1" {
		t.Fatalf("routed event %+v", d)
	}
}
