package mayday

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Taking a callback lease: the dial does it before it answers, because the
// answer presents the number as the call's caller ID.

// Pool names the numbers a call may lease: the site's, or, when the site
// has none (or the call has no site), its country's numbers with no site.
// Never a number of another site: it is registered at another address.
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

// InPool keeps the numbers of the pool a call at site (of country) leases
// from.
func InPool(numbers []CallbackNumber, country, site string) []CallbackNumber {
	pick := func(site string) []CallbackNumber {
		var out []CallbackNumber
		for _, n := range numbers {
			if n.SiteID == site && (site != "" || n.Country == country) {
				out = append(out, n)
			}
		}
		return out
	}
	if site != "" {
		if own := pick(site); len(own) > 0 {
			return own
		}
	}
	return pick("")
}

// pool reads the numbers a call may lease.
func (p ports) pool(ctx context.Context, pool Pool) ([]CallbackNumber, error) {
	all, err := p.store.ListNumbers(ctx, pool.Country)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pool, err)
	}
	return InPool(all, pool.Country, pool.SiteID), nil
}

type leaseResult struct {
	ok       bool
	number   CallbackNumber
	lease    Lease
	renewed  bool
	previous *Lease // the lease taken over when the pool was exhausted
}

// maxRelists bounds how often a contended pool is read again.
const maxRelists = 20

// errTaken: the number chosen was taken meanwhile; choose again.
var errTaken = errors.New("number taken meanwhile")

// lease renews the agent's live lease in the call's pool, or takes a
// number from it. One read of the pool serves both: a lease in another pool
// is no use to this call, its number being registered at another address
// (another site) or reachable by another country's emergency service.
func (p ports) lease(ctx context.Context, agentID, callID string, pool Pool, now time.Time) (leaseResult, error) {
	numbers, err := p.pool(ctx, pool)
	if err != nil {
		return leaseResult{}, err
	}
	held := slices.DeleteFunc(slices.Clone(numbers), func(n CallbackNumber) bool {
		l, live := n.LiveLease(now)
		return !live || l.AgentID != agentID
	})
	slices.SortFunc(held, func(a, b CallbackNumber) int { return b.Lease.ExpiresAt.Compare(a.Lease.ExpiresAt) })
	for _, h := range held {
		n, err := p.store.UpdateNumber(ctx, h.Number, func(n *CallbackNumber) error {
			l, live := n.LiveLease(now)
			switch {
			case !live || l.AgentID != agentID:
				return errTaken
			case l.CallID == callID:
				return ErrNoChange // this call's event again
			}
			n.Lease.CallID, n.Lease.ExpiresAt = callID, now.Add(p.cfg.Lease)
			return nil
		})
		if errors.Is(err, errTaken) {
			continue
		}
		if err != nil {
			return leaseResult{}, fmt.Errorf("lease %s: renew: %w", h.Number, err)
		}
		return p.oneLeasePerAgent(ctx, leaseResult{ok: true, number: n, lease: *n.Lease, renewed: true}, numbers, now)
	}

	for relists := 0; ; relists++ {
		candidates := Candidates(numbers, now)
		if len(candidates) == 0 {
			return leaseResult{}, nil
		}
		for _, choice := range candidates {
			var previous *Lease
			n, err := p.store.UpdateNumber(ctx, choice.Number.Number, func(n *CallbackNumber) error {
				previous = nil
				l, live := n.LiveLease(now)
				switch {
				case n.Version == 0:
					return errTaken // removed from the pool meanwhile
				case live && (!choice.Takeover || !l.same(*choice.Number.Lease)):
					return errTaken
				case live:
					previous = &l
				}
				n.Lease = &Lease{AgentID: agentID, CallID: callID, LeasedAt: now, ExpiresAt: now.Add(p.cfg.Lease)}
				return nil
			})
			if errors.Is(err, errTaken) {
				continue // walk on down the list: concurrent allocators spread over it
			}
			if err != nil {
				return leaseResult{}, fmt.Errorf("lease %s: %w", choice.Number.Number, err)
			}
			return p.oneLeasePerAgent(ctx, leaseResult{ok: true, number: n, lease: *n.Lease, previous: previous}, numbers, now)
		}
		if relists >= maxRelists {
			return leaseResult{}, fmt.Errorf("%w: %s: every number taken while choosing", ErrConflict, pool)
		}
		if numbers, err = p.pool(ctx, pool); err != nil {
			return leaseResult{}, err
		}
	}
}

// oneLeasePerAgent settles a race between concurrent dials of one agent that
// each took a number. The agent's item is the arbiter, being one item that
// takes conditional writes: the first racer to record its number there keeps
// it; the others renew that number and give theirs back. Renewals pass here
// too: a racer may have renewed a number another racer is giving back. A
// recorded number of another pool (the agent dialed from another site
// before) is replaced, not kept.
func (p ports) oneLeasePerAgent(ctx context.Context, mine leaseResult, pool []CallbackNumber, now time.Time) (leaseResult, error) {
	agentID, callID := mine.lease.AgentID, mine.lease.CallID
	inPool := func(number string) bool {
		return slices.ContainsFunc(pool, func(n CallbackNumber) bool { return n.Number == number })
	}
	record := func(keep func(recorded string) bool) (string, error) {
		var other string
		_, err := p.store.UpdateAgent(ctx, agentID, func(a *Agent) error {
			other = ""
			if a.CallbackNumber != "" && a.CallbackNumber != mine.number.Number && keep(a.CallbackNumber) {
				other = a.CallbackNumber
				return ErrNoChange
			}
			if a.CallbackNumber == mine.number.Number {
				return ErrNoChange
			}
			a.CallbackNumber = mine.number.Number
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("agent %s: record lease: %w", agentID, err)
		}
		return other, nil
	}
	other, err := record(inPool)
	if err != nil || other == "" {
		return mine, err
	}
	n, err := p.store.UpdateNumber(ctx, other, func(n *CallbackNumber) error {
		if l, live := n.LiveLease(now); !live || l.AgentID != agentID {
			return errTaken
		}
		n.Lease.CallID, n.Lease.ExpiresAt = callID, now.Add(p.cfg.Lease)
		return nil
	})
	if errors.Is(err, errTaken) || errors.Is(err, ErrNotFound) {
		// The recorded number is no longer the agent's: record ours instead.
		_, err = record(func(recorded string) bool { return recorded != other })
		return mine, err
	}
	if err != nil {
		return leaseResult{}, fmt.Errorf("lease %s: renew: %w", other, err)
	}
	if _, err := p.store.UpdateNumber(ctx, mine.number.Number, func(n *CallbackNumber) error {
		if n.Lease == nil || n.Lease.AgentID != agentID {
			return ErrNoChange
		}
		n.Lease, n.ReleasedAt = nil, now
		return nil
	}); err != nil {
		return leaseResult{}, fmt.Errorf("lease %s: give back: %w", mine.number.Number, err)
	}
	return leaseResult{ok: true, number: n, lease: *n.Lease, renewed: true}, nil
}
