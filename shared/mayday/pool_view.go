package mayday

import (
	"cmp"
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// poolFreshFor is how long a dial function reuses its last read of a pool.
const poolFreshFor = time.Second

// poolView is a dial function's last read of a pool, with the numbers it
// has written since. It is a hint, never the truth: every write is
// conditional on the version it shows, and a dial that loses a race reads
// the pool again. Under a burst of dials it spares each one its own read
// (and copy) of the whole pool; a dial soon after another starts from what
// that one wrote.
type poolView struct {
	numbers []CallbackNumber // as read; never changed
	mu      sync.RWMutex
	written map[string]CallbackNumber
}

func (v *poolView) wrote(n CallbackNumber) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.written[n.Number] = n
}

func (v *poolView) size() int { return len(v.numbers) }

// pools keeps a dial function's pool views, and the numbers its dials are
// taking now.
type pools struct {
	mu      sync.Mutex
	entries map[Pool]*poolEntry

	// claiming makes a choice and its claim one step, so that no two dials
	// of this process choose one number at once.
	claiming sync.Mutex
	// claimed counts, by number, the dials of this process taking it: chosen
	// and not yet written or lost.
	claimed map[string]int
	// rand is in [0, n): the spread of a contended choice; tests fix it.
	rand func(n int) int
}

type poolEntry struct {
	reading sync.Mutex // one read of a pool at a time: a burst waits for it
	view    *poolView
	at      time.Time
}

func newPools() *pools {
	return &pools{entries: map[Pool]*poolEntry{}, claimed: map[string]int{}, rand: rand.IntN}
}

// view is the pool's view: the last one while it is fresh, unless fresh
// asks for a read.
func (ps *pools) view(ctx context.Context, p ports, pool Pool, fresh bool) (*poolView, error) {
	ps.mu.Lock()
	e := ps.entries[pool]
	if e == nil {
		e = &poolEntry{}
		ps.entries[pool] = e
	}
	ps.mu.Unlock()
	asked := time.Now()
	e.reading.Lock()
	defer e.reading.Unlock()
	// A read that began after this call asked is as fresh as one of its own.
	if e.view != nil && (e.at.After(asked) || !fresh && time.Since(e.at) < poolFreshFor) {
		return e.view, nil
	}
	numbers, err := p.pool(ctx, pool)
	if err != nil {
		return nil, err
	}
	e.view, e.at = &poolView{numbers: numbers, written: map[string]CallbackNumber{}}, time.Now()
	return e.view, nil
}

// spreadOldest is how many of the oldest free numbers a dial that lost one
// race picks among at random; after a second lost race it picks among all.
const spreadOldest = 8

// spread is what keeps a dial off the numbers concurrent dials are taking.
// Dials of one process (the local runner; a Lambda environment serves one
// at a time) see each other's claims and take the free numbers in order,
// released longest ago first. Dials of different processes see none: they
// all start at the same number, and each race lost widens the choice.
type spread struct {
	lost    map[string]bool // numbers lost to other dials: passed over
	losses  int             // races lost so far
	claimed map[string]int  // numbers other dials of this process are taking
	rand    func(n int) int // in [0, n); nil: math/rand
}

// choose picks the number a dial presents: the agent's own live lease in
// the pool (renewed), else a free number, else the lease nearest to expiry
// (a take-over) whose holder is not in busy (the holders known to be in an
// emergency). The free number is the one released longest ago, unless the
// dial lost races (s.losses): then one at random among the spreadOldest
// released longest ago, and after more, among all. Numbers lost and
// numbers claimed are passed over; claimed ones are chosen only when
// nothing else is left, since a claimer may yet lose its race. ok is false
// for an empty pool.
func (v *poolView) choose(agent Agent, s spread, busy map[string]bool, now time.Time) (Choice, bool) {
	c, ok := v.pick(agent, s, busy, now)
	if !ok && len(s.claimed) > 0 {
		s.claimed = nil
		c, ok = v.pick(agent, s, busy, now)
	}
	return c, ok
}

// pick is choose in one pass over the pool, no copy and no sort: under a
// burst of dials this is the CPU the answers wait for.
func (v *poolView) pick(agent Agent, s spread, busy map[string]bool, now time.Time) (Choice, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	rnd := s.rand
	if rnd == nil {
		rnd = rand.IntN
	}
	k := 1 // the oldest k free numbers are kept; 0: all, sampled
	switch {
	case s.losses == 1:
		k = spreadOldest
	case s.losses > 1:
		k = 0
	}
	var (
		own, random, nearest CallbackNumber
		kept                 [spreadOldest]CallbackNumber
		oldest               = kept[:0]
		free                 int
	)
	for _, n := range v.numbers {
		if w, ok := v.written[n.Number]; ok {
			n = w
		}
		l, live := n.LiveLease(now)
		switch {
		case n.Number == agent.CallbackNumber && (!live || l.AgentID == agent.ID):
			// The number recorded on the agent: what a racing dial of the
			// agent took, even when this view is too old to show it.
			return Choice{Number: n}, true
		case live && l.AgentID == agent.ID:
			if own.Number == "" || l.ExpiresAt.After(own.Lease.ExpiresAt) {
				own = n
			}
		case s.lost[n.Number], live && busy[l.AgentID], s.claimed[n.Number] > 0:
		case live:
			if nearest.Number == "" || cmp.Or(l.ExpiresAt.Compare(nearest.Lease.ExpiresAt), cmp.Compare(n.Number, nearest.Number)) < 0 {
				nearest = n
			}
		case k == 0:
			if free++; rnd(free) == 0 {
				random = n
			}
		default:
			oldest = keepOldest(oldest, k, n)
		}
	}
	switch {
	case own.Number != "":
		return Choice{Number: own}, true
	case random.Number != "":
		return Choice{Number: random}, true
	case len(oldest) == 1:
		return Choice{Number: oldest[0]}, true
	case len(oldest) > 1:
		return Choice{Number: oldest[rnd(len(oldest))]}, true
	case nearest.Number != "":
		return Choice{Number: nearest, Takeover: true}, true
	}
	return Choice{}, false
}

// keepOldest adds n to oldest, the at most k free numbers released longest
// ago (ties: the lower number first), in that order.
func keepOldest(oldest []CallbackNumber, k int, n CallbackNumber) []CallbackNumber {
	older := func(a, b CallbackNumber) bool {
		return cmp.Or(a.releasedAt().Compare(b.releasedAt()), cmp.Compare(a.Number, b.Number)) < 0
	}
	switch {
	case len(oldest) < k:
		oldest = append(oldest, n)
	case older(n, oldest[len(oldest)-1]):
		oldest[len(oldest)-1] = n
	default:
		return oldest
	}
	for i := len(oldest) - 1; i > 0 && older(oldest[i], oldest[i-1]); i-- {
		oldest[i], oldest[i-1] = oldest[i-1], oldest[i]
	}
	return oldest
}
