package storetest

import (
	"cmp"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// Call history (mayday.HistoryStore): AddActivity is idempotent on
// (AgentID, CallID); ListActivities reads one agent's. Concurrent adds are in
// concurrency.go.

func testHistory(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
	if got, err := s.ListActivities(ctx, "a-1"); err != nil || len(got) != 0 {
		t.Errorf("ListActivities on an empty store = %v, %v; want none", got, err)
	}
	acts := []mayday.Activity{
		{AgentID: "a-1", CallID: "c-1", Direction: "outbound", From: "+14255550100", To: "+14255550123", StartedAt: base, EndedAt: base.Add(time.Minute)},
		{AgentID: "a-1", CallID: "c-2", Direction: "inbound", EndedAt: base.Add(time.Hour).In(zone)}, // start unknown
		{AgentID: "a-2", CallID: "c-1", Direction: "outbound", EndedAt: base},
	}
	for _, a := range acts {
		if err := s.AddActivity(ctx, a); err != nil {
			t.Fatalf("add %+v: %v", a, err)
		}
	}
	// Adding (AgentID, CallID) again keeps the first record, without error.
	dup := acts[0]
	dup.Direction, dup.To, dup.EndedAt = "inbound", "+19999999999", base.Add(time.Hour)
	if err := s.AddActivity(ctx, dup); err != nil {
		t.Errorf("repeated add: %v, want nil", err)
	}
	if err := s.AddActivity(ctx, acts[0]); err != nil {
		t.Errorf("identical repeated add: %v, want nil", err)
	}

	for _, tc := range []struct {
		agent string
		want  []mayday.Activity
	}{
		{"a-1", acts[:2]},
		{"a-2", acts[2:]},
		{"a-3", nil},
	} {
		got, err := s.ListActivities(ctx, tc.agent)
		if err != nil {
			t.Errorf("ListActivities(%s): %v", tc.agent, err)
			continue
		}
		got = slices.Clone(got)
		slices.SortFunc(got, func(a, b mayday.Activity) int { return cmp.Compare(a.CallID, b.CallID) })
		if d := diff(got, tc.want); d != "" {
			t.Errorf("ListActivities(%s) = %+v: %s", tc.agent, got, d)
		}
	}
}
