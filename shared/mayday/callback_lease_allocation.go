package mayday

import (
	"cmp"
	"context"
	"fmt"

	"github.com/mayday/mayday/events"
)

// CallbackLeaseAllocation is the callback-lease-allocation function's use
// case: on "Emergency Call Started" it confirms and announces the callback
// number the dial presented — its lease, or the remote agent's own number
// ("Callback Lease Allocated"), or what was presented instead ("Callback
// Lease Unavailable", "Callback Pool Exhausted") — and applies Do Not
// Disturb when the dial could not. It never leases after the fact.
type CallbackLeaseAllocation struct{ ports }

// NewCallbackLeaseAllocation builds the use case; every port is required.
func NewCallbackLeaseAllocation(store Store, events Publisher, o Options) (*CallbackLeaseAllocation, error) {
	p, err := newPorts("callback lease allocation", o, store, events, port{"store", store}, port{"publisher", events})
	if err != nil {
		return nil, err
	}
	return &CallbackLeaseAllocation{p}, nil
}

// Allocate handles "Emergency Call Started". The dial leased (or renewed)
// the number before it answered, because the answer presents it as the
// call's caller ID; this step confirms and announces what was presented,
// applies Do Not Disturb when the dial could not, and never leases another
// number after the fact: the emergency service already has the one it got.
func (a *CallbackLeaseAllocation) Allocate(ctx context.Context, d events.EmergencyCallStartedDetail) error {
	if !d.PresenceApplied {
		err := a.applyStart(ctx, Call{ID: d.CallID, Kind: KindOutbound, AgentID: d.AgentID, To: d.DialedNumber,
			Country: d.Country, Location: d.Location, Number: d.EmergencyNumber, SiteID: d.SiteID, StartedAt: d.StartedAt, ReceivedAt: d.ReceivedAt})
		if err != nil {
			return err
		}
	}
	now := a.now()
	log := a.log.With("callId", d.CallID, "agentId", d.AgentID, "siteId", d.SiteID, "country", d.Country)
	detail := events.CallbackLeaseDetail{EmergencyCallStartedDetail: d}
	exhausted := events.PoolExhaustedDetail{Country: d.Country, SiteID: d.SiteID, AgentID: d.AgentID, CallID: d.CallID, At: now}
	var evs []events.Event
	switch d.CallerIDSource {
	case CallerAgent:
		// The remote agent's own number: callbacks reach the agent as
		// they would a lease's, for the period the dial set.
		detail.CallbackNumber, detail.CallbackExpiresAt = d.CallerID, d.LeaseExpiresAt
		evs = append(evs, events.Event{DetailType: events.CallbackLeaseAllocated, Detail: detail})
		log.Info("agent's own number confirmed as the callback number")
	case CallerLease:
		exp := d.LeaseExpiresAt
		if exp == nil { // not said: read it
			n, err := a.store.GetNumber(ctx, d.CallerID)
			if err != nil {
				return fmt.Errorf("lease %s: %w", d.CallerID, err)
			}
			l, _ := n.LiveLease(now)
			exp = &l.ExpiresAt
		}
		detail.CallbackNumber, detail.CallbackExpiresAt = d.CallerID, exp
		evs = append(evs, events.Event{DetailType: events.CallbackLeaseAllocated, Detail: detail})
		if d.TakenOverFromAgentID != "" {
			exhausted.CallbackNumber, exhausted.PreviousAgentID, exhausted.PreviousCallID = d.CallerID, d.TakenOverFromAgentID, d.TakenOverFromCallID
			evs = append(evs, events.Event{DetailType: events.CallbackPoolExhausted, Detail: exhausted})
		}
		log.Info("callback lease confirmed", "takeover", d.TakenOverFromAgentID != "")
	default:
		detail.Reason = unavailableReason(d)
		evs = append(evs, events.Event{DetailType: events.CallbackLeaseUnavailable, Detail: detail})
		if d.Fallback == FallbackPoolEmpty {
			evs = append(evs, events.Event{DetailType: events.CallbackPoolExhausted, Detail: exhausted})
		}
		log.Error("no callback lease presented", "callerIdSource", d.CallerIDSource, "fallback", d.Fallback)
	}
	return a.publish(ctx, evs...)
}

func unavailableReason(d events.EmergencyCallStartedDetail) string {
	var why string
	switch d.Fallback {
	case FallbackPoolEmpty:
		why = fmt.Sprintf("no callback number free for %s", cmp.Or(d.SiteID, d.Country))
	case FallbackStoreUnavailable:
		why = "the store was unavailable when the call was set up"
	case FallbackUnknownAgent:
		why = "the agent is not one operators created, so no callback number is leased to them"
	default:
		why = "no number is registered at the agent's location"
	}
	switch d.CallerIDSource {
	case CallerECBN:
		return why + "; the emergency service received the site's emergency callback number " + d.CallerID
	case CallerDefault:
		return why + "; the emergency service received the platform's default number " + d.CallerID
	}
	return why + "; the emergency service received the caller ID the platform presents by itself"
}
