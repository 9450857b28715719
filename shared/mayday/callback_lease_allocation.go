package mayday

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/mayday/mayday/events"
)

// CallbackLeaseAllocation is the callback-lease-allocation function's use
// case: on "Emergency Call Started" it leases the agent a callback number
// from the country's pool (or renews the one they hold) and announces it
// ("Callback Lease Allocated", "Callback Lease Unavailable", "Callback Pool
// Exhausted"); it also applies Do Not Disturb when the dial could not.
type CallbackLeaseAllocation struct{ ports }

// NewCallbackLeaseAllocation builds the use case; every port is required.
func NewCallbackLeaseAllocation(store Store, events Publisher, o Options) (*CallbackLeaseAllocation, error) {
	p, err := newPorts("callback lease allocation", o, store, events, port{"store", store}, port{"publisher", events})
	if err != nil {
		return nil, err
	}
	return &CallbackLeaseAllocation{p}, nil
}

// Allocate handles "Emergency Call Started": lease a callback number (or
// renew the agent's), then hand over to the notification.
func (a *CallbackLeaseAllocation) Allocate(ctx context.Context, d events.EmergencyCallStartedDetail) error {
	if !d.PresenceApplied {
		err := a.applyStart(ctx, Call{ID: d.CallID, Kind: KindOutbound, AgentID: d.AgentID, To: d.DialedNumber,
			Country: d.Country, Location: d.Location, Number: d.EmergencyNumber, StartedAt: d.StartedAt})
		if err != nil {
			return err
		}
	}
	now := a.now()
	res, err := a.lease(ctx, d.AgentID, d.CallID, d.Country, now)
	if err != nil {
		return err
	}
	log := a.log.With("callId", d.CallID, "agentId", d.AgentID, "country", d.Country)
	detail := events.CallbackLeaseDetail{EmergencyCallStartedDetail: d}
	var evs []events.Event
	if res.ok {
		exp := res.lease.ExpiresAt
		detail.CallbackNumber, detail.CallbackExpiresAt = res.number.Number, &exp
		evs = append(evs, events.Event{DetailType: events.CallbackLeaseAllocated, Detail: detail})
		log.Info("callback number leased", "renewed", res.renewed, "takeover", res.previous != nil)
	} else {
		detail.Reason = fmt.Sprintf("no callback numbers for %s", d.Country)
		evs = append(evs, events.Event{DetailType: events.CallbackLeaseUnavailable, Detail: detail})
		log.Error("callback pool empty")
	}
	if !res.ok || res.previous != nil {
		ex := events.PoolExhaustedDetail{Country: d.Country, AgentID: d.AgentID, CallID: d.CallID, At: now}
		if res.previous != nil {
			ex.CallbackNumber, ex.PreviousAgentID, ex.PreviousCallID = res.number.Number, res.previous.AgentID, res.previous.CallID
		}
		evs = append(evs, events.Event{DetailType: events.CallbackPoolExhausted, Detail: ex})
	}
	return a.publish(ctx, evs...)
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

// lease renews the agent's live lease in the country's pool, or takes a
// number. One read of the pool serves both: a lease in another country's
// pool is no use to this country's emergency service.
func (a *CallbackLeaseAllocation) lease(ctx context.Context, agentID, callID, country string, now time.Time) (leaseResult, error) {
	pool, err := a.store.ListNumbers(ctx, country)
	if err != nil {
		return leaseResult{}, fmt.Errorf("pool %s: %w", country, err)
	}
	held := slices.DeleteFunc(slices.Clone(pool), func(n CallbackNumber) bool {
		l, live := n.LiveLease(now)
		return !live || l.AgentID != agentID
	})
	slices.SortFunc(held, func(a, b CallbackNumber) int { return b.Lease.ExpiresAt.Compare(a.Lease.ExpiresAt) })
	for _, h := range held {
		n, err := a.store.UpdateNumber(ctx, h.Number, func(n *CallbackNumber) error {
			l, live := n.LiveLease(now)
			switch {
			case !live || l.AgentID != agentID:
				return errTaken
			case l.CallID == callID:
				return ErrNoChange // this call's event again
			}
			n.Lease.CallID, n.Lease.ExpiresAt = callID, now.Add(a.cfg.Lease)
			return nil
		})
		if errors.Is(err, errTaken) {
			continue
		}
		if err != nil {
			return leaseResult{}, fmt.Errorf("lease %s: renew: %w", h.Number, err)
		}
		return a.oneLeasePerAgent(ctx, leaseResult{ok: true, number: n, lease: *n.Lease, renewed: true}, now)
	}

	for relists := 0; ; relists++ {
		candidates := Candidates(pool, now)
		if len(candidates) == 0 {
			return leaseResult{}, nil
		}
		for _, choice := range candidates {
			var previous *Lease
			n, err := a.store.UpdateNumber(ctx, choice.Number.Number, func(n *CallbackNumber) error {
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
				n.Lease = &Lease{AgentID: agentID, CallID: callID, LeasedAt: now, ExpiresAt: now.Add(a.cfg.Lease)}
				return nil
			})
			if errors.Is(err, errTaken) {
				continue // walk on down the list: concurrent allocators spread over it
			}
			if err != nil {
				return leaseResult{}, fmt.Errorf("lease %s: %w", choice.Number.Number, err)
			}
			return a.oneLeasePerAgent(ctx, leaseResult{ok: true, number: n, lease: *n.Lease, previous: previous}, now)
		}
		if relists >= maxRelists {
			return leaseResult{}, fmt.Errorf("%w: pool %s: every number taken while choosing", ErrConflict, country)
		}
		if pool, err = a.store.ListNumbers(ctx, country); err != nil {
			return leaseResult{}, fmt.Errorf("pool %s: %w", country, err)
		}
	}
}

// oneLeasePerAgent settles a race between concurrent dials of one agent that
// each took a number. The agent's item is the arbiter, being one item that
// takes conditional writes: the first racer to record its number there keeps
// it; the others renew that number and give theirs back. Renewals pass here
// too: a racer may have renewed a number another racer is giving back.
func (a *CallbackLeaseAllocation) oneLeasePerAgent(ctx context.Context, mine leaseResult, now time.Time) (leaseResult, error) {
	agentID, callID := mine.lease.AgentID, mine.lease.CallID
	record := func(keep func(recorded string) bool) (string, error) {
		var other string
		_, err := a.store.UpdateAgent(ctx, agentID, func(a *Agent) error {
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
	other, err := record(func(string) bool { return true })
	if err != nil || other == "" {
		return mine, err
	}
	n, err := a.store.UpdateNumber(ctx, other, func(n *CallbackNumber) error {
		if l, live := n.LiveLease(now); !live || l.AgentID != agentID {
			return errTaken
		}
		n.Lease.CallID, n.Lease.ExpiresAt = callID, now.Add(a.cfg.Lease)
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
	if _, err := a.store.UpdateNumber(ctx, mine.number.Number, func(n *CallbackNumber) error {
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
