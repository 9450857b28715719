package resilience_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/testkit/harness"
)

// variants runs a test on the embedded store and outbox, and on DynamoDB
// Local with aws-ses-v2-local when their endpoints are set.
//
// A duplicate delivery of "Callback Lease Allocated" that arrives while the
// first is still sending fails (the notification is claimed) until the send
// is done, so the bus's retries must outlast one send, as EventBridge's
// (minutes) do: 4 attempts 50ms apart and doubling here, not 3 × 5ms.
func variants(t *testing.T, run func(t *testing.T, s setup)) {
	bus := setup{busAttempts: 4, busBackoff: 50 * time.Millisecond}
	for _, v := range []setup{bus, {dynamo: true, ses: true, busAttempts: bus.busAttempts, busBackoff: bus.busBackoff}} {
		t.Run(v.String(), func(t *testing.T) { run(t, v) })
	}
}

// TestDuplicatesAndReordering: telephony retries every webhook (here five
// times, at once) and EventBridge delivers at least once and in any order;
// whatever arrives how often and in which order, each call ends with presence
// back to what it was, one callback number held and one email.
func TestDuplicatesAndReordering(t *testing.T) {
	t.Parallel()
	variants(t, func(t *testing.T, v setup) {
		sys := newSystem(t, v)
		sys.addNumbers(12)
		started := func(s *system, agent, call string, presenceApplied bool) events.Event {
			return events.Event{DetailType: events.EmergencyCallStarted, Detail: events.EmergencyCallStartedDetail{CallID: call, AgentID: agent,
				DialedNumber: "9-911", EmergencyNumber: "911", Country: "US", Location: "Building 4, floor 2",
				StartedAt: time.Now().Add(-time.Minute).UTC(), PresenceApplied: presenceApplied,
				// What a dial that could not record the call presents.
				CallerIDSource: mayday.CallerDefault, Fallback: mayday.FallbackStoreUnavailable}}
		}

		t.Run("every webhook five times", func(t *testing.T) {
			s := sys.with(t)
			agent, call := s.agent("dup", "Busy"), s.id("dup-c")
			if out := s.times(5, func() (int, map[string]any, time.Duration) { return s.dial(agent, call) }); out["emergency"] != true {
				t.Fatalf("dial: %v", out)
			}
			s.settle()
			if st := s.state(agent); st["presence"] != "DoNotDisturb" || harness.Get(st, "emergency.callID") != nil && harness.Get(st, "emergency.callId") != call {
				t.Fatalf("state during the call: %v", st)
			}
			if n := len(s.events(events.EmergencyCallStarted, call)); n < 1 {
				t.Fatalf("%d Emergency Call Started events", n)
			}
			s.times(5, func() (int, map[string]any, time.Duration) { return s.end(call) })
			s.final(agent, "Busy", call)
		})

		t.Run("end before start", func(t *testing.T) {
			s := sys.with(t)
			agent, call := s.agent("early-end", "Away"), s.id("early-end-c")
			s.times(5, func() (int, map[string]any, time.Duration) { return s.end(call) })
			if out := s.times(5, func() (int, map[string]any, time.Duration) { return s.dial(agent, call) }); out["emergency"] != true {
				t.Fatalf("dial: %v", out)
			}
			// The call is over: no Do Not Disturb, but the dial still
			// leases a number (a PSAP may call back) and emails.
			s.final(agent, "Away", call)
		})

		t.Run("start event delivered after the end", func(t *testing.T) {
			// The dial webhook could not record the call (presenceApplied
			// false, so it presented no lease) and its event reaches the
			// lease allocator only after the call ended: the allocator
			// leases nothing after the fact, and the email still goes.
			s := sys.with(t)
			s.expectNoLease()
			agent, call := s.agent("late-start", "Busy"), s.id("late-start-c")
			s.times(5, func() (int, map[string]any, time.Duration) { return s.end(call) })
			for range 5 {
				if err := s.bus.Publish(t.Context(), started(s, agent, call, false)); err != nil {
					t.Fatal(err)
				}
			}
			s.final(agent, "Busy", call)
		})

		t.Run("lease allocated delivered again after the end", func(t *testing.T) {
			s := sys.with(t)
			agent, call := s.agent("late-lease", "Busy"), s.id("late-lease-c")
			s.ok(s.dial(agent, call))
			s.settle()
			s.times(5, func() (int, map[string]any, time.Duration) { return s.end(call) })
			s.settle()
			allocated := s.events(events.CallbackLeaseAllocated, call)
			start := s.events(events.EmergencyCallStarted, call)
			if len(allocated) != 1 || len(start) != 1 {
				t.Fatalf("%d Callback Lease Allocated, %d Emergency Call Started events; want 1 and 1", len(allocated), len(start))
			}
			for range 5 {
				s.republish(allocated[0])
				s.republish(start[0])
				if err := s.bus.Publish(t.Context(), started(s, agent, call, false)); err != nil {
					t.Fatal(err)
				}
			}
			s.final(agent, "Busy", call)
		})

		t.Run("callback routed while the outbound call is active", func(t *testing.T) {
			s := sys.with(t)
			agent, call, callback := s.agent("cb", "Busy"), s.id("cb-c"), s.id("cb-in")
			s.times(5, func() (int, map[string]any, time.Duration) { return s.dial(agent, call) })
			s.settle()
			number, _ := harness.Get(s.state(agent), "emergency.callbackNumber").(string)
			if number == "" {
				t.Fatal("no callback number leased")
			}
			route := s.times(5, func() (int, map[string]any, time.Duration) { return s.inbound(callback, number) })
			if route["route"] != "agent" || route["agentId"] != agent || route["priority"] != "emergency" {
				t.Fatalf("callback route: %v", route)
			}
			s.times(5, func() (int, map[string]any, time.Duration) { return s.end(call) })
			s.settle()
			if st := s.state(agent); st["presence"] != "DoNotDisturb" || harness.Get(st, "emergency.active") != true {
				t.Fatalf("outbound call ended, callback still on: %v; want Do Not Disturb", st)
			}
			s.times(5, func() (int, map[string]any, time.Duration) { return s.end(callback) })
			s.settle()
			if n := s.emails(callback); n != 0 {
				t.Errorf("%d emails for the callback, want none", n)
			}
			if held := s.held(agent); len(held) == 1 && held[0] != number {
				t.Errorf("numbers held %v, want the one the callback reached, %s", held, number)
			}
			s.final(agent, "Busy", call)
		})
	})
}

