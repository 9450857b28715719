package storetest_test

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/testkit/storetest"
)

// TestLaggingIndexes runs the suite against a store whose index-backed reads
// lag behind its writes, as DynamoDB's global secondary indexes do in AWS,
// declaring the weakest features (the zero value): the suite must wait for
// the indexes rather than fail, and still hold the store to the contract.
func TestLaggingIndexes(t *testing.T) {
	storetest.Run(t, func(*testing.T) mayday.Store { return newLagging(50 * time.Millisecond) }, storetest.Features{})
}

// TestEmbeddedWithWeakestFeatures runs the suite against the embedded store
// declaring nothing: the tolerant checks must still pass on a store that
// gives more than they ask.
func TestEmbeddedWithWeakestFeatures(t *testing.T) {
	storetest.Run(t, func(*testing.T) mayday.Store { return inmem.NewStore() }, storetest.Features{})
}

// lagging is the embedded store with index-backed reads (ListNumbers,
// LeasesHeldBy, LeasesExpiringBy, AgentsInEmergencySince, AgentsAtSite,
// ListSites) served from a copy that each write reaches only lag after it
// returned.
type lagging struct {
	*inmem.Store
	lag time.Duration

	mu      sync.Mutex
	pending []change // in the order the writes returned
	version map[string]int64
	numbers map[string]mayday.CallbackNumber // the index copy
	agents  map[string]mayday.Agent          // the index copy
	sites   map[string]mayday.Site           // the index copy
}

// change is one write on its way to the index copy.
type change struct {
	at      time.Time
	key     string
	number  *mayday.CallbackNumber // set, or
	agent   *mayday.Agent          // set, or
	site    *mayday.Site           // set, or
	deleted bool                   // number or site deleted
}

func newLagging(lag time.Duration) *lagging {
	return &lagging{
		Store: inmem.NewStore(), lag: lag, version: map[string]int64{},
		numbers: map[string]mayday.CallbackNumber{}, agents: map[string]mayday.Agent{}, sites: map[string]mayday.Site{},
	}
}

// clone deep-copies a value as a store would hand out a fresh one.
func clone[T any](v T) *T {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return &out
}

// record queues a written value for the index copy, unless it is not newer
// than what is already queued (ErrNoChange returns, concurrent writers
// returning out of order).
func (l *lagging) record(c change, ver int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ver <= l.version[c.key] && !c.deleted {
		return
	}
	l.version[c.key] = ver
	if c.deleted {
		delete(l.version, c.key)
	}
	c.at = time.Now()
	l.pending = append(l.pending, c)
}

// catchUp applies the writes older than lag to the index copy; l.mu is held.
func (l *lagging) catchUp() {
	cut := time.Now().Add(-l.lag)
	n := 0
	for _, c := range l.pending {
		if c.at.After(cut) {
			break
		}
		switch {
		case c.deleted: // keys are prefixed by kind: one of these holds it
			delete(l.numbers, c.key)
			delete(l.sites, c.key)
		case c.number != nil:
			l.numbers[c.key] = *c.number
		case c.agent != nil:
			l.agents[c.key] = *c.agent
		case c.site != nil:
			l.sites[c.key] = *c.site
		}
		n++
	}
	l.pending = l.pending[n:]
}

func (l *lagging) UpdateNumber(ctx context.Context, number string, fn func(*mayday.CallbackNumber) error) (mayday.CallbackNumber, error) {
	n, err := l.Store.UpdateNumber(ctx, number, fn)
	if err == nil {
		l.record(change{key: "N" + number, number: clone(n)}, n.Version)
	}
	return n, err
}

func (l *lagging) DeleteNumber(ctx context.Context, number string, check func(mayday.CallbackNumber) error) error {
	err := l.Store.DeleteNumber(ctx, number, check)
	if err == nil {
		l.record(change{key: "N" + number, deleted: true}, 0)
	}
	return err
}

func (l *lagging) UpdateAgent(ctx context.Context, id string, fn func(*mayday.Agent) error) (mayday.Agent, error) {
	a, err := l.Store.UpdateAgent(ctx, id, fn)
	if err == nil {
		l.record(change{key: "A" + id, agent: clone(a)}, a.Version)
	}
	return a, err
}

func (l *lagging) UpdateSite(ctx context.Context, id string, fn func(*mayday.Site) error) (mayday.Site, error) {
	x, err := l.Store.UpdateSite(ctx, id, fn)
	if err == nil {
		l.record(change{key: "S" + id, site: clone(x)}, x.Version)
	}
	return x, err
}

func (l *lagging) DeleteSite(ctx context.Context, id string, check func(mayday.Site) error) error {
	err := l.Store.DeleteSite(ctx, id, check)
	if err == nil {
		l.record(change{key: "S" + id, deleted: true}, 0)
	}
	return err
}

