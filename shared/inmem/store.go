// Package inmem holds the embedded adapters: a store kept in memory and a
// mailer that keeps every email. They are the local runner's default and the
// fast path for tests, and pass the same contract suites as the AWS adapters.
package inmem

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// Store is an in-memory mayday.Store. Values are copied in and out through
// JSON, as a real store would, so callers never share memory with it.
type Store struct {
	mu            sync.Mutex
	agents        map[string][]byte
	calls         map[string][]byte
	numbers       map[string][]byte
	sites         map[string][]byte
	notifications map[string][]byte
	history       map[string]map[string]mayday.Activity
}

var _ mayday.Store = (*Store)(nil)

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{
		agents: map[string][]byte{}, calls: map[string][]byte{}, numbers: map[string][]byte{},
		sites: map[string][]byte{}, notifications: map[string][]byte{}, history: map[string]map[string]mayday.Activity{},
	}
}

func get[T any](s *Store, m map[string][]byte, key, what string) (T, error) {
	s.mu.Lock()
	b, ok := m[key]
	s.mu.Unlock()
	var v T
	if !ok {
		return v, fmt.Errorf("%w: %s %s", mayday.ErrNotFound, what, key)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("%s %s: decode: %w", what, key, err)
	}
	return v, nil
}

// update is the closure-style read-modify-write every Update method shares.
// The closure runs outside the lock, on a copy; the write is conditional on
// the version read, as it is in DynamoDB, so the same races happen here.
func update[T any](s *Store, m map[string][]byte, key string, fn func(*T) error,
	init func(*T, string), version func(*T) *int64) (T, error) {
	for {
		s.mu.Lock()
		b, ok := m[key]
		s.mu.Unlock()
		var v T
		if ok {
			if err := json.Unmarshal(b, &v); err != nil {
				return v, fmt.Errorf("%s: decode: %w", key, err)
			}
		}
		init(&v, key)
		read := *version(&v)
		if err := fn(&v); errors.Is(err, mayday.ErrNoChange) {
			var cur T
			if ok {
				_ = json.Unmarshal(b, &cur)
			}
			init(&cur, key)
			return cur, nil
		} else if err != nil {
			return v, err
		}
		init(&v, key) // the key cannot be changed by the closure
		*version(&v) = read + 1
		nb, err := json.Marshal(v)
		if err != nil {
			return v, fmt.Errorf("%s: encode: %w", key, err)
		}
		s.mu.Lock()
		var cur int64
		if cb, ok := m[key]; ok {
			var c T
			if err := json.Unmarshal(cb, &c); err == nil {
				cur = *version(&c)
			}
		}
		if cur == read {
			m[key] = nb
			s.mu.Unlock()
			return v, nil
		}
		s.mu.Unlock() // lost the race: read again and re-run the closure
	}
}

// where lists the values of m that keep accepts, sorted by id.
func where[T any](ctx context.Context, s *Store, m map[string][]byte, what string, keep func(T) bool, id func(T) string) ([]T, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []T
	for k, b := range m {
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, fmt.Errorf("%s %s: decode: %w", what, k, err)
		}
		if keep(v) {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b T) int { return cmp.Compare(id(a), id(b)) })
	return out, nil
}

// remove deletes m[key] if check, given the stored value, allows; check runs
// under the lock, so nothing changes between it and the delete.
func remove[T any](ctx context.Context, s *Store, m map[string][]byte, key, what string, check func(T) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := m[key]
	if !ok {
		return fmt.Errorf("%w: %s %s", mayday.ErrNotFound, what, key)
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("%s %s: decode: %w", what, key, err)
	}
	if err := check(v); err != nil {
		return err
	}
	delete(m, key)
	return nil
}

func agentID(a mayday.Agent) string           { return a.ID }
func numberOf(n mayday.CallbackNumber) string { return n.Number }
func siteIDOf(x mayday.Site) string           { return x.ID }

func (s *Store) GetAgent(_ context.Context, id string) (mayday.Agent, error) {
	return get[mayday.Agent](s, s.agents, id, "agent")
}

func (s *Store) UpdateAgent(ctx context.Context, id string, fn func(*mayday.Agent) error) (mayday.Agent, error) {
	return update(s, s.agents, id, ctxFn(ctx, fn), func(a *mayday.Agent, k string) { a.ID = k },
		func(a *mayday.Agent) *int64 { return &a.Version })
}

func (s *Store) AgentsInEmergencySince(ctx context.Context, t time.Time) ([]mayday.Agent, error) {
	return where(ctx, s, s.agents, "agent", func(a mayday.Agent) bool {
		return a.InEmergency() && !a.Emergency.Since.After(t)
	}, agentID)
}

