package storetest

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
)

// countingStore counts the dial's setup writes: one per dial, unless it
// lost a race.
type countingStore struct {
	mayday.Store
	writes atomic.Int64
}

func (c *countingStore) WriteSetup(ctx context.Context, call mayday.Call, a mayday.Agent, n *mayday.CallbackNumber, evs []mayday.OutboxEvent) (mayday.Call, mayday.Agent, *mayday.CallbackNumber, error) {
	c.writes.Add(1)
	return c.Store.WriteSetup(ctx, call, a, n, evs)
}

type discard struct{}

func (discard) Publish(context.Context, ...events.Event) error { return nil }

// testDialBurst: a fire alarm's burst, burstDials agents of one site
// dialling at once with burstPool free numbers, through the dial use case
// on this store. Every dial presents a callback number of its own, never
// the site's ECBN: whether the dials run in one function (the local
// runner), which takes the numbers released longest ago, or each in its own
// (Lambda environments), which see nothing of each other but the store and
// settle it in rounds of lost races. A round of 20 contending transactions
// takes a cold DynamoDB Local up to a second on a loaded machine (DynamoDB
// takes milliseconds), so the dials get a state budget that holds them to
// settling, not to the emulator's speed: `mayday bench` times the burst
// (site_burst_emulated_*).
func testDialBurst(t *testing.T, e env) {
	const burstDials, burstPool = 20, 25
	const ecbn = "+14255550100"
	for _, tt := range []struct {
		name      string
		functions int // dial functions the dials are spread over
	}{
		{"one function", 1},
		{"a function per dial", burstDials},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := e.newStore(t)
			cfg := settings.Defaults()
			cfg.Fallback, cfg.StateTimeout = "+14255559999", 10*time.Second
			o := mayday.Options{Config: cfg, Log: slog.New(slog.DiscardHandler)}
			admin, err := mayday.NewAdminAPI(s, o)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := admin.PutSite(ctx, "hq", mayday.Site{Name: "HQ", Country: "US", EmergencyCallbackNumber: ecbn,
				Address: mayday.Address{Street: "1 Main St", City: "Seattle", Region: "WA", PostalCode: "98101", Country: "US"}}); err != nil {
				t.Fatal(err)
			}
			var oldest []string // the burstDials numbers released longest ago
			for i := range burstPool {
				num := fmt.Sprintf("+1425555%04d", 1000+i)
				if _, _, err := admin.AddNumberAt(ctx, num, "US", "hq"); err != nil {
					t.Fatal(err)
				}
				// The higher the number, the longer ago it was released.
				if _, err := s.UpdateNumber(ctx, num, func(n *mayday.CallbackNumber) error {
					n.ReleasedAt = base.Add(-time.Duration(i+1) * time.Minute)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				if i >= burstPool-burstDials {
					oldest = append(oldest, num)
				}
			}
			agent := func(i int) string { return fmt.Sprintf("burst-%02d", i) }
			for i := range burstDials {
				if _, err := admin.PutAgent(ctx, agent(i), mayday.Profile{Name: agent(i), Country: "US", SiteID: "hq"}); err != nil {
					t.Fatal(err)
				}
			}
			e.IndexRead(t, `ListNumbers("US") before the burst`, func() string {
				if listed, err := s.ListNumbers(ctx, "US"); err != nil || len(listed) != burstPool {
					return fmt.Sprintf("listed %d numbers, %v; want %d", len(listed), err, burstPool)
				}
				return ""
			})
			counted := &countingStore{Store: s}
			dials := make([]*mayday.DialDetection, tt.functions)
			for i := range dials {
				if dials[i], err = mayday.NewDialDetection(counted, discard{}, o); err != nil {
					t.Fatal(err)
				}
			}
			outs := make([]mayday.CallOutcome, burstDials)
			took := make([]time.Duration, burstDials)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range burstDials {
				wg.Go(func() {
					<-start
					t0 := time.Now()
					out, err := dials[i%len(dials)].HandleCall(ctx, mayday.CallEvent{Type: mayday.CallEventDialed,
						CallID: "burst-call-" + agent(i), AgentID: agent(i), To: "911", Country: "US", SiteID: "hq", OccurredAt: time.Now()})
					took[i] = time.Since(t0)
					if err != nil {
						t.Errorf("dial %d: %v", i, err)
					}
					outs[i] = out
				})
			}
			close(start)
			wg.Wait()
			// One function's dials never race; separate ones settle in a few
			// rounds (about 60 writes), where a march of every dial behind the
			// same number takes up to 210.
			writes, most := int(counted.writes.Load()), burstDials
			if tt.functions > 1 {
				most = 5 * burstDials
			}
			if writes > most {
				t.Errorf("%d setup writes for %d dials, want at most %d", writes, burstDials, most)
			}
			var leased []string
			for i, out := range outs {
				if out.CallerIDSource != mayday.CallerLease {
					t.Errorf("dial %d presented %s (%s) after %s, want a callback lease", i, out.CallerID, out.CallerIDSource, took[i])
					continue
				}
				leased = append(leased, out.CallerID)
			}
			slices.Sort(leased)
			if n := len(slices.Compact(slices.Clone(leased))); n != len(leased) {
				t.Errorf("%d leases, %d distinct numbers: %v", len(leased), n, leased)
			}
			if tt.functions == 1 && !slices.Equal(leased, oldest) {
				t.Errorf("one function leased %v, want the %d released longest ago %v", leased, burstDials, oldest)
			}
		})
	}
}
