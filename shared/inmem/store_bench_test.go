package inmem_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
)

const benchPool = 1000

func benchNumber(i int) string { return fmt.Sprintf("+1425555%04d", i) }

// benchStore is a store with a pool of benchPool US numbers at a site, every
// other one leased, and a few numbers of other countries beside them.
func benchStore(b *testing.B) *inmem.Store {
	b.Helper()
	s, ctx, now := inmem.NewStore(), context.Background(), time.Now().UTC()
	for i := range benchPool {
		if _, err := s.UpdateNumber(ctx, benchNumber(i), func(n *mayday.CallbackNumber) error {
			n.Country, n.SiteID, n.AddedAt = "US", "site-1", now
			if i%2 == 0 {
				n.Lease = &mayday.Lease{AgentID: fmt.Sprintf("a-%d", i), CallID: fmt.Sprintf("c-%d", i),
					LeasedAt: now, ExpiresAt: now.Add(time.Hour)}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 50 {
		if _, err := s.UpdateNumber(ctx, fmt.Sprintf("+4420795%05d", i), func(n *mayday.CallbackNumber) error {
			n.Country = "GB"
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkListNumbers1000 reads a country's pool of 1,000 numbers, as every
// dial does.
func BenchmarkListNumbers1000(b *testing.B) {
	s, ctx := benchStore(b), context.Background()
	b.ReportAllocs()
	for b.Loop() {
		ns, err := s.ListNumbers(ctx, "US")
		if err != nil || len(ns) != benchPool {
			b.Fatal(len(ns), err)
		}
	}
}

// BenchmarkLeasesHeldBy1000 finds one agent's lease in the pool.
func BenchmarkLeasesHeldBy1000(b *testing.B) {
	s, ctx := benchStore(b), context.Background()
	b.ReportAllocs()
	for b.Loop() {
		ns, err := s.LeasesHeldBy(ctx, "a-500")
		if err != nil || len(ns) != 1 {
			b.Fatal(len(ns), err)
		}
	}
}

// BenchmarkGetNumber reads one number by key.
func BenchmarkGetNumber(b *testing.B) {
	s, ctx := benchStore(b), context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.GetNumber(ctx, benchNumber(500)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDialMixParallel is what concurrent dials do to the pool: each
// reads the country's 1,000 numbers, then leases one of them (a conditional
// write that may lose races and retry), with 1,000 goroutines at once.
func BenchmarkDialMixParallel(b *testing.B) {
	s, ctx := benchStore(b), context.Background()
	var next atomic.Int64
	b.SetParallelism((benchPool + 1) / 2) // ×GOMAXPROCS goroutines: about 1,000
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1))
			ns, err := s.ListNumbers(ctx, "US")
			if err != nil || len(ns) != benchPool {
				b.Error(len(ns), err)
				return
			}
			now := time.Now().UTC()
			if _, err := s.UpdateNumber(ctx, ns[i%len(ns)].Number, func(n *mayday.CallbackNumber) error {
				n.Lease = &mayday.Lease{AgentID: fmt.Sprintf("a-%d", i), CallID: fmt.Sprintf("c-%d", i),
					LeasedAt: now, ExpiresAt: now.Add(time.Hour)}
				return nil
			}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkDials1000 is the scenario the budget is about: 1,000 agents dial
// at once against a 1,000-number pool, each reading the pool and leasing a
// number; one op is the whole burst (compare with the 1 s budget).
func BenchmarkDials1000(b *testing.B) {
	s, ctx := benchStore(b), context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range benchPool {
			wg.Go(func() {
				<-start
				ns, err := s.ListNumbers(ctx, "US")
				if err != nil || len(ns) != benchPool {
					b.Error(len(ns), err)
					return
				}
				now := time.Now().UTC()
				if _, err := s.UpdateNumber(ctx, ns[i].Number, func(n *mayday.CallbackNumber) error {
					n.Lease = &mayday.Lease{AgentID: fmt.Sprintf("a-%d", i), CallID: fmt.Sprintf("c-%d", i),
						LeasedAt: now, ExpiresAt: now.Add(time.Hour)}
					return nil
				}); err != nil {
					b.Error(err)
				}
			})
		}
		close(start)
		wg.Wait()
	}
}
