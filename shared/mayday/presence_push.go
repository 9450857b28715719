package mayday

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/mayday/mayday/events"
)

// PresencePush is the presence-push function's use case: it makes the
// contact-center platform that owns the agent's presence follow the
// agent's emergency conversations — the platform's Do Not Disturb status
// while one is in progress, and back to the status the agent had in the
// platform when the last one has ended, as Mayday's own presence does.
//
// It applies the start or end of the conversation to the agent as the
// other steps do (idempotently; whichever step gets there first records
// it), then brings the platform to what the agent's state asks for,
// remembering on the agent what it did. Every event thus converges on the
// same outcome in any order and any number of times: a repeated start does
// not move the agent again (nor forget the status to restore), a repeated
// end does not restore twice, an end handled before its start leaves the
// agent where it was.
type PresencePush struct {
	ports
	platform PresencePlatform
	// callbacksRoutable: the platform routes callbacks (CallbackRouter), so
	// only outbound conversations hold the agent on Do Not Disturb there.
	callbacksRoutable bool
}

// NewPresencePush builds the use case; every port is required.
func NewPresencePush(store Store, platform PresencePlatform, o Options) (*PresencePush, error) {
	p, err := newPorts("presence push", o, store, nil, port{"store", store}, port{"presence platform", platform})
	if err != nil {
		return nil, err
	}
	return &PresencePush{ports: p, platform: platform, callbacksRoutable: routesCallbacks(platform)}, nil
}

// maxPushRounds bounds the rounds of one push: another push for the same
// agent can change what is wanted meanwhile (a new conversation, an end),
// and each round acts on what it read.
const maxPushRounds = 4

// Started handles "Emergency Call Started".
func (p *PresencePush) Started(ctx context.Context, d events.EmergencyCallStartedDetail) error {
	if !d.PresenceApplied { // the dial could not record it; neither step waits on the other
		err := p.applyStart(ctx, Call{ID: d.CallID, Kind: KindOutbound, AgentID: d.AgentID, To: d.DialedNumber,
			Country: d.Country, Location: d.Location, Number: d.EmergencyNumber, SiteID: d.SiteID, StartedAt: d.StartedAt, ReceivedAt: d.ReceivedAt})
		if err != nil {
			return err
		}
	}
	return p.push(ctx, d.AgentID, d.CallID)
}

// CallbackRouted handles "Emergency Callback Routed": a callback routed to
// the agent is an emergency conversation too. One routed to the fallback
// destination concerns no agent. On a platform that routes callbacks it is
// recorded but moves nothing: the contact flow has just made the agent
// routable for it.
func (p *PresencePush) CallbackRouted(ctx context.Context, d events.CallbackRoutedDetail) error {
	if d.Route != RouteAgent || d.AgentID == "" {
		return nil
	}
	// The routing webhook records it before it answers; this covers the
	// case where that write failed.
	err := p.applyStart(ctx, Call{ID: d.CallID, Kind: KindCallback, AgentID: d.AgentID, To: d.CallbackNumber,
		StartedAt: d.RoutedAt, ReceivedAt: d.RoutedAt, Route: new(ToAgent(d.AgentID))})
	if err != nil || p.callbacksRoutable {
		return err
	}
	return p.push(ctx, d.AgentID, d.CallID)
}

// Ended handles "Emergency Call Ended".
func (p *PresencePush) Ended(ctx context.Context, d events.CallEndedDetail) error {
	if d.AgentID == "" {
		return nil // a callback that went to the fallback destination
	}
	if _, err := p.applyEnd(ctx, d.AgentID, d.CallID); err != nil {
		return err
	}
	return p.push(ctx, d.AgentID, d.CallID)
}

// WatchdogRestored handles "Presence Watchdog Restored": the watchdog ended
// the agent's conversations, so the platform is restored too.
func (p *PresencePush) WatchdogRestored(ctx context.Context, d events.WatchdogRestoredDetail) error {
	return p.push(ctx, d.AgentID, "")
}

// push brings the platform to what the agent's state asks for: Do Not
// Disturb while an emergency conversation is in progress, the remembered
// status once none is. The platform is called before its outcome is
// recorded, so a failure in between repeats the call on the retry — which
// both moves are safe to repeat.
func (p *PresencePush) push(ctx context.Context, agentID, callID string) error {
	log := p.log.With("agentId", agentID, "callId", callID)
	for range maxPushRounds {
		a, err := p.store.GetAgent(ctx, agentID)
		if errors.Is(err, ErrNotFound) {
			return nil // nothing recorded for the agent: nothing to push
		}
		if err != nil {
			return fmt.Errorf("%w: agent %s: %w", ErrUnavailable, agentID, err)
		}
		want := p.wantDoNotDisturb(a)
		if want == a.Platform.DoNotDisturb {
			return nil
		}
		if want {
			previous, err := p.platform.DoNotDisturb(ctx, agentID)
			if err != nil {
				return fmt.Errorf("agent %s: platform: do not disturb: %w", agentID, err)
			}
			if err := p.record(ctx, agentID, func(pp *PlatformPresence) error {
				if pp.DoNotDisturb {
					// Pushed concurrently: the first status seen is the
					// one the agent had (a later push sees Do Not Disturb).
					if pp.Previous != "" || previous == "" {
						return ErrNoChange
					}
				}
				*pp = PlatformPresence{DoNotDisturb: true, Previous: cmp.Or(pp.Previous, previous)}
				return nil
			}); err != nil {
				return err
			}
			log.Info("platform presence: do not disturb", "previousKnown", previous != "")
			continue
		}
		if err := p.platform.Restore(ctx, agentID, a.Platform.Previous); err != nil {
			return fmt.Errorf("agent %s: platform: restore: %w", agentID, err)
		}
		if err := p.record(ctx, agentID, func(pp *PlatformPresence) error {
			if !pp.DoNotDisturb {
				return ErrNoChange
			}
			*pp = PlatformPresence{}
			return nil
		}); err != nil {
			return err
		}
		log.Info("platform presence: restored", "previousKnown", a.Platform.Previous != "")
	}
	// Not reached unless pushes for the agent keep crossing: the retry
	// starts again from what is stored.
	return fmt.Errorf("%w: agent %s: platform presence kept changing during the push", ErrConflict, agentID)
}

// wantDoNotDisturb reports whether the agent's conversations ask for Do
// Not Disturb in the platform: any of them, or on a platform that routes
// callbacks an outbound one (so a repeated or late event for another
// conversation does not move an agent whose callback is being routed).
func (p *PresencePush) wantDoNotDisturb(a Agent) bool {
	if !p.callbacksRoutable {
		return a.InEmergency()
	}
	return slices.ContainsFunc(a.Emergency.Active, func(c ActiveCall) bool { return c.Kind != KindCallback })
}

// record writes what was done in the platform.
func (p *PresencePush) record(ctx context.Context, agentID string, fn func(*PlatformPresence) error) error {
	now := p.now()
	_, err := p.store.UpdateAgent(ctx, agentID, func(a *Agent) error {
		if err := fn(&a.Platform); err != nil {
			return err
		}
		a.UpdatedAt = now
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: agent %s: record platform presence: %w", ErrUnavailable, agentID, err)
	}
	return nil
}
