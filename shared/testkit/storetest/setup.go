package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// The dial's setup (mayday.SetupStore): ReadSetup reads an agent and a call
// together, absent ones as zero values with their id and Version 0;
// WriteSetup writes a call, an agent and optionally a number all or none,
// each conditioned on the Version it carries (0: must not exist), and fails
// with a *mayday.SetupConflict naming exactly the items that had changed.

const setupNumber = "+14255550001"

// setupValues are a dial's three items as a first dial creates them: every
// field set, Version 0; the number is leased to the agent and the agent is
// in an emergency, so each index has them.
func setupValues(callID string) (mayday.Call, mayday.Agent, mayday.CallbackNumber) {
	c := sampleCall(callID, false)
	c.Kind, c.To = mayday.KindOutbound, "911"
	a := sampleAgent("a-1")
	a.CallbackNumber = setupNumber
	n := sampleNumber(setupNumber, "US", &mayday.Lease{AgentID: "a-1", CallID: callID, LeasedAt: base, ExpiresAt: base.Add(time.Hour)})
	return c, a, n
}

// setupState is what GetCall, GetAgent and GetNumber return for a setup's
// ids; nil where the item is not stored.
type setupState struct {
	Call   *mayday.Call
	Agent  *mayday.Agent
	Number *mayday.CallbackNumber
}

func stored[T any](t *testing.T, what string, get func() (T, error)) *T {
	t.Helper()
	v, err := get()
	if errors.Is(err, mayday.ErrNotFound) {
		return nil
	}
	if err != nil {
		t.Fatalf("get %s: %v", what, err)
	}
	return &v
}

func readState(t *testing.T, s mayday.Store, callID, agentID, number string) setupState {
	t.Helper()
	ctx := context.Background()
	return setupState{
		Call:   stored(t, "call "+callID, func() (mayday.Call, error) { return s.GetCall(ctx, callID) }),
		Agent:  stored(t, "agent "+agentID, func() (mayday.Agent, error) { return s.GetAgent(ctx, agentID) }),
		Number: stored(t, "number "+number, func() (mayday.CallbackNumber, error) { return s.GetNumber(ctx, number) }),
	}
}

// writeSetup writes a setup that must succeed, and checks that what it
// returns is what it was given, at Version+1.
func writeSetup(t *testing.T, s mayday.Store, c mayday.Call, a mayday.Agent, n *mayday.CallbackNumber) (mayday.Call, mayday.Agent, *mayday.CallbackNumber) {
	t.Helper()
	gc, ga, gn, err := s.WriteSetup(context.Background(), c, a, n, nil)
	if err != nil {
		t.Fatalf("WriteSetup: %v", err)
	}
	c.Version++
	a.Version++
	if d := diff(gc, c); d != "" {
		t.Errorf("WriteSetup returned call %+v: %s", gc, d)
	}
	if d := diff(ga, a); d != "" {
		t.Errorf("WriteSetup returned agent %+v: %s", ga, d)
	}
	if n == nil {
		if gn != nil {
			t.Errorf("WriteSetup without a number returned number %+v, want nil", *gn)
		}
		return gc, ga, gn
	}
	want := *n
	want.Version++
	if gn == nil {
		t.Fatalf("WriteSetup returned no number, want %+v", want)
	}
	if d := diff(*gn, want); d != "" {
		t.Errorf("WriteSetup returned number %+v: %s", *gn, d)
	}
	return gc, ga, gn
}

// expectConflict checks that err is a *mayday.SetupConflict naming exactly
// want, and a mayday.ErrConflict.
func expectConflict(t *testing.T, err error, want mayday.SetupConflict) {
	t.Helper()
	var conflict *mayday.SetupConflict
	if !errors.As(err, &conflict) {
		t.Fatalf("WriteSetup = %v, want a *mayday.SetupConflict %+v", err, want)
	}
	if *conflict != want {
		t.Errorf("conflict %+v (%v), want %+v", *conflict, conflict, want)
	}
	if !errors.Is(err, mayday.ErrConflict) {
		t.Errorf("errors.Is(%v, ErrConflict) = false", err)
	}
}

