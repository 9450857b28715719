package mayday_test

import (
	"context"
	"slices"
	"testing"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/mayday"
)

func TestHistory(t *testing.T) {
	f := newFixture(t)
	f.call(mayday.CallEventDialed, "c-ord", "a-1", "+14255550123")
	f.end("c-ord")
	f.end("c-ord")
	f.call(mayday.CallEventDialed, "c-test", "a-1", "933")
	f.end("c-test")
	f.dial("c-911")
	f.end("c-911")
	f.deliver(events.CallEnded)
	out, err := f.uc.DialDetection.HandleCall(context.Background(), mayday.CallEvent{Type: mayday.CallEventDialed, CallID: "c-fr",
		AgentID: "a-1", To: "112", Country: "FR", OccurredAt: t0})
	if err != nil || out.Emergency || out.Reason != mayday.ReasonLocationUnsupported {
		t.Fatalf("FR 112: %+v, %v", out, err)
	}
	if n := len(f.bus.take(events.EmergencyDialUnsupported)); n != 1 {
		t.Fatalf("%d unsupported-dial events, want 1", n)
	}
	f.end("c-fr")
	f.deliver(events.CallEnded)
	acts, err := f.uc.AdminAPI.History(context.Background(), "a-1")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range acts {
		ids = append(ids, a.CallID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"c-ord", "c-test"}) {
		t.Fatalf("history = %v, want the ordinary and test calls only", ids)
	}
	// Even a forged "Call Ended" for an emergency call is refused.
	if err := f.uc.CallHistory.Record(context.Background(), events.CallEndedDetail{CallID: "c-911", AgentID: "a-1", Kind: "ordinary"}); err != nil {
		t.Fatal(err)
	}
	if acts, _ := f.uc.AdminAPI.History(context.Background(), "a-1"); len(acts) != 2 {
		t.Fatalf("history = %+v after a forged event", acts)
	}
}
