// Package inmem holds the embedded adapters: a store kept in memory and a
// mailer that keeps every email. They are the local runner's default and the
// fast path for tests, and pass the same contract suites as the AWS adapters.
package inmem

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// Store is an in-memory mayday.Store. It keeps decoded values and copies
// them in and out (clone.go), as a real store would, so callers never share
// memory with it. Stored values are immutable (a write stores a fresh copy),
// so the lock is held only to find or replace them, never to copy them:
// reads proceed in parallel, and a listing costs the values it returns,
// served from indexes kept on write. Every method fails with the context's
// error when the context is done before the store serves it.
type Store struct {
	mu            sync.RWMutex
	agents        *table[mayday.Agent]
	calls         *table[mayday.Call]
	numbers       *table[mayday.CallbackNumber]
	sites         *table[mayday.Site]
	notifications *table[mayday.Notification]
	alerts        *table[mayday.Alert]
	history       map[string]map[string]mayday.Activity

	agentsAtSite      *index[mayday.Agent] // by SiteID, none for ""
	agentsInEmergency *index[mayday.Agent] // one group: InEmergency
	numbersAll        *index[mayday.CallbackNumber]
	numbersByCountry  *index[mayday.CallbackNumber] // none for ""
	numbersByHolder   *index[mayday.CallbackNumber] // by Lease.AgentID, leased only
	numbersLeased     *index[mayday.CallbackNumber] // one group: Lease != nil
	sitesAll          *index[mayday.Site]
	alertsAll         *index[mayday.Alert]

	outbox eventOutbox
}

var _ mayday.Store = (*Store)(nil)

// NewStore returns an empty store.
func NewStore() *Store {
	s := &Store{
		agentsAtSite:      withValidGroup(newIndex(func(a *mayday.Agent) (string, bool) { return a.SiteID, a.SiteID != "" }), validSiteID),
		agentsInEmergency: newIndex(func(a *mayday.Agent) (string, bool) { return "", a.InEmergency() }),
		numbersAll:        newIndex(all[mayday.CallbackNumber]),
		numbersByCountry:  newIndex(func(n *mayday.CallbackNumber) (string, bool) { return n.Country, n.Country != "" }),
		numbersByHolder: withValidGroup(newIndex(func(n *mayday.CallbackNumber) (string, bool) {
			if n.Lease == nil {
				return "", false
			}
			return n.Lease.AgentID, true
		}), validAgentID),
		numbersLeased: newIndex(func(n *mayday.CallbackNumber) (string, bool) { return "", n.Lease != nil }),
		sitesAll:      newIndex(all[mayday.Site]),
		alertsAll:     newIndex(all[mayday.Alert]),
		history:       map[string]map[string]mayday.Activity{},
		outbox:        eventOutbox{recorded: map[string]time.Time{}, notify: make(chan struct{}, 1)},
	}
	s.agents = &table[mayday.Agent]{what: "agent", m: map[string]*mayday.Agent{},
		clone: cloneAgent, settle: settleAgent,
		setKey:   func(a *mayday.Agent, k string) { a.ID = k },
		version:  func(a *mayday.Agent) *int64 { return &a.Version },
		indexes:  []*index[mayday.Agent]{s.agentsAtSite, s.agentsInEmergency},
		validKey: validAgentID, validValue: func(a *mayday.Agent) error { return a.ValidStoredIDs() }}
	s.calls = &table[mayday.Call]{what: "call", m: map[string]*mayday.Call{},
		clone: cloneCall, settle: settleCall,
		setKey:   func(c *mayday.Call, k string) { c.ID = k },
		version:  func(c *mayday.Call) *int64 { return &c.Version },
		validKey: validCallID}
	s.numbers = &table[mayday.CallbackNumber]{what: "callback number", m: map[string]*mayday.CallbackNumber{},
		clone: cloneNumber, settle: settleNumber, cloneAll: cloneNumbers,
		setKey:   func(n *mayday.CallbackNumber, k string) { n.Number = k },
		version:  func(n *mayday.CallbackNumber) *int64 { return &n.Version },
		indexes:  []*index[mayday.CallbackNumber]{s.numbersAll, s.numbersByCountry, s.numbersByHolder, s.numbersLeased},
		validKey: validNumber, validValue: func(n *mayday.CallbackNumber) error { return n.ValidStoredIDs() }}
	s.sites = &table[mayday.Site]{what: "site", m: map[string]*mayday.Site{},
		clone: cloneSite, settle: settleSite,
		setKey:   func(x *mayday.Site, k string) { x.ID = k },
		version:  func(x *mayday.Site) *int64 { return &x.Version },
		indexes:  []*index[mayday.Site]{s.sitesAll},
		validKey: validSiteID}
	s.notifications = &table[mayday.Notification]{what: "notification", m: map[string]*mayday.Notification{},
		clone: cloneNotification, settle: settleNotification,
		setKey:   func(n *mayday.Notification, k string) { n.CallID = k },
		version:  func(n *mayday.Notification) *int64 { return &n.Version },
		validKey: validCallID}
	s.alerts = &table[mayday.Alert]{what: "alert", m: map[string]*mayday.Alert{},
		clone: func(a *mayday.Alert) mayday.Alert { return *a }, settle: settleAlert,
		setKey:   func(a *mayday.Alert, k string) { a.ID = k },
		version:  func(a *mayday.Alert) *int64 { return &a.Version },
		indexes:  []*index[mayday.Alert]{s.alertsAll},
		validKey: validAlertID, validValue: func(a *mayday.Alert) error { return mayday.ValidOptionalID("siteId", a.SiteID) }}
	return s
}