func (l *lagging) WriteSetup(ctx context.Context, call mayday.Call, agent mayday.Agent, number *mayday.CallbackNumber, evs []mayday.OutboxEvent) (mayday.Call, mayday.Agent, *mayday.CallbackNumber, error) {
	c, a, n, err := l.Store.WriteSetup(ctx, call, agent, number, evs)
	if err == nil {
		l.record(change{key: "A" + a.ID, agent: clone(a)}, a.Version)
		if n != nil {
			l.record(change{key: "N" + n.Number, number: clone(*n)}, n.Version)
		}
	}
	return c, a, n, err
}

func (l *lagging) numbersWhere(keep func(mayday.CallbackNumber) bool) []mayday.CallbackNumber {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.catchUp()
	var out []mayday.CallbackNumber
	for _, n := range l.numbers {
		if keep(n) {
			out = append(out, *clone(n))
		}
	}
	slices.SortFunc(out, func(a, b mayday.CallbackNumber) int { return cmp.Compare(a.Number, b.Number) })
	return out
}

func (l *lagging) ListNumbers(_ context.Context, country string) ([]mayday.CallbackNumber, error) {
	return l.numbersWhere(func(n mayday.CallbackNumber) bool {
		return country == "" || n.Country == country
	}), nil
}

func (l *lagging) LeasesHeldBy(ctx context.Context, agentID string) ([]mayday.CallbackNumber, error) {
	if _, err := l.Store.LeasesHeldBy(ctx, agentID); err != nil { // refuses what the store refuses
		return nil, err
	}
	return l.numbersWhere(func(n mayday.CallbackNumber) bool { return n.Lease != nil && n.Lease.AgentID == agentID }), nil
}

func (l *lagging) LeasesExpiringBy(_ context.Context, t time.Time) ([]mayday.CallbackNumber, error) {
	return l.numbersWhere(func(n mayday.CallbackNumber) bool { return n.Lease != nil && !n.Lease.ExpiresAt.After(t) }), nil
}

func (l *lagging) agentsWhere(keep func(mayday.Agent) bool) []mayday.Agent {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.catchUp()
	var out []mayday.Agent
	for _, a := range l.agents {
		if keep(a) {
			out = append(out, *clone(a))
		}
	}
	slices.SortFunc(out, func(a, b mayday.Agent) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func (l *lagging) AgentsInEmergencySince(_ context.Context, t time.Time) ([]mayday.Agent, error) {
	return l.agentsWhere(func(a mayday.Agent) bool { return a.InEmergency() && !a.Emergency.Since.After(t) }), nil
}

func (l *lagging) AgentsAtSite(ctx context.Context, siteID string) ([]mayday.Agent, error) {
	if _, err := l.Store.AgentsAtSite(ctx, siteID); err != nil { // refuses what the store refuses
		return nil, err
	}
	return l.agentsWhere(func(a mayday.Agent) bool { return a.SiteID == siteID }), nil
}

func (l *lagging) ListSites(context.Context) ([]mayday.Site, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.catchUp()
	var out []mayday.Site
	for _, x := range l.sites {
		out = append(out, *clone(x))
	}
	slices.SortFunc(out, func(a, b mayday.Site) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// TestLaggingLags checks the stand-in itself: an index read right after a
// write misses it, and one after the lag sees it. Without this, the suite
// passing on it would prove nothing.
func TestLaggingLags(t *testing.T) {
	ctx := context.Background()
	l := newLagging(200 * time.Millisecond)
	if _, err := l.UpdateNumber(ctx, "+14255550001", func(n *mayday.CallbackNumber) error { n.Country = "US"; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := l.UpdateSite(ctx, "s-1", func(x *mayday.Site) error { x.Name = "HQ"; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := l.UpdateAgent(ctx, "a-1", func(a *mayday.Agent) error { a.SiteID = "s-1"; return nil }); err != nil {
		t.Fatal(err)
	}
	counts := func() [3]int {
		ns, _ := l.ListNumbers(ctx, "US")
		xs, _ := l.ListSites(ctx)
		as, _ := l.AgentsAtSite(ctx, "s-1")
		return [3]int{len(ns), len(xs), len(as)}
	}
	if got := counts(); got != [3]int{} {
		t.Fatalf("index reads (numbers, sites, agents at site) right after the writes = %v, want none there yet", got)
	}
	if _, err := l.GetNumber(ctx, "+14255550001"); err != nil {
		t.Fatalf("read by key right after the write: %v, want it there", err)
	}
	if _, err := l.GetSite(ctx, "s-1"); err != nil {
		t.Fatalf("read by key right after the write: %v, want it there", err)
	}
	time.Sleep(250 * time.Millisecond)
	if got := counts(); got != [3]int{1, 1, 1} {
		t.Fatalf("index reads (numbers, sites, agents at site) after the lag = %v, want each there", got)
	}
}
