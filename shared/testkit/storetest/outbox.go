package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/mayday"
)

// The transactional outbox: the events a write names (WriteSetup's evs,
// UpdateCallAnnouncing's closure) are recorded iff the write is, in the
// same write; a write that fails, conflicts or writes nothing records
// nothing. Every adapter reads its outbox by event id (OutboxReader).

// OutboxReader reads a recorded event by id; every adapter provides it.
type OutboxReader interface {
	RecordedEvent(ctx context.Context, id string) (mayday.OutboxEvent, bool, error)
}

func outboxEvent(t *testing.T, callID, detailType string) mayday.OutboxEvent {
	t.Helper()
	e, err := mayday.NewOutboxEvent(callID, events.Event{DetailType: detailType,
		Detail: events.CallEndedDetail{CallID: callID, AgentID: "a-1", Kind: "outbound", StartedAt: base, EndedAt: base}}, base)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// recorded reports whether the store holds want, and that it holds it as
// written.
func recorded(t *testing.T, s mayday.Store, want mayday.OutboxEvent) bool {
	t.Helper()
	r, ok := s.(OutboxReader)
	if !ok {
		t.Fatalf("%T reads no outbox: every adapter must (storetest.OutboxReader)", s)
	}
	got, found, err := r.RecordedEvent(context.Background(), want.ID)
	if err != nil {
		t.Fatalf("RecordedEvent %s: %v", want.ID, err)
	}
	if found {
		if d := diff(got, want); d != "" {
			t.Errorf("recorded %s: %s", want.ID, d)
		}
	}
	return found
}

func testOutboxWithSetup(t *testing.T, e env) {
	s := e.newStore(t)
	ctx := context.Background()
	c, a, n := setupValues("c-1")
	ev := outboxEvent(t, "c-1", events.EmergencyCallStarted)
	if _, _, _, err := s.WriteSetup(ctx, c, a, &n, []mayday.OutboxEvent{ev}); err != nil {
		t.Fatal(err)
	}
	if !recorded(t, s, ev) {
		t.Fatal("the event WriteSetup named was not recorded")
	}
	// The same setup again conflicts: it writes nothing, records nothing.
	c2, a2, n2 := setupValues("c-2")
	lost := outboxEvent(t, "c-2", events.EmergencyCallStarted)
	_, _, _, err := s.WriteSetup(ctx, c2, a2, &n2, []mayday.OutboxEvent{lost})
	if !errors.Is(err, mayday.ErrConflict) {
		t.Fatalf("conflicting WriteSetup: %v, want ErrConflict", err)
	}
	if recorded(t, s, lost) {
		t.Error("a conflicting WriteSetup recorded its event")
	}
}

func testOutboxWithCall(t *testing.T, e env) {
	s := e.newStore(t)
	ctx := context.Background()
	ended := outboxEvent(t, "c-1", events.EmergencyCallEnded)
	if _, err := s.UpdateCallAnnouncing(ctx, "c-1", func(c *mayday.Call) ([]mayday.OutboxEvent, error) {
		*c = sampleCall("c-1", false)
		return []mayday.OutboxEvent{ended}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if !recorded(t, s, ended) {
		t.Fatal("the event UpdateCallAnnouncing named was not recorded")
	}
	for name, res := range map[string]error{"no change": mayday.ErrNoChange, "an error": errors.New("refused")} {
		ev := outboxEvent(t, "c-2", "Closure "+name)
		_, err := s.UpdateCallAnnouncing(ctx, "c-2", func(c *mayday.Call) ([]mayday.OutboxEvent, error) {
			return []mayday.OutboxEvent{ev}, res
		})
		if err != nil && !errors.Is(err, res) {
			t.Fatalf("closure returning %s: %v", name, err)
		}
		if recorded(t, s, ev) {
			t.Errorf("a closure returning %s recorded its event", name)
		}
	}
	// A write that names no event still writes.
	if _, err := s.UpdateCallAnnouncing(ctx, "c-3", func(c *mayday.Call) ([]mayday.OutboxEvent, error) {
		*c = sampleCall("c-3", false)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetCall(ctx, "c-3"); err != nil {
		t.Errorf("call written with no event: %v", err)
	}
}

// testOutboxWithAlert: an acknowledgement records its event iff it is
// written; the first wins, a later one records nothing.
func testOutboxWithAlert(t *testing.T, e env) {
	s := e.newStore(t)
	ctx := context.Background()
	if _, err := s.UpdateAlert(ctx, "al-1", func(a *mayday.Alert) error {
		*a = sampleAlert("al-1", "s-1", base.Add(time.Hour))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	acked := outboxEvent(t, "al-1", events.EmergencyAlertAcknowledged)
	again := outboxEvent(t, "al-1", "Acknowledged again")
	for _, ev := range []mayday.OutboxEvent{acked, again} {
		if _, err := s.UpdateAlertAnnouncing(ctx, "al-1", func(a *mayday.Alert) ([]mayday.OutboxEvent, error) {
			if err := ack("Lee", base)(a); err != nil {
				return nil, err
			}
			return []mayday.OutboxEvent{ev}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if !recorded(t, s, acked) || recorded(t, s, again) {
		t.Fatalf("recorded: first %v, later %v; want the first only", recorded(t, s, acked), recorded(t, s, again))
	}
}

// testOutboxWithNumberAndAgent: a release or a restore records its event
// with the number's or the agent's write, and nothing when the closure
// writes nothing.
func testOutboxWithNumberAndAgent(t *testing.T, e env) {
	s := e.newStore(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		update func(ev mayday.OutboxEvent, res error) error
		read   func() error
	}{
		{"number", func(ev mayday.OutboxEvent, res error) error {
			_, err := s.UpdateNumberAnnouncing(ctx, "+14255550001", func(n *mayday.CallbackNumber) ([]mayday.OutboxEvent, error) {
				*n = sampleNumber("+14255550001", "US", nil)
				return []mayday.OutboxEvent{ev}, res
			})
			return err
		}, func() error { _, err := s.GetNumber(ctx, "+14255550001"); return err }},
		{"agent", func(ev mayday.OutboxEvent, res error) error {
			_, err := s.UpdateAgentAnnouncing(ctx, "a-1", func(a *mayday.Agent) ([]mayday.OutboxEvent, error) {
				*a = sampleAgent("a-1")
				return []mayday.OutboxEvent{ev}, res
			})
			return err
		}, func() error { _, err := s.GetAgent(ctx, "a-1"); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			skipped := outboxEvent(t, "c-"+tc.name+"-0", "Closure no change")
			if err := tc.update(skipped, mayday.ErrNoChange); err != nil {
				t.Fatal(err)
			}
			if recorded(t, s, skipped) {
				t.Error("a closure writing nothing recorded its event")
			}
			ev := outboxEvent(t, "c-"+tc.name+"-1", events.CallbackLeaseExpired)
			if err := tc.update(ev, nil); err != nil {
				t.Fatal(err)
			}
			if err := tc.read(); err != nil {
				t.Fatalf("written: %v", err)
			}
			if !recorded(t, s, ev) {
				t.Fatal("the event the closure named was not recorded")
			}
		})
	}
}