// testSetupReadAbsent: nothing stored reads as zero values with their ids,
// as Update closures see them, whether one or both are missing.
func testSetupReadAbsent(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
	a, c, err := s.ReadSetup(ctx, "a-1", "c-1")
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(a, mayday.Agent{ID: "a-1"}); d != "" {
		t.Errorf("absent agent read as %+v: %s", a, d)
	}
	if d := diff(c, mayday.Call{ID: "c-1"}); d != "" {
		t.Errorf("absent call read as %+v: %s", c, d)
	}
	if _, err := s.UpdateAgent(ctx, "a-1", func(a *mayday.Agent) error { a.Name = "Ada"; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, c, err = s.ReadSetup(ctx, "a-1", "c-2"); err != nil {
		t.Fatal(err)
	} else if d := diff(c, mayday.Call{ID: "c-2"}); d != "" {
		t.Errorf("absent call next to a stored agent read as %+v: %s", c, d)
	}
	if _, err := s.UpdateCall(ctx, "c-3", func(c *mayday.Call) error { c.From = "+14255550199"; return nil }); err != nil {
		t.Fatal(err)
	}
	if a, _, err = s.ReadSetup(ctx, "a-2", "c-3"); err != nil {
		t.Fatal(err)
	} else if d := diff(a, mayday.Agent{ID: "a-2"}); d != "" {
		t.Errorf("absent agent next to a stored call read as %+v: %s", a, d)
	}
}

// testSetupReadStored: stored items read back as GetX returns them, every
// field and the Version included.
func testSetupReadStored(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
	wantA, err := s.UpdateAgent(ctx, "a-1", func(a *mayday.Agent) error { *a = sampleAgent("a-1"); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateCall(ctx, "c-1", func(c *mayday.Call) error { *c = sampleCall("c-1", true); return nil }); err != nil {
		t.Fatal(err)
	}
	wantC, err := s.UpdateCall(ctx, "c-1", func(c *mayday.Call) error { c.EndedAt = base.Add(time.Minute); return nil })
	if err != nil {
		t.Fatal(err)
	}
	a, c, err := s.ReadSetup(ctx, "a-1", "c-1")
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(a, wantA); d != "" {
		t.Errorf("agent read as %+v, stored as %+v: %s", a, wantA, d)
	}
	if d := diff(c, wantC); d != "" || c.Version != 2 {
		t.Errorf("call read as %+v, stored as %+v: %s", c, wantC, d)
	}
}

// testSetupWrite: a first dial creates the three items from Version 0; they
// read back as written, at Version 1, through GetX and ReadSetup alike; a
// second write from what was read updates them all to Version 2.
func testSetupWrite(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
	c, a, n := setupValues("c-1")
	wc, wa, wn := writeSetup(t, s, c, a, &n)
	if wc.Version != 1 || wa.Version != 1 || wn.Version != 1 {
		t.Errorf("versions after creation: call %d, agent %d, number %d; want 1", wc.Version, wa.Version, wn.Version)
	}
	got := readState(t, s, "c-1", "a-1", setupNumber)
	if d := diff(got, setupState{&wc, &wa, wn}); d != "" {
		t.Errorf("stored after WriteSetup %+v: %s", got, d)
	}
	ra, rc, err := s.ReadSetup(ctx, "a-1", "c-1")
	if err != nil {
		t.Fatal(err)
	}
	if d := diff([2]any{ra, rc}, [2]any{wa, wc}); d != "" {
		t.Errorf("ReadSetup after WriteSetup: %s", d)
	}

	// The next dial: the values as read, changed.
	rc.EndedAt = base.Add(time.Minute)
	ra.Name, ra.Emergency.Ended = "Ada (again)", []string{"c-0", "c-1"}
	rn := *wn
	rn.Lease.ExpiresAt = base.Add(2 * time.Hour)
	wc2, wa2, wn2 := writeSetup(t, s, rc, ra, &rn)
	if wc2.Version != 2 || wa2.Version != 2 || wn2.Version != 2 {
		t.Errorf("versions after the second write: call %d, agent %d, number %d; want 2", wc2.Version, wa2.Version, wn2.Version)
	}
	got = readState(t, s, "c-1", "a-1", setupNumber)
	if d := diff(got, setupState{&wc2, &wa2, wn2}); d != "" {
		t.Errorf("stored after the second WriteSetup %+v: %s", got, d)
	}
}

// testSetupConflicts: a write whose versions are stale fails, names exactly
// the stale items, and writes none of the three — not even the ones whose
// condition held.
func testSetupConflicts(t *testing.T, e env) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		stale mayday.SetupConflict
	}{
		{"call", mayday.SetupConflict{Call: true}},
		{"agent", mayday.SetupConflict{Agent: true}},
		{"number", mayday.SetupConflict{Number: true}},
		{"agentAndNumber", mayday.SetupConflict{Agent: true, Number: true}},
		{"all", mayday.SetupConflict{Call: true, Agent: true, Number: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := e.newStore(t)
			c, a, n := setupValues("c-1")
			wc, wa, wn := writeSetup(t, s, c, a, &n)
			// Another writer changes the stale items meanwhile.
			if tc.stale.Call {
				if _, err := s.UpdateCall(ctx, "c-1", func(c *mayday.Call) error { c.EndedAt = base; return nil }); err != nil {
					t.Fatal(err)
				}
			}
			if tc.stale.Agent {
				if _, err := s.UpdateAgent(ctx, "a-1", func(a *mayday.Agent) error { a.Name = "changed"; return nil }); err != nil {
					t.Fatal(err)
				}
			}
			if tc.stale.Number {
				if _, err := s.UpdateNumber(ctx, setupNumber, func(n *mayday.CallbackNumber) error { n.Lease = nil; return nil }); err != nil {
					t.Fatal(err)
				}
			}
			before := readState(t, s, "c-1", "a-1", setupNumber)

			wc.CallerID, wa.Name = "+14255550002", "lost"
			wn.Lease.ExpiresAt = base.Add(3 * time.Hour)
			_, _, _, err := s.WriteSetup(ctx, wc, wa, wn, nil)
			expectConflict(t, err, tc.stale)
			if d := diff(readState(t, s, "c-1", "a-1", setupNumber), before); d != "" {
				t.Errorf("a failed WriteSetup changed what is stored: %s", d)
			}
		})
	}

	// Version 0 of an item that exists, a version of one that does not.
	t.Run("exists", func(t *testing.T) {
		s := e.newStore(t)
		c, a, n := setupValues("c-1")
		_, wa, wn := writeSetup(t, s, c, a, &n)
		before := readState(t, s, "c-1", "a-1", setupNumber)
		_, _, _, err := s.WriteSetup(ctx, c, wa, wn, nil) // the call again, from Version 0
		expectConflict(t, err, mayday.SetupConflict{Call: true})
		if d := diff(readState(t, s, "c-1", "a-1", setupNumber), before); d != "" {
			t.Errorf("a failed WriteSetup changed what is stored: %s", d)
		}
	})
	t.Run("missing", func(t *testing.T) {
		s := e.newStore(t)
		c, a, n := setupValues("c-1")
		a.Version, n.Version = 1, 3 // as if read, but nothing is stored
		_, _, _, err := s.WriteSetup(ctx, c, a, &n, nil)
		expectConflict(t, err, mayday.SetupConflict{Agent: true, Number: true})
		if d := diff(readState(t, s, "c-1", "a-1", setupNumber), setupState{}); d != "" {
			t.Errorf("a failed WriteSetup stored something: %s", d)
		}
	})
}

// testSetupWithoutNumber: a nil number writes the call and the agent only,
// and a conflict then never names the number.
func testSetupWithoutNumber(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
	_, _, n := setupValues("c-0")
	wn := addNumbers(t, s, n)[setupNumber]
	c, a, _ := setupValues("c-1")
	a.CallbackNumber = ""
	wc, wa, _ := writeSetup(t, s, c, a, nil)
	got := readState(t, s, "c-1", "a-1", setupNumber)
	if d := diff(got, setupState{&wc, &wa, &wn}); d != "" {
		t.Errorf("stored after WriteSetup without a number %+v: %s", got, d)
	}
	e.expectNumbers(t, `ListNumbers("") after WriteSetup without a number`,
		func() ([]mayday.CallbackNumber, error) { return s.ListNumbers(ctx, "") },
		map[string]mayday.CallbackNumber{setupNumber: wn}, setupNumber)

	_, _, _, err := s.WriteSetup(ctx, c, wa, nil, nil) // the call again, from Version 0
	expectConflict(t, err, mayday.SetupConflict{Call: true})
	if d := diff(readState(t, s, "c-1", "a-1", setupNumber), got); d != "" {
		t.Errorf("a failed WriteSetup changed what is stored: %s", d)
	}
}

// testSetupIndexes: the index-backed reads see what WriteSetup wrote — the
// lease in its holder's list and the sweep's, the agent in the watchdog's
// list and its site's, the number in its pool — and drop what a later
// WriteSetup takes away.
func testSetupIndexes(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
	c, a, n := setupValues("c-1")
	if !a.InEmergency() || a.SiteID != "s-1" {
		t.Fatalf("sample agent %+v: want it in an emergency, at site s-1", a)
	}
	wc, wa, wn := writeSetup(t, s, c, a, &n)
	nums := map[string]mayday.CallbackNumber{setupNumber: *wn}
	agentsNow := map[string]mayday.Agent{"a-1": wa}
	heldBy := func() ([]mayday.CallbackNumber, error) { return s.LeasesHeldBy(ctx, "a-1") }
	expiring := func() ([]mayday.CallbackNumber, error) { return s.LeasesExpiringBy(ctx, base.Add(2*time.Hour)) }
	pool := func() ([]mayday.CallbackNumber, error) { return s.ListNumbers(ctx, "US") }
	inEmergency := func() ([]mayday.Agent, error) { return s.AgentsInEmergencySince(ctx, base) }
	atSite := func() ([]mayday.Agent, error) { return s.AgentsAtSite(ctx, "s-1") }

	e.expectNumbers(t, "LeasesHeldBy(a-1)", heldBy, nums, setupNumber)
	e.expectNumbers(t, "LeasesExpiringBy(base+2h)", expiring, nums, setupNumber)
	e.expectNumbers(t, `ListNumbers("US")`, pool, nums, setupNumber)
	e.expectAgents(t, "AgentsInEmergencySince(base)", inEmergency, agentsNow, "a-1")
	e.expectAgents(t, `AgentsAtSite("s-1")`, atSite, agentsNow, "a-1")

	// The next write releases the lease, ends the emergency, moves the agent
	// off its site.
	wc.EndedAt = base.Add(time.Minute)
	wa.EndAllEmergencies()
	wa.SiteID, wa.CallbackNumber = "", ""
	wn.Lease, wn.ReleasedAt = nil, base.Add(time.Minute)
	_, wa2, wn2 := writeSetup(t, s, wc, wa, wn)
	nums = map[string]mayday.CallbackNumber{setupNumber: *wn2}
	agentsNow = map[string]mayday.Agent{"a-1": wa2}
	e.expectNumbers(t, "LeasesHeldBy(a-1) after release", heldBy, nums)
	e.expectNumbers(t, "LeasesExpiringBy(base+2h) after release", expiring, nums)
	e.expectNumbers(t, `ListNumbers("US") after release`, pool, nums, setupNumber)
	e.expectAgents(t, "AgentsInEmergencySince(base) after the emergency", inEmergency, agentsNow)
	e.expectAgents(t, `AgentsAtSite("s-1") after the move`, atSite, agentsNow)
}

// testConcurrentSetups: dials of one agent that read the same agent and
// write their own call and number race on the agent's item: in each round
// exactly one wins, every other conflicts on the agent alone and writes
// nothing — neither its call nor its number.
func testConcurrentSetups(t *testing.T, e env) {
	const rounds, dialers = 3, 8
	ctx := context.Background()
	s := e.newStore(t)
	for r := range rounds {
		var (
			read, wg sync.WaitGroup
			mu       sync.Mutex
			winners  []int
			written  = map[int][2]any{} // call and number of each winner
		)
		read.Add(dialers)
		for i := range dialers {
			callID, num := fmt.Sprintf("c-%d-%d", r, i), fmt.Sprintf("+1425555%02d%02d", r, i)
			wg.Go(func() {
				a, c, err := s.ReadSetup(ctx, "a-1", callID)
				read.Done()
				read.Wait() // every dialer reads before any writes
				if err != nil {
					t.Errorf("dialer %d: ReadSetup: %v", i, err)
					return
				}
				c.Kind, c.AgentID, c.CallerID, c.StartedAt = mayday.KindOutbound, "a-1", num, base
				a.Name, a.CallbackNumber = "Ada", num
				n := sampleNumber(num, "US", &mayday.Lease{AgentID: "a-1", CallID: callID, LeasedAt: base, ExpiresAt: base.Add(time.Hour)})
				wc, _, wn, err := s.WriteSetup(ctx, c, a, &n, nil)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					winners = append(winners, i)
					written[i] = [2]any{wc, *wn}
					return
				}
				var conflict *mayday.SetupConflict
				switch {
				case !errors.As(err, &conflict):
					t.Errorf("round %d, dialer %d: WriteSetup = %v, want success or a *SetupConflict", r, i, err)
				case *conflict != mayday.SetupConflict{Agent: true}:
					t.Errorf("round %d, dialer %d: conflict %+v, want the agent's alone", r, i, *conflict)
				}
			})
		}
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("round %d: dialers %v won, want exactly one of %d", r, winners, dialers)
		}
		won := winners[0]
		agent, err := s.GetAgent(ctx, "a-1")
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("+1425555%02d%02d", r, won); agent.CallbackNumber != want || agent.Version != int64(r+1) {
			t.Errorf("round %d: agent has number %q at Version %d, want the winner's %q at %d",
				r, agent.CallbackNumber, agent.Version, want, r+1)
		}
		for i := range dialers {
			callID, num := fmt.Sprintf("c-%d-%d", r, i), fmt.Sprintf("+1425555%02d%02d", r, i)
			got := readState(t, s, callID, "a-1", num)
			if i != won {
				if got.Call != nil || got.Number != nil {
					t.Errorf("round %d: loser %d stored call %+v, number %+v; want neither", r, i, got.Call, got.Number)
				}
				continue
			}
			if got.Call == nil || got.Number == nil {
				t.Errorf("round %d: winner %d stored call %+v, number %+v; want both", r, i, got.Call, got.Number)
				continue
			}
			if d := diff([2]any{*got.Call, *got.Number}, written[i]); d != "" {
				t.Errorf("round %d: winner %d's call and number stored as written? %s", r, i, d)
			}
		}
	}
}