// AgentsAtSite lists the agents whose home site is siteID; none for "", as
// an agent without a site is at none.
func (s *Store) AgentsAtSite(ctx context.Context, siteID string) ([]mayday.Agent, error) {
	return where(ctx, s, s.agents, "agent", func(a mayday.Agent) bool {
		return siteID != "" && a.SiteID == siteID
	}, agentID)
}

func (s *Store) GetCall(_ context.Context, id string) (mayday.Call, error) {
	return get[mayday.Call](s, s.calls, id, "call")
}

func (s *Store) UpdateCall(ctx context.Context, id string, fn func(*mayday.Call) error) (mayday.Call, error) {
	return update(s, s.calls, id, ctxFn(ctx, fn), func(c *mayday.Call, k string) { c.ID = k },
		func(c *mayday.Call) *int64 { return &c.Version })
}

func (s *Store) GetNumber(_ context.Context, number string) (mayday.CallbackNumber, error) {
	return get[mayday.CallbackNumber](s, s.numbers, number, "callback number")
}

func (s *Store) UpdateNumber(ctx context.Context, number string, fn func(*mayday.CallbackNumber) error) (mayday.CallbackNumber, error) {
	return update(s, s.numbers, number, ctxFn(ctx, fn), func(n *mayday.CallbackNumber, k string) { n.Number = k },
		func(n *mayday.CallbackNumber) *int64 { return &n.Version })
}

func (s *Store) DeleteNumber(ctx context.Context, number string, check func(mayday.CallbackNumber) error) error {
	return remove(ctx, s, s.numbers, number, "callback number", check)
}

// numbersWhere lists the numbers matching keep.
func (s *Store) numbersWhere(ctx context.Context, keep func(mayday.CallbackNumber) bool) ([]mayday.CallbackNumber, error) {
	return where(ctx, s, s.numbers, "callback number", keep, numberOf)
}

// ListNumbers lists the country's numbers, its sites' included, or every
// number stored, whatever its country, for "".
func (s *Store) ListNumbers(ctx context.Context, country string) ([]mayday.CallbackNumber, error) {
	return s.numbersWhere(ctx, func(n mayday.CallbackNumber) bool { return country == "" || n.Country == country })
}

func (s *Store) LeasesHeldBy(ctx context.Context, agentID string) ([]mayday.CallbackNumber, error) {
	return s.numbersWhere(ctx, func(n mayday.CallbackNumber) bool { return n.Lease != nil && n.Lease.AgentID == agentID })
}

func (s *Store) LeasesExpiringBy(ctx context.Context, t time.Time) ([]mayday.CallbackNumber, error) {
	return s.numbersWhere(ctx, func(n mayday.CallbackNumber) bool { return n.Lease != nil && !n.Lease.ExpiresAt.After(t) })
}

func (s *Store) GetSite(_ context.Context, id string) (mayday.Site, error) {
	return get[mayday.Site](s, s.sites, id, "site")
}

// ListSites lists every site, sorted by id.
func (s *Store) ListSites(ctx context.Context) ([]mayday.Site, error) {
	return where(ctx, s, s.sites, "site", func(mayday.Site) bool { return true }, siteIDOf)
}

func (s *Store) UpdateSite(ctx context.Context, id string, fn func(*mayday.Site) error) (mayday.Site, error) {
	return update(s, s.sites, id, ctxFn(ctx, fn), func(x *mayday.Site, k string) { x.ID = k },
		func(x *mayday.Site) *int64 { return &x.Version })
}

func (s *Store) DeleteSite(ctx context.Context, id string, check func(mayday.Site) error) error {
	return remove(ctx, s, s.sites, id, "site", check)
}

func (s *Store) UpdateNotification(ctx context.Context, callID string, fn func(*mayday.Notification) error) (mayday.Notification, error) {
	return update(s, s.notifications, callID, ctxFn(ctx, fn), func(n *mayday.Notification, k string) { n.CallID = k },
		func(n *mayday.Notification) *int64 { return &n.Version })
}

func (s *Store) AddActivity(ctx context.Context, a mayday.Activity) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.history[a.AgentID] == nil {
		s.history[a.AgentID] = map[string]mayday.Activity{}
	}
	if _, ok := s.history[a.AgentID][a.CallID]; !ok {
		s.history[a.AgentID][a.CallID] = a
	}
	return nil
}