// leaseRace says where to look when an agent ends up with two numbers.
const leaseRace = "concurrent dials of one agent each choose a number; the agent's item, written in the same " +
	"transaction as the number (DialDetection.setUp), arbitrates: a dial that loses re-reads and renews the winner's number"

// TestConcurrentDials: one agent dials ten emergency calls at once (and five
// agents do so together). After all the calls end, presence is back and each
// call got one email; an agent never holds two callback numbers.
func TestConcurrentDials(t *testing.T) {
	t.Parallel()
	variants(t, func(t *testing.T, v setup) {
		for _, tc := range []struct{ agents, calls int }{{1, 10}, {5, 10}} {
			t.Run(fmt.Sprintf("%d agent(s) × %d calls", tc.agents, tc.calls), func(t *testing.T) {
				s := newSystem(t, v)
				s.addNumbers(tc.agents*tc.calls + 5)
				type dial struct{ agent, call string }
				var dials []dial
				var agents []string
				for a := range tc.agents {
					agent := s.agent(fmt.Sprintf("conc%d", a), "Busy")
					agents = append(agents, agent)
					for c := range tc.calls {
						dials = append(dials, dial{agent, s.id(fmt.Sprintf("conc%d-c%d", a, c))})
					}
				}
				all := func(send func(d dial) (int, map[string]any, time.Duration)) {
					gate := make(chan struct{})
					var wg sync.WaitGroup
					var mu sync.Mutex
					var bad []string
					for _, d := range dials {
						wg.Go(func() {
							<-gate
							if code, out, _ := send(d); code != http.StatusOK {
								mu.Lock()
								bad = append(bad, fmt.Sprintf("%s: %d %v", d.call, code, out))
								mu.Unlock()
							}
						})
					}
					close(gate)
					wg.Wait()
					if len(bad) > 0 {
						t.Fatalf("webhooks failed: %v", bad)
					}
				}
				all(func(d dial) (int, map[string]any, time.Duration) { return s.dial(d.agent, d.call) })
				s.settle()
				for _, a := range agents {
					if st := s.state(a); st["presence"] != "DoNotDisturb" {
						t.Errorf("agent %s during the calls: %v", a, st["presence"])
					}
				}
				all(func(d dial) (int, map[string]any, time.Duration) { return s.end(d.call) })
				s.settle()

				held := map[string]int{}
				for _, a := range agents {
					st := s.state(a)
					if st["presence"] != "Busy" || harness.Get(st, "emergency.active") != false {
						t.Errorf("agent %s after the calls: presence %v, emergency %v", a, st["presence"], st["emergency"])
					}
					held[a] = len(s.held(a))
				}
				for _, d := range dials {
					if n := s.emails(d.call); n != 1 {
						t.Errorf("call %s: %d emails, want 1", d.call, n)
					}
				}
				if dl := s.deadLetters(""); len(dl) > 0 {
					t.Errorf("dead letters: %s", describe(dl))
				}
				var counts []string
				over := 0
				for _, a := range agents {
					counts = append(counts, fmt.Sprint(held[a]))
					// None when every dial of the agent missed the state
					// budget and presented the fallback (DynamoDB Local runs
					// transactions one at a time); never two.
					if held[a] > 1 {
						over++
					}
				}
				sort.Strings(counts)
				t.Logf("numbers held per agent after %d concurrent dials each: %s", tc.calls, strings.Join(counts, ", "))
				if over > 0 {
					t.Errorf("%d of %d agent(s) hold more than one callback number after %d concurrent dials (held: %s); "+
						"an agent keeps one number. %s", over, tc.agents, tc.calls, strings.Join(counts, ", "), leaseRace)
				}
			})
		}
	})
}