// The ids each key is: the stores refuse exactly the ids the domain does.
func validAgentID(id string) error { return mayday.ValidID("agentId", id) }
func validCallID(id string) error  { return mayday.ValidID("callId", id) }
func validSiteID(id string) error  { return mayday.ValidID("siteId", id) }
func validNumber(n string) error   { return mayday.ValidE164("number", n) }
func validAlertID(id string) error { return mayday.ValidID("alertId", id) }

func withValidGroup[T any](x *index[T], valid func(string) error) *index[T] {
	x.validGroup = valid
	return x
}

// rlock takes the read lock, unless ctx is done before or once it is taken.
func (s *Store) rlock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	if err := ctx.Err(); err != nil {
		s.mu.RUnlock()
		return err
	}
	return nil
}

// lock takes the write lock, unless ctx is done before or once it is taken.
func (s *Store) lock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	if err := ctx.Err(); err != nil {
		s.mu.Unlock()
		return err
	}
	return nil
}

func get[T any](ctx context.Context, s *Store, t *table[T], key string) (T, error) {
	var v T
	if err := t.valid(key, nil); err != nil {
		return v, err
	}
	if err := s.rlock(ctx); err != nil {
		return v, err
	}
	p, ok := t.get(key)
	s.mu.RUnlock()
	if !ok {
		return v, mayday.NotFound(t.what, key)
	}
	return t.clone(p), nil
}

// update is the closure-style read-modify-write every Update method shares.
// The closure runs outside the lock, on a copy; the write is conditional on
// the version read, as it is in DynamoDB, so the same races happen here.
func update[T any](ctx context.Context, s *Store, t *table[T], key string, fn func(*T) error) (T, error) {
	return updateAnnouncing(ctx, s, t, key, func(v *T) ([]mayday.OutboxEvent, error) { return nil, fn(v) })
}