func (s *Store) ListActivities(ctx context.Context, agentID string) ([]mayday.Activity, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]mayday.Activity, 0, len(s.history[agentID]))
	for _, a := range s.history[agentID] {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b mayday.Activity) int { return cmp.Compare(a.CallID, b.CallID) })
	return out, nil
}

// ctxFn fails the update once the context is done, as a network store would.
func ctxFn[T any](ctx context.Context, fn func(*T) error) func(*T) error {
	return func(v *T) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return fn(v)
	}
}

// ReadSetup reads the agent and the call at one instant; an absent one is its
// zero value with the id set and Version 0.
func (s *Store) ReadSetup(ctx context.Context, agentID, callID string) (mayday.Agent, mayday.Call, error) {
	var (
		a mayday.Agent
		c mayday.Call
	)
	if err := ctx.Err(); err != nil {
		return a, c, err
	}
	s.mu.Lock()
	ab, aok := s.agents[agentID]
	cb, cok := s.calls[callID]
	s.mu.Unlock()
	if aok {
		if err := json.Unmarshal(ab, &a); err != nil {
			return mayday.Agent{}, mayday.Call{}, fmt.Errorf("agent %s: decode: %w", agentID, err)
		}
	}
	if cok {
		if err := json.Unmarshal(cb, &c); err != nil {
			return mayday.Agent{}, mayday.Call{}, fmt.Errorf("call %s: decode: %w", callID, err)
		}
	}
	a.ID, c.ID = agentID, callID
	return a, c, nil
}

// setupWrite is one item of WriteSetup: where it goes, the Version the stored
// item must have (0: none stored), and the value to store.
type setupWrite struct {
	m       map[string][]byte
	key     string
	want    int64
	value   []byte
	changed *bool
}

// holds reports whether the stored item is still at w.want; s.mu is held.
func (w setupWrite) holds() bool {
	b, ok := w.m[w.key]
	if !ok {
		return w.want == 0
	}
	var v struct{ Version int64 } // every versioned domain value has it
	if err := json.Unmarshal(b, &v); err != nil {
		return false
	}
	return w.want != 0 && v.Version == w.want
}

// WriteSetup checks every item's version and then writes them all, under
// one lock: all or none, as one DynamoDB transaction.
func (s *Store) WriteSetup(ctx context.Context, call mayday.Call, agent mayday.Agent, number *mayday.CallbackNumber) (mayday.Call, mayday.Agent, *mayday.CallbackNumber, error) {
	fail := func(err error) (mayday.Call, mayday.Agent, *mayday.CallbackNumber, error) {
		return mayday.Call{}, mayday.Agent{}, nil, err
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	conflict := &mayday.SetupConflict{}
	var writes []setupWrite
	add := func(m map[string][]byte, key string, v any, want int64, changed *bool) error {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("%s: encode: %w", key, err)
		}
		writes = append(writes, setupWrite{m: m, key: key, want: want, value: b, changed: changed})
		return nil
	}
	c, a := call, agent
	c.Version, a.Version = call.Version+1, agent.Version+1
	if err := add(s.calls, c.ID, c, call.Version, &conflict.Call); err != nil {
		return fail(err)
	}
	if err := add(s.agents, a.ID, a, agent.Version, &conflict.Agent); err != nil {
		return fail(err)
	}
	if number != nil {
		n := *number
		n.Version = number.Version + 1
		if err := add(s.numbers, n.Number, n, number.Version, &conflict.Number); err != nil {
			return fail(err)
		}
	}

	s.mu.Lock()
	found := false
	for _, w := range writes {
		if !w.holds() {
			*w.changed, found = true, true
		}
	}
	if found {
		s.mu.Unlock()
		return fail(conflict)
	}
	for _, w := range writes {
		w.m[w.key] = w.value
	}
	s.mu.Unlock()

	// Hand back copies of what was stored, as every read does.
	var (
		wc mayday.Call
		wa mayday.Agent
		wn *mayday.CallbackNumber
	)
	if err := json.Unmarshal(writes[0].value, &wc); err != nil {
		return fail(fmt.Errorf("call %s: decode: %w", call.ID, err))
	}
	if err := json.Unmarshal(writes[1].value, &wa); err != nil {
		return fail(fmt.Errorf("agent %s: decode: %w", agent.ID, err))
	}
	if number != nil {
		wn = new(mayday.CallbackNumber)
		if err := json.Unmarshal(writes[2].value, wn); err != nil {
			return fail(fmt.Errorf("callback number %s: decode: %w", number.Number, err))
		}
	}
	return wc, wa, wn, nil
}
