package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// Concurrent writers: no update is lost or doubled, no number is leased
// twice, no notification claimed twice, no activity added twice. An adapter
// without Features.UnboundedRetries may refuse a writer with
// mayday.ErrConflict; what the others wrote must still all be there.

// gaveUp reports whether err is an update giving up under contention, which
// the adapter's features allow.
func (e env) gaveUp(err error) bool {
	return !e.UnboundedRetries && errors.Is(err, mayday.ErrConflict)
}

func testConcurrentAgentUpdates(t *testing.T, e env) {
	const n = 20
	ctx := context.Background()
	s := e.newStore(t)
	if _, err := s.UpdateAgent(ctx, "a-1", func(a *mayday.Agent) error { a.Name = "Ada"; return nil }); err != nil {
		t.Fatal(err)
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		written  []string // contacts whose update returned success
		refusals int
	)
	for i := range n {
		wg.Go(func() {
			contact := fmt.Sprintf("c%02d@example.com", i)
			_, err := s.UpdateAgent(ctx, "a-1", func(a *mayday.Agent) error {
				a.EmergencyContacts = append(a.EmergencyContacts, contact)
				return nil
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				written = append(written, contact)
			case e.gaveUp(err):
				refusals++
			default:
				t.Errorf("writer %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if refusals > 0 {
		t.Logf("%d of %d writers gave up with ErrConflict (allowed: UnboundedRetries is false)", refusals, n)
	}
	if len(written) == 0 {
		t.Fatalf("none of %d concurrent writers succeeded", n)
	}
	a, err := s.GetAgent(ctx, "a-1")
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Sorted(slices.Values(a.EmergencyContacts))
	want := slices.Sorted(slices.Values(written))
	if !slices.Equal(got, want) {
		t.Errorf("after %d concurrent appends (%d succeeded) the contacts are %v (%d), want %v: an update was lost or doubled",
			n, len(want), got, len(got), want)
	}
	if a.Version != int64(len(written))+1 {
		t.Errorf("Version = %d, want %d", a.Version, len(written)+1)
	}
	if a.Name != "Ada" {
		t.Errorf("Name = %q, want it kept", a.Name)
	}
}

var errTaken = errors.New("storetest: number has a live lease")

// testConcurrentLeases has more dialers than numbers race for leases: each
// number is granted exactly once.
func testConcurrentLeases(t *testing.T, e env) {
	const pool, dialers = 5, 20
	ctx := context.Background()
	s := e.newStore(t)
	var numbers []string
	for i := range pool {
		num := fmt.Sprintf("+142555500%02d", i)
		numbers = append(numbers, num)
		if _, err := s.UpdateNumber(ctx, num, func(n *mayday.CallbackNumber) error {
			n.Country, n.AddedAt = "US", base
			if i%2 == 0 { // an expired lease does not hold the number
				n.Lease = &mayday.Lease{AgentID: "old", CallID: "old", LeasedAt: base.Add(-2 * time.Hour), ExpiresAt: base.Add(-time.Hour)}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	// Every dialer must see the whole pool; with lagging indexes, wait for it.
	e.IndexRead(t, `ListNumbers("US") before the race`, func() string {
		listed, err := s.ListNumbers(ctx, "US")
		if err != nil {
			return err.Error()
		}
		if len(listed) != pool {
			return fmt.Sprintf("listed %d numbers, want %d", len(listed), pool)
		}
		return ""
	})

	type grant struct{ number, agent string }
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		grants []grant
	)
	for i := range dialers {
		agent := fmt.Sprintf("a-%02d", i)
		wg.Go(func() {
			listed, err := s.ListNumbers(ctx, "US")
			if err != nil {
				t.Errorf("%s: list: %v", agent, err)
				return
			}
			if len(listed) != pool {
				t.Errorf("%s: listed %d numbers, want %d", agent, len(listed), pool)
			}
			for j := range listed { // start at different numbers to mix the races
				num := listed[(i+j)%len(listed)].Number
				_, err := s.UpdateNumber(ctx, num, func(n *mayday.CallbackNumber) error {
					if _, live := n.LiveLease(base); live {
						return fmt.Errorf("%s: %w", n.Number, errTaken)
					}
					n.Lease = &mayday.Lease{AgentID: agent, CallID: "call-" + agent, LeasedAt: base, ExpiresAt: base.Add(time.Hour)}
					return nil
				})
				switch {
				case err == nil:
					mu.Lock()
					grants = append(grants, grant{num, agent})
					mu.Unlock()
					return
				case errors.Is(err, errTaken):
					// someone else holds it: try the next number
				case e.gaveUp(err):
					// Lost every race for it: each lost race was another
					// dialer's lease, so it is taken too.
				default:
					t.Errorf("%s: lease %s: %v", agent, num, err)
					return
				}
			}
		})
	}
	wg.Wait()

	if len(grants) != pool {
		t.Errorf("%d dialers got a number, want exactly %d (the pool size): %v", len(grants), pool, grants)
	}
	held := map[string]string{}
	for _, g := range grants {
		if other, ok := held[g.number]; ok {
			t.Errorf("number %s leased twice: to %s and %s", g.number, other, g.agent)
		}
		held[g.number] = g.agent
	}
	for _, num := range numbers {
		n, err := s.GetNumber(ctx, num)
		if err != nil {
			t.Fatal(err)
		}
		if n.Lease == nil || n.Lease.AgentID != held[num] {
			t.Errorf("number %s: stored lease %+v, want the one granted to %q", num, n.Lease, held[num])
		}
		if n.Version != 2 {
			t.Errorf("number %s: Version %d, want 2 (created, leased once)", num, n.Version)
		}
	}
}

// testConcurrentClaims: of senders claiming one notification at once,
// exactly one wins; the others are refused with ErrConflict.
func testConcurrentClaims(t *testing.T, e env) {
	const senders = 10
	ctx := context.Background()
	s := e.newStore(t)
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		won, lost int
	)
	for range senders {
		wg.Go(func() {
			_, err := s.UpdateNotification(ctx, "c-3", claim(base))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.Is(err, mayday.ErrConflict): // claimed by another, or gave up racing for it
				lost++
			default:
				t.Errorf("claim: %v", err)
			}
		})
	}
	wg.Wait()
	if won != 1 || lost != senders-1 {
		t.Errorf("%d claims won, %d refused; want exactly 1 winner of %d", won, lost, senders)
	}
}

// testConcurrentHistoryAdds: the same activity added at once by several
// writers is stored once.
func testConcurrentHistoryAdds(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			a := mayday.Activity{AgentID: "a-9", CallID: "c-9", Direction: fmt.Sprint(i), EndedAt: base}
			if err := s.AddActivity(ctx, a); err != nil {
				t.Errorf("add %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	got, err := s.ListActivities(ctx, "a-9")
	if err != nil || len(got) != 1 {
		t.Errorf("after concurrent adds of one activity: %+v, %v; want exactly one", got, err)
	}
}
