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

// pools keeps a dial function's pool views.
type pools struct {
	mu      sync.Mutex
	entries map[Pool]*poolEntry
}

type poolEntry struct {
	reading sync.Mutex // one read of a pool at a time: a burst waits for it
	view    *poolView
	at      time.Time
}

func newPools() *pools { return &pools{entries: map[Pool]*poolEntry{}} }

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

// choose picks the number a dial presents: the agent's own live lease in
// the pool (renewed), else the free number released longest ago, else the
// lease nearest to expiry (a take-over) whose holder is not in busy (the
// holders known to be in an emergency). Numbers lost to other dials
// meanwhile are passed over, and once one was lost the dial picks among the
// free ones at random: dials racing for a pool all start at the same
// number, and would otherwise go on colliding number after number. One pass
// over the pool, no copy and no sort: under a burst of dials this is the
// CPU the answers wait for. ok is false for an empty pool.
func (v *poolView) choose(agent Agent, lost, busy map[string]bool, now time.Time) (Choice, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	var own, oldest, random, nearest CallbackNumber
	var free int
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
		case lost[n.Number], live && busy[l.AgentID]:
		case live:
			if nearest.Number == "" || cmp.Or(l.ExpiresAt.Compare(nearest.Lease.ExpiresAt), cmp.Compare(n.Number, nearest.Number)) < 0 {
				nearest = n
			}
		case len(lost) > 0:
			if free++; rand.IntN(free) == 0 {
				random = n
			}
		default:
			if oldest.Number == "" || cmp.Or(n.releasedAt().Compare(oldest.releasedAt()), cmp.Compare(n.Number, oldest.Number)) < 0 {
				oldest = n
			}
		}
	}
	switch {
	case own.Number != "":
		return Choice{Number: own}, true
	case random.Number != "":
		return Choice{Number: random}, true
	case oldest.Number != "":
		return Choice{Number: oldest}, true
	case nearest.Number != "":
		return Choice{Number: nearest, Takeover: true}, true
	}
	return Choice{}, false
}
