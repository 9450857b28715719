package mayday_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
)

// statusPlatform is a presence platform keeping one status per agent and
// the moves it made; routes says whether it routes callbacks itself.
type statusPlatform struct {
	mu     sync.Mutex
	status map[string]string
	moves  []string
	routes bool
}

const platformDND = "dnd"

func (p *statusPlatform) DoNotDisturb(_ context.Context, agentID string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	was := p.status[agentID]
	if was == platformDND {
		return "", nil
	}
	p.status[agentID] = platformDND
	p.moves = append(p.moves, platformDND)
	return was, nil
}

func (p *statusPlatform) Restore(_ context.Context, agentID, previous string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.status[agentID] == platformDND && previous != "" {
		p.status[agentID] = previous
		p.moves = append(p.moves, previous)
	}
	return nil
}

// callbackRouter is a platform that routes callbacks through its queues.
type callbackRouter struct{ *statusPlatform }

func (callbackRouter) RoutesCallbacks() bool { return true }

// On a platform that routes callbacks (Amazon Connect's queues offer a
// contact only to a routable agent), a routed callback moves nothing while
// an emergency dial still moves the agent to Do Not Disturb and its end
// restores them; elsewhere a callback holds the agent as a dial does.
func TestPresencePushCallbacks(t *testing.T) {
	const agent, was = "a-1", "available"
	at := time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)
	ctx := context.Background()
	type step struct {
		event string // "dial", "callback" or "end", of call
		call  string
		// the agent's status in the platform and what Mayday remembers after
		status string
		held   mayday.PlatformPresence
	}
	dnd := mayday.PlatformPresence{DoNotDisturb: true, Previous: was}
	for _, tc := range []struct {
		name   string
		routes bool
		steps  []step
		moves  []string
	}{
		{"routes callbacks: a callback moves nothing", true, []step{
			{"callback", "c-1", was, mayday.PlatformPresence{}},
			{"callback", "c-1", was, mayday.PlatformPresence{}},
			{"end", "c-1", was, mayday.PlatformPresence{}},
		}, nil},
		{"routes callbacks: a dial still moves and its end restores", true, []step{
			{"dial", "c-1", platformDND, dnd},
			{"end", "c-1", was, mayday.PlatformPresence{}},
		}, []string{platformDND, was}},
		{"routes callbacks: a dial during a callback, then both end", true, []step{
			{"callback", "c-1", was, mayday.PlatformPresence{}},
			{"dial", "c-2", platformDND, dnd},
			{"end", "c-2", was, mayday.PlatformPresence{}},
			{"end", "c-1", was, mayday.PlatformPresence{}},
		}, []string{platformDND, was}},
		{"routes callbacks: a repeated end during a callback moves nothing", true, []step{
			{"dial", "c-1", platformDND, dnd},
			{"end", "c-1", was, mayday.PlatformPresence{}},
			{"callback", "c-2", was, mayday.PlatformPresence{}},
			{"end", "c-1", was, mayday.PlatformPresence{}},
			{"dial", "c-1", was, mayday.PlatformPresence{}},
			{"end", "c-2", was, mayday.PlatformPresence{}},
		}, []string{platformDND, was}},
		{"routes callbacks: a callback after a dial, the dial's end restores", true, []step{
			{"dial", "c-1", platformDND, dnd},
			{"callback", "c-2", platformDND, dnd},
			{"end", "c-1", was, mayday.PlatformPresence{}},
			{"end", "c-2", was, mayday.PlatformPresence{}},
		}, []string{platformDND, was}},
		{"other platforms: a callback holds the agent until the last end", false, []step{
			{"callback", "c-1", platformDND, dnd},
			{"dial", "c-2", platformDND, dnd},
			{"end", "c-2", platformDND, dnd},
			{"end", "c-1", was, mayday.PlatformPresence{}},
		}, []string{platformDND, was}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sp := &statusPlatform{status: map[string]string{agent: was}}
			var platform mayday.PresencePlatform = sp
			if tc.routes {
				platform = callbackRouter{sp}
			}
			store := inmem.NewStore()
			uc, err := mayday.NewPresencePush(store, platform, mayday.Options{Config: settings.Defaults(),
				Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range tc.steps {
				switch s.event {
				case "dial":
					err = uc.Started(ctx, events.EmergencyCallStartedDetail{CallID: s.call, AgentID: agent,
						DialedNumber: "911", EmergencyNumber: "911", Country: "US", StartedAt: at, CallerIDSource: mayday.CallerDefault})
				case "callback":
					err = uc.CallbackRouted(ctx, events.CallbackRoutedDetail{CallID: s.call, CallbackNumber: "+14255550001",
						Route: mayday.RouteAgent, AgentID: agent, RoutedAt: at})
				case "end":
					err = uc.Ended(ctx, events.CallEndedDetail{CallID: s.call, AgentID: agent, EndedAt: at.Add(time.Minute)})
				}
				if err != nil {
					t.Fatalf("step %d (%s %s): %v", i, s.event, s.call, err)
				}
				if got := sp.status[agent]; got != s.status {
					t.Errorf("after step %d (%s %s): platform status %q, want %q", i, s.event, s.call, got, s.status)
				}
				a, err := store.GetAgent(ctx, agent)
				if err != nil {
					t.Fatal(err)
				}
				if a.Platform != s.held {
					t.Errorf("after step %d (%s %s): Mayday remembers %+v, want %+v", i, s.event, s.call, a.Platform, s.held)
				}
				if s.event == "callback" && !slices.ContainsFunc(a.Emergency.Active, func(c mayday.ActiveCall) bool { return c.CallID == s.call }) {
					t.Errorf("after step %d: callback %s not recorded as an emergency conversation", i, s.call)
				}
			}
			if !slices.Equal(sp.moves, tc.moves) {
				t.Errorf("platform moves %q, want %q", sp.moves, tc.moves)
			}
		})
	}
}