// updateAnnouncing is update whose closure also names the events its write
// records (the outbox), written under the same lock: all or none.
func updateAnnouncing[T any](ctx context.Context, s *Store, t *table[T], key string, fn func(*T) ([]mayday.OutboxEvent, error)) (T, error) {
	if err := t.valid(key, nil); err != nil {
		var zero T
		return zero, err
	}
	for {
		var v T
		if err := s.rlock(ctx); err != nil {
			t.setKey(&v, key)
			return v, err
		}
		orig, ok := t.get(key)
		s.mu.RUnlock()
		if ok {
			v = t.clone(orig)
		}
		t.setKey(&v, key)
		read := *t.version(&v)
		if err := ctx.Err(); err != nil {
			return v, err
		}
		evs, err := fn(&v)
		if errors.Is(err, mayday.ErrNoChange) {
			var cur T
			if ok {
				cur = t.clone(orig)
			}
			t.setKey(&cur, key)
			return cur, nil
		} else if err != nil {
			return v, err
		}
		t.setKey(&v, key) // the key cannot be changed by the closure
		if err := t.valid(key, &v); err != nil {
			return v, err
		}
		*t.version(&v) = read + 1
		stored := t.fresh(&v) // the closure may keep references into v
		if err := s.lock(ctx); err != nil {
			return v, err
		}
		var cur int64
		if c, ok := t.get(key); ok {
			cur = *t.version(c)
		}
		if cur == read {
			t.put(key, stored)
			s.outbox.record(evs)
			s.mu.Unlock()
			return v, nil
		}
		s.mu.Unlock() // lost the race: read again and re-run the closure
	}
}

// list copies out the values of group k of x that keep (nil: all) accepts,
// sorted by id; nil for none. The lock is held only to collect the stored
// values; filtering and copying them happen outside it.
func list[T any](ctx context.Context, s *Store, t *table[T], x *index[T], k string, keep func(*T) bool) ([]T, error) {
	if x.validGroup != nil {
		if err := x.validGroup(k); err != nil {
			return nil, err
		}
	}
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	ps := x.group(k)
	s.mu.RUnlock()
	if keep != nil {
		ps = slices.DeleteFunc(ps, func(p *T) bool { return !keep(p) })
	}
	return t.copies(ps), nil
}

// remove deletes t[key] if check, given a copy of the stored value, allows;
// check runs under the lock, so nothing changes between it and the delete.
func remove[T any](ctx context.Context, s *Store, t *table[T], key string, check func(T) error) error {
	if err := t.valid(key, nil); err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	p, ok := t.get(key)
	if !ok {
		return mayday.NotFound(t.what, key)
	}
	if err := check(t.clone(p)); err != nil {
		return err
	}
	t.del(key)
	return nil
}

func (s *Store) GetAgent(ctx context.Context, id string) (mayday.Agent, error) {
	return get(ctx, s, s.agents, id)
}

func (s *Store) UpdateAgent(ctx context.Context, id string, fn func(*mayday.Agent) error) (mayday.Agent, error) {
	return update(ctx, s, s.agents, id, fn)
}

func (s *Store) UpdateAgentAnnouncing(ctx context.Context, id string, fn func(*mayday.Agent) ([]mayday.OutboxEvent, error)) (mayday.Agent, error) {
	return updateAnnouncing(ctx, s, s.agents, id, fn)
}

func (s *Store) AgentsInEmergencySince(ctx context.Context, t time.Time) ([]mayday.Agent, error) {
	return list(ctx, s, s.agents, s.agentsInEmergency, "", func(a *mayday.Agent) bool {
		return !a.Emergency.Since.After(t)
	})
}

// AgentsAtSite lists the agents whose home site is siteID; none for "", as
// an agent without a site is at none.
func (s *Store) AgentsAtSite(ctx context.Context, siteID string) ([]mayday.Agent, error) {
	return list(ctx, s, s.agents, s.agentsAtSite, siteID, nil) // the index has no group ""
}

func (s *Store) GetCall(ctx context.Context, id string) (mayday.Call, error) {
	return get(ctx, s, s.calls, id)
}

func (s *Store) UpdateCall(ctx context.Context, id string, fn func(*mayday.Call) error) (mayday.Call, error) {
	return update(ctx, s, s.calls, id, fn)
}

func (s *Store) UpdateCallAnnouncing(ctx context.Context, id string, fn func(*mayday.Call) ([]mayday.OutboxEvent, error)) (mayday.Call, error) {
	return updateAnnouncing(ctx, s, s.calls, id, fn)
}

func (s *Store) GetNumber(ctx context.Context, number string) (mayday.CallbackNumber, error) {
	return get(ctx, s, s.numbers, number)
}

func (s *Store) UpdateNumber(ctx context.Context, number string, fn func(*mayday.CallbackNumber) error) (mayday.CallbackNumber, error) {
	return update(ctx, s, s.numbers, number, fn)
}

