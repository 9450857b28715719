package mayday

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// The callback lease. The dial takes it before it answers, because the
// answer presents the number as the call's caller ID; the lease-allocation
// step confirms and announces it afterwards.

// Pool names the numbers a call may lease: a site's, or its country's
// numbers with no site. Never a number of another site, nor an agent's own:
// each is registered at another address.
type Pool struct {
	Country string
	SiteID  string
}

func (p Pool) String() string {
	if p.SiteID != "" {
		return "pool of site " + p.SiteID
	}
	return p.Country + " pool"
}

// InPool keeps, in place, the numbers of the pool of site (or, for "",
// of country): numbers is the caller's, and under a burst of dials a copy
// per dial is CPU the answers wait for.
func InPool(numbers []CallbackNumber, country, site string) []CallbackNumber {
	return slices.DeleteFunc(numbers, func(n CallbackNumber) bool {
		return n.SiteID != site || n.AgentID != "" || site == "" && n.Country != country
	})
}

// pool reads the numbers a call may lease.
func (p ports) pool(ctx context.Context, pool Pool) ([]CallbackNumber, error) {
	all, err := p.store.ListNumbers(ctx, pool.Country)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pool, err)
	}
	return InPool(all, pool.Country, pool.SiteID), nil
}

// leaser is one dial's choice of a callback lease: it walks the plan's
// pools in order and remembers the numbers it lost to concurrent dials, so
// a retry walks on down the pool instead of colliding again. While it
// takes a number, the number is claimed in its function's pools: the
// other dials of the function choose others.
type leaser struct {
	plan   []callerStep
	pools  *pools
	i      int
	view   *poolView
	fresh  bool // read the pool itself, not the last view of it
	lost   map[string]bool
	losses int             // races lost: each widens the choice
	busy   map[string]bool // lease holders found in an emergency: never taken over
	tried  bool            // a pool was read: what is presented instead is a pool-empty fallback
	claim  string          // the number claimed for this dial, if any
}

func newLeaser(plan []callerStep, ps *pools) *leaser {
	return &leaser{plan: plan, pools: ps, lost: map[string]bool{}, busy: map[string]bool{}}
}

// choose is the lease to take: the first pool of the plan with a number to
// lease. ok is false when no pool has one; then fixedCaller(plan) applies.
// The number chosen stays claimed until wrote, lostRace or done, which
// the dial's setup calls when it is over.
func (l *leaser) choose(ctx context.Context, p ports, agent Agent, now time.Time) (Choice, bool, error) {
	for ; l.i < len(l.plan); l.i++ {
		pool := l.plan[l.i].pool
		if pool == nil {
			continue
		}
		for {
			if l.view == nil {
				v, err := l.pools.view(ctx, p, *pool, l.fresh)
				if err != nil {
					return Choice{}, false, err
				}
				l.view, l.tried = v, true
			}
			again := func() (Choice, bool) { return l.pick(agent, now) }
			c, ok := again()
			if (!ok || c.Takeover) && !l.fresh && l.view.size() > 0 {
				// The view may be up to poolFreshFor old: a number
				// released since spares a take-over, or giving the
				// pool up. Read the pool before either.
				l.view, l.fresh, l.lost = nil, true, map[string]bool{}
				continue
			}
			c, ok, err := p.passOverBusy(ctx, l.busy, c, ok, again)
			if err != nil {
				return Choice{}, false, err
			}
			if ok {
				return c, true, nil
			}
			break
		}
		l.view, l.fresh, l.lost = nil, false, map[string]bool{}
	}
	return Choice{}, false, nil
}

// pick is the view's choice for agent, claimed for this dial in place of
// its last claim: choosing and claiming are one step for the function's
// dials.
func (l *leaser) pick(agent Agent, now time.Time) (Choice, bool) {
	ps := l.pools
	ps.claiming.Lock()
	defer ps.claiming.Unlock()
	l.unclaim()
	c, ok := l.view.choose(agent, spread{lost: l.lost, losses: l.losses, claimed: ps.claimed, rand: ps.rand}, l.busy, now)
	if ok {
		l.claim = c.Number.Number
		ps.claimed[l.claim]++
	}
	return c, ok
}

// unclaim drops this dial's claim; ps.claiming is held.
func (l *leaser) unclaim() {
	if l.claim == "" {
		return
	}
	if l.pools.claimed[l.claim]--; l.pools.claimed[l.claim] <= 0 {
		delete(l.pools.claimed, l.claim)
	}
	l.claim = ""
}

// done drops this dial's claim: its setup is over.
func (l *leaser) done() {
	l.pools.claiming.Lock()
	defer l.pools.claiming.Unlock()
	l.unclaim()
}

// passOverBusy turns c, the choice for a dial, into one that never takes
// over a number whose holder is in an emergency (an outbound call or a
// callback): the emergency service may be calling that agent back on it
// right now. again chooses anew once the holder is in busy. The holder's
// state is on the agent item, so it is read only when a take-over is the
// choice, one read per such number: the common dial, with a free number,
// pays nothing. Recording the holder's state on the lease instead would
// need every end of a call, a callback or the watchdog's restore to write
// the number too, and a lost write would either take a number mid-call or
// keep one out of the pool for good. A holder whose emergency starts just
// after the read can still lose the number: a window of milliseconds, on a
// lease nearest to its end.
func (p ports) passOverBusy(ctx context.Context, busy map[string]bool, c Choice, ok bool, again func() (Choice, bool)) (Choice, bool, error) {
	for ok && c.Takeover {
		id := c.Number.Lease.AgentID
		holder, err := p.store.GetAgent(ctx, id)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Choice{}, false, fmt.Errorf("lease holder %s: %w", id, err)
		}
		if !holder.InEmergency() {
			break
		}
		busy[id] = true
		c, ok = again()
	}
	return c, ok, nil
}

// lostRace records that another dial took number (or renewed it for this
// agent: held is the number the agent's item named when read); once the
// view has nothing left, the pool is read again.
func (l *leaser) lostRace(number, held string) {
	l.done()
	if !l.fresh {
		// A view this dial did not read may have lost to what it never
		// saw (a release, an expiry), not to another dial: read the pool
		// and choose as if first.
		l.view, l.fresh, l.lost = nil, true, map[string]bool{}
		return
	}
	l.lost[number] = true
	l.losses++
	if number == held || l.view == nil || len(l.lost) >= l.view.size() {
		l.view, l.fresh, l.lost = nil, true, map[string]bool{}
	}
}

// wrote records the number this dial leased, for the dials after it, and
// then lets its claim go.
func (l *leaser) wrote(n CallbackNumber) {
	if l.view != nil {
		l.view.wrote(n)
	}
	l.done()
}

// lease is the lease a dial takes on choice for the agent: a renewal keeps
// when it began; a live lease of another agent is taken over.
func lease(choice Choice, agent Agent, callID string, now time.Time, period time.Duration) (n CallbackNumber, takeover *Lease) {
	n = choice.Number
	leasedAt := now
	switch l, live := n.LiveLease(now); {
	case live && l.AgentID == agent.ID:
		leasedAt = l.LeasedAt
	case live:
		takeover = &l
	}
	n.Lease = &Lease{AgentID: agent.ID, CallID: callID, LeasedAt: leasedAt, ExpiresAt: now.Add(period)}
	return n, takeover
}