func (s *Store) UpdateNumberAnnouncing(ctx context.Context, number string, fn func(*mayday.CallbackNumber) ([]mayday.OutboxEvent, error)) (mayday.CallbackNumber, error) {
	return updateAnnouncing(ctx, s, s.numbers, number, fn)
}

func (s *Store) DeleteNumber(ctx context.Context, number string, check func(mayday.CallbackNumber) error) error {
	return remove(ctx, s, s.numbers, number, check)
}

// ListNumbers lists the country's numbers, its sites' included, or every
// number stored, whatever its country, for "".
func (s *Store) ListNumbers(ctx context.Context, country string) ([]mayday.CallbackNumber, error) {
	if country == "" {
		return list(ctx, s, s.numbers, s.numbersAll, "", nil)
	}
	return list(ctx, s, s.numbers, s.numbersByCountry, country, nil)
}

func (s *Store) LeasesHeldBy(ctx context.Context, agentID string) ([]mayday.CallbackNumber, error) {
	return list(ctx, s, s.numbers, s.numbersByHolder, agentID, nil)
}

func (s *Store) LeasesExpiringBy(ctx context.Context, t time.Time) ([]mayday.CallbackNumber, error) {
	return list(ctx, s, s.numbers, s.numbersLeased, "", func(n *mayday.CallbackNumber) bool {
		return !n.Lease.ExpiresAt.After(t)
	})
}

func (s *Store) GetSite(ctx context.Context, id string) (mayday.Site, error) {
	return get(ctx, s, s.sites, id)
}

// ListSites lists every site, sorted by id.
func (s *Store) ListSites(ctx context.Context) ([]mayday.Site, error) {
	return list(ctx, s, s.sites, s.sitesAll, "", nil)
}

func (s *Store) UpdateSite(ctx context.Context, id string, fn func(*mayday.Site) error) (mayday.Site, error) {
	return update(ctx, s, s.sites, id, fn)
}

func (s *Store) DeleteSite(ctx context.Context, id string, check func(mayday.Site) error) error {
	return remove(ctx, s, s.sites, id, check)
}

func (s *Store) UpdateNotification(ctx context.Context, callID string, fn func(*mayday.Notification) error) (mayday.Notification, error) {
	return update(ctx, s, s.notifications, callID, fn)
}

func (s *Store) GetAlert(ctx context.Context, id string) (mayday.Alert, error) {
	return get(ctx, s, s.alerts, id)
}

func (s *Store) UpdateAlert(ctx context.Context, id string, fn func(*mayday.Alert) error) (mayday.Alert, error) {
	return update(ctx, s, s.alerts, id, fn)
}

func (s *Store) UpdateAlertAnnouncing(ctx context.Context, id string, fn func(*mayday.Alert) ([]mayday.OutboxEvent, error)) (mayday.Alert, error) {
	return updateAnnouncing(ctx, s, s.alerts, id, fn)
}

// LiveAlerts lists the alerts of the site (or all) whose link is live at
// now.
func (s *Store) LiveAlerts(ctx context.Context, siteID string, now time.Time) ([]mayday.Alert, error) {
	if err := mayday.ValidOptionalID("siteId", siteID); err != nil {
		return nil, err
	}
	return list(ctx, s, s.alerts, s.alertsAll, "", func(a *mayday.Alert) bool {
		return a.Live(now) && (siteID == "" || a.SiteID == siteID)
	})
}

func (s *Store) AddActivity(ctx context.Context, a mayday.Activity) error {
	if err := validActivityKey(a.AgentID, a.CallID); err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if s.history[a.AgentID] == nil {
		s.history[a.AgentID] = map[string]mayday.Activity{}
	}
	if _, ok := s.history[a.AgentID][a.CallID]; !ok {
		s.history[a.AgentID][a.CallID] = cloneActivity(a)
	}
	return nil
}

func (s *Store) ListActivities(ctx context.Context, agentID string) ([]mayday.Activity, error) {
	if err := validAgentID(agentID); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	out := make([]mayday.Activity, 0, len(s.history[agentID]))
	for _, a := range s.history[agentID] {
		out = append(out, cloneActivity(a))
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b mayday.Activity) int { return cmp.Compare(a.CallID, b.CallID) })
	return out, nil
}

// validActivityKey checks an activity's key: the agent's id and the call's.
func validActivityKey(agentID, callID string) error {
	for _, err := range []error{validAgentID(agentID), validCallID(callID)} {
		if err != nil {
			return fmt.Errorf("activity: %w", err)
		}
	}
	return nil
}

// ReadSetup reads the agent and the call at one instant; an absent one is its
// zero value with the id set and Version 0.
func (s *Store) ReadSetup(ctx context.Context, agentID, callID string) (mayday.Agent, mayday.Call, error) {
	var (
		a mayday.Agent
		c mayday.Call
	)
	if err := errors.Join(s.agents.valid(agentID, nil), s.calls.valid(callID, nil)); err != nil {
		return a, c, err
	}
	if err := s.rlock(ctx); err != nil {
		return a, c, err
	}
	ap, aok := s.agents.get(agentID)
	cp, cok := s.calls.get(callID)
	s.mu.RUnlock()
	if aok {
		a = s.agents.clone(ap)
	}
	if cok {
		c = s.calls.clone(cp)
	}
	a.ID, c.ID = agentID, callID
	return a, c, nil
}

// setupWrite is one item of WriteSetup: whether the stored item is still at
// the Version the write expects, the write itself, and the conflict flag to
// raise when it is not; holds and apply need the write lock.
type setupWrite struct {
	holds   func() bool
	apply   func()
	changed *bool
}

// setupWriteOf writes v (a fresh copy) under key if the stored item's
// Version is want (0: none stored).
func setupWriteOf[T any](t *table[T], key string, want int64, v *T, changed *bool) setupWrite {
	return setupWrite{
		holds: func() bool {
			cur, ok := t.get(key)
			if !ok {
				return want == 0
			}
			return want != 0 && *t.version(cur) == want
		},
		apply:   func() { t.put(key, v) },
		changed: changed,
	}
}

// WriteSetup checks every item's version and then writes them all, under
// one lock: all or none, as one DynamoDB transaction.
func (s *Store) WriteSetup(ctx context.Context, call mayday.Call, agent mayday.Agent, number *mayday.CallbackNumber, evs []mayday.OutboxEvent) (mayday.Call, mayday.Agent, *mayday.CallbackNumber, error) {
	fail := func(err error) (mayday.Call, mayday.Agent, *mayday.CallbackNumber, error) {
		return mayday.Call{}, mayday.Agent{}, nil, err
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	if err := s.calls.valid(call.ID, &call); err != nil {
		return fail(err)
	}
	if err := s.agents.valid(agent.ID, &agent); err != nil {
		return fail(err)
	}
	if number != nil {
		if err := s.numbers.valid(number.Number, number); err != nil {
			return fail(err)
		}
	}
	conflict := &mayday.SetupConflict{}
	c, a := call, agent
	c.Version, a.Version = call.Version+1, agent.Version+1
	sc, sa := s.calls.fresh(&c), s.agents.fresh(&a)
	writes := []setupWrite{
		setupWriteOf(s.calls, sc.ID, call.Version, sc, &conflict.Call),
		setupWriteOf(s.agents, sa.ID, agent.Version, sa, &conflict.Agent),
	}
	var sn *mayday.CallbackNumber
	if number != nil {
		n := *number
		n.Version = number.Version + 1
		sn = s.numbers.fresh(&n)
		writes = append(writes, setupWriteOf(s.numbers, sn.Number, number.Version, sn, &conflict.Number))
	}

	if err := s.lock(ctx); err != nil {
		return fail(err)
	}
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
		w.apply()
	}
	s.outbox.record(evs)
	s.mu.Unlock()

	// Hand back copies of what was stored, as every read does.
	wc, wa := s.calls.clone(sc), s.agents.clone(sa)
	var wn *mayday.CallbackNumber
	if sn != nil {
		n := s.numbers.clone(sn)
		wn = &n
	}
	return wc, wa, wn, nil
}
