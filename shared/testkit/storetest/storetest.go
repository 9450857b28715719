// Package storetest is the contract test suite of the mayday.Store port. Every
// adapter (embedded, DynamoDB) runs the same suite, so what the domain relies
// on is pinned down once:
//
//   - GetX of a missing key fails with mayday.ErrNotFound.
//   - UpdateX hands the closure the stored value, or the zero value with its
//     key set and Version 0; a nil return writes the value with Version
//     incremented and returns it; mayday.ErrNoChange writes nothing and
//     returns the stored value (zero value with key when missing) and no
//     error; any other error aborts the update, writes nothing and is
//     returned (errors.Is). The closure cannot change the key.
//   - Concurrent updates of one key are serialised: none is lost.
//   - Values round-trip: times compare Equal (location and monotonic reading
//     are not kept), pointers keep nil versus set, and a nil slice and an
//     empty slice are interchangeable (both read back with length 0).
//   - The pool queries (ListNumbers, LeasesHeldBy, LeasesExpiringBy),
//     DeleteNumber, UpdateNotification and the history keep the promises of
//     their doc comments. Pools exist for the supported countries
//     (mayday.SupportedCountries) only: ListNumbers("") lists those.
//   - Result order of the list methods is not part of the contract.
//
// Index queries may be eventually consistent in a real deployment; the suite
// expects read-your-writes, which the embedded store and DynamoDB Local give.
package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// Run runs the whole contract against the stores newStore makes; each
// subtest gets a fresh, empty store.
func Run(t *testing.T, newStore func(t *testing.T) mayday.Store) {
	t.Run("Update", func(t *testing.T) {
		for _, k := range kinds() {
			t.Run(k.name(), func(t *testing.T) { k.run(t, newStore) })
		}
	})
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, newStore) })
	t.Run("ConcurrentAgentUpdates", func(t *testing.T) { testConcurrentAgentUpdates(t, newStore) })
	t.Run("ConcurrentLeases", func(t *testing.T) { testConcurrentLeases(t, newStore) })
	t.Run("ListNumbers", func(t *testing.T) { testListNumbers(t, newStore) })
	t.Run("LeasesHeldBy", func(t *testing.T) { testLeasesHeldBy(t, newStore) })
	t.Run("LeasesExpiringBy", func(t *testing.T) { testLeasesExpiringBy(t, newStore) })
	t.Run("DeleteNumber", func(t *testing.T) { testDeleteNumber(t, newStore) })
	t.Run("AgentsInEmergencySince", func(t *testing.T) { testAgentsInEmergencySince(t, newStore) })
	t.Run("Notification", func(t *testing.T) { testNotification(t, newStore) })
	t.Run("History", func(t *testing.T) { testHistory(t, newStore) })
}

// base is the suite's "now": close to the wall clock (so that a real store's
// TTL never removes a test item), whole seconds plus a fraction that must
// survive the round trip.
var base = time.Now().UTC().Truncate(time.Second).Add(123456789 * time.Nanosecond)

var errAbort = errors.New("storetest: closure aborted")

// ---------------------------------------------------------------------------
// The Update* contract, once per kind of record.

// kind adapts one record type (agent, call, number, notification) to the
// generic Update subtests.
type kind[T any] struct {
	kindName string
	// get reads the stored value; nil when the port has no getter, in which
	// case peek uses an ErrNoChange update.
	get    func(ctx context.Context, s mayday.Store, key string) (T, error)
	update func(ctx context.Context, s mayday.Store, key string, fn func(*T) error) (T, error)
	key    func(*T) *string
	ver    func(*T) *int64
	// sample is a value with every field set, the key and Version left zero.
	sample func() T
	// change alters a value in a visible way.
	change func(*T)
}

type runner interface {
	name() string
	run(t *testing.T, newStore func(t *testing.T) mayday.Store)
}

func (k kind[T]) name() string { return k.kindName }

func kinds() []runner {
	return []runner{
		kind[mayday.Agent]{
			kindName: "Agent",
			get:      func(ctx context.Context, s mayday.Store, id string) (mayday.Agent, error) { return s.GetAgent(ctx, id) },
			update: func(ctx context.Context, s mayday.Store, id string, fn func(*mayday.Agent) error) (mayday.Agent, error) {
				return s.UpdateAgent(ctx, id, fn)
			},
			key:    func(a *mayday.Agent) *string { return &a.ID },
			ver:    func(a *mayday.Agent) *int64 { return &a.Version },
			sample: func() mayday.Agent { return sampleAgent("") },
			change: func(a *mayday.Agent) {
				a.Name += " (changed)"
				a.EmergencyContacts = append(a.EmergencyContacts, "new@example.com")
			},
		},
		kind[mayday.Call]{
			kindName: "Call",
			get:      func(ctx context.Context, s mayday.Store, id string) (mayday.Call, error) { return s.GetCall(ctx, id) },
			update: func(ctx context.Context, s mayday.Store, id string, fn func(*mayday.Call) error) (mayday.Call, error) {
				return s.UpdateCall(ctx, id, fn)
			},
			key:    func(c *mayday.Call) *string { return &c.ID },
			ver:    func(c *mayday.Call) *int64 { return &c.Version },
			sample: func() mayday.Call { return sampleCall("", true) },
			change: func(c *mayday.Call) { c.EndedAt = base.Add(5 * time.Minute) },
		},
		kind[mayday.CallbackNumber]{
			kindName: "Number",
			get: func(ctx context.Context, s mayday.Store, n string) (mayday.CallbackNumber, error) {
				return s.GetNumber(ctx, n)
			},
			update: func(ctx context.Context, s mayday.Store, n string, fn func(*mayday.CallbackNumber) error) (mayday.CallbackNumber, error) {
				return s.UpdateNumber(ctx, n, fn)
			},
			key: func(n *mayday.CallbackNumber) *string { return &n.Number },
			ver: func(n *mayday.CallbackNumber) *int64 { return &n.Version },
			sample: func() mayday.CallbackNumber {
				return sampleNumber("", "US", &mayday.Lease{AgentID: "a-1", CallID: "c-1", LeasedAt: base, ExpiresAt: base.Add(time.Hour)})
			},
			change: func(n *mayday.CallbackNumber) { n.Lease, n.ReleasedAt = nil, base.Add(time.Minute) },
		},
		kind[mayday.Notification]{
			kindName: "Notification",
			update: func(ctx context.Context, s mayday.Store, id string, fn func(*mayday.Notification) error) (mayday.Notification, error) {
				return s.UpdateNotification(ctx, id, fn)
			},
			key:    func(n *mayday.Notification) *string { return &n.CallID },
			ver:    func(n *mayday.Notification) *int64 { return &n.Version },
			sample: func() mayday.Notification { return sampleNotification("") },
			change: func(n *mayday.Notification) { n.Attempts++ },
		},
	}
}

// keyed is v with its key set.
func (k kind[T]) keyed(v T, key string) T {
	*k.key(&v) = key
	return v
}

// peek reads the stored value; ok is false when nothing is stored.
func (k kind[T]) peek(t *testing.T, s mayday.Store, key string) (v T, ok bool) {
	t.Helper()
	ctx := context.Background()
	if k.get != nil {
		v, err := k.get(ctx, s, key)
		if errors.Is(err, mayday.ErrNotFound) {
			return v, false
		}
		if err != nil {
			t.Fatalf("get %s: %v", key, err)
		}
		return v, true
	}
	v, err := k.update(ctx, s, key, func(*T) error { return mayday.ErrNoChange })
	if err != nil {
		t.Fatalf("peek %s: %v", key, err)
	}
	return v, *k.ver(&v) != 0
}

// put stores v under key (it must be missing) and returns what was written.
func (k kind[T]) put(t *testing.T, s mayday.Store, key string, v T) T {
	t.Helper()
	got, err := k.update(context.Background(), s, key, func(p *T) error {
		*p = k.keyed(v, key)
		return nil
	})
	if err != nil {
		t.Fatalf("create %s: %v", key, err)
	}
	return got
}

func (k kind[T]) run(t *testing.T, newStore func(t *testing.T) mayday.Store) {
	ctx := context.Background()
	const key = "k-1"

	if k.get != nil {
		t.Run("GetMissing", func(t *testing.T) {
			s := newStore(t)
			if _, err := k.get(ctx, s, key); !errors.Is(err, mayday.ErrNotFound) {
				t.Fatalf("get missing: err = %v, want ErrNotFound", err)
			}
		})
	}

	t.Run("Create", func(t *testing.T) {
		s := newStore(t)
		calls := 0
		got, err := k.update(ctx, s, key, func(p *T) error {
			calls++
			var zero T
			if d := diff(*p, k.keyed(zero, key)); d != "" {
				t.Errorf("closure got %+v, want the zero value with key %q and Version 0: %s", *p, key, d)
			}
			v := k.keyed(k.sample(), key)
			*k.ver(&v) = *k.ver(p)
			*p = v
			return nil
		})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if calls != 1 {
			t.Errorf("closure ran %d times with no concurrent writer, want 1", calls)
		}
		want := k.keyed(k.sample(), key)
		*k.ver(&want) = 1
		if d := diff(got, want); d != "" {
			t.Errorf("create returned %+v: %s", got, d)
		}
		stored, ok := k.peek(t, s, key)
		if !ok {
			t.Fatal("created value not stored")
		}
		if d := diff(stored, want); d != "" {
			t.Errorf("stored %+v: %s", stored, d)
		}
	})

	t.Run("UpdateExisting", func(t *testing.T) {
		s := newStore(t)
		first := k.put(t, s, key, k.sample())
		want := first
		k.change(&want)
		*k.ver(&want) = 2
		got, err := k.update(ctx, s, key, func(p *T) error {
			if d := diff(*p, first); d != "" {
				t.Errorf("closure got %+v, want the stored value: %s", *p, d)
			}
			k.change(p)
			return nil
		})
		if err != nil {
			t.Fatalf("update: %v", err)
		}
		if d := diff(got, want); d != "" {
			t.Errorf("update returned %+v: %s", got, d)
		}
		if stored, _ := k.peek(t, s, key); diff(stored, want) != "" {
			t.Errorf("stored %+v: %s", stored, diff(stored, want))
		}
	})

	t.Run("NoChangeMissing", func(t *testing.T) {
		s := newStore(t)
		got, err := k.update(ctx, s, key, func(p *T) error {
			*p = k.keyed(k.sample(), key) // changes made before ErrNoChange are dropped
			return fmt.Errorf("nothing to do: %w", mayday.ErrNoChange)
		})
		if err != nil {
			t.Fatalf("ErrNoChange on missing: err = %v, want nil", err)
		}
		var zero T
		if d := diff(got, k.keyed(zero, key)); d != "" {
			t.Errorf("ErrNoChange on missing returned %+v, want the zero value with key: %s", got, d)
		}
		if _, ok := k.peek(t, s, key); ok {
			t.Error("ErrNoChange on missing wrote a value")
		}
	})

	t.Run("NoChangeExisting", func(t *testing.T) {
		s := newStore(t)
		first := k.put(t, s, key, k.sample())
		got, err := k.update(ctx, s, key, func(p *T) error {
			k.change(p)
			return mayday.ErrNoChange
		})
		if err != nil {
			t.Fatalf("ErrNoChange: err = %v, want nil", err)
		}
		if d := diff(got, first); d != "" {
			t.Errorf("ErrNoChange returned %+v, want the stored value: %s", got, d)
		}
		if stored, _ := k.peek(t, s, key); diff(stored, first) != "" {
			t.Errorf("ErrNoChange wrote %+v: %s", stored, diff(stored, first))
		}
	})

	t.Run("AbortMissing", func(t *testing.T) {
		s := newStore(t)
		_, err := k.update(ctx, s, key, func(p *T) error {
			*p = k.keyed(k.sample(), key)
			return fmt.Errorf("wrapped: %w", errAbort)
		})
		if !errors.Is(err, errAbort) {
			t.Fatalf("abort on missing: err = %v, want the closure's error", err)
		}
		if _, ok := k.peek(t, s, key); ok {
			t.Error("aborted update on missing wrote a value")
		}
	})

	t.Run("AbortExisting", func(t *testing.T) {
		s := newStore(t)
		first := k.put(t, s, key, k.sample())
		_, err := k.update(ctx, s, key, func(p *T) error {
			k.change(p)
			return errAbort
		})
		if !errors.Is(err, errAbort) {
			t.Fatalf("abort: err = %v, want the closure's error", err)
		}
		if stored, _ := k.peek(t, s, key); diff(stored, first) != "" {
			t.Errorf("aborted update wrote %+v: %s", stored, diff(stored, first))
		}
	})

	t.Run("KeyIsFixed", func(t *testing.T) {
		s := newStore(t)
		for i := range 2 { // on create, then on update
			got, err := k.update(ctx, s, key, func(p *T) error {
				*k.key(p) = "other"
				k.change(p)
				return nil
			})
			if err != nil {
				t.Fatalf("update %d: %v", i, err)
			}
			if *k.key(&got) != key {
				t.Errorf("update %d returned key %q, want %q", i, *k.key(&got), key)
			}
			stored, ok := k.peek(t, s, key)
			if !ok || *k.key(&stored) != key || *k.ver(&stored) != int64(i+1) {
				t.Errorf("update %d: stored under %q: %+v (found %v), want key %q, Version %d", i, key, stored, ok, key, i+1)
			}
			if _, ok := k.peek(t, s, "other"); ok {
				t.Errorf("update %d: the closure moved the value to another key", i)
			}
		}
	})

	t.Run("VersionCounts", func(t *testing.T) {
		s := newStore(t)
		for i := 1; i <= 3; i++ {
			got, err := k.update(ctx, s, key, func(p *T) error {
				if *k.ver(p) != int64(i-1) {
					t.Errorf("update %d: closure saw Version %d, want %d", i, *k.ver(p), i-1)
				}
				k.change(p)
				return nil
			})
			if err != nil {
				t.Fatalf("update %d: %v", i, err)
			}
			if *k.ver(&got) != int64(i) {
				t.Errorf("update %d returned Version %d, want %d", i, *k.ver(&got), i)
			}
		}
	})
}

// ---------------------------------------------------------------------------
// Samples.

var zone = time.FixedZone("UTC-5", -5*3600)

func sampleAgent(id string) mayday.Agent {
	return mayday.Agent{
		ID:                   id,
		Name:                 "Ada Agent",
		Email:                "ada@example.com",
		Presence:             mayday.DoNotDisturb,
		Country:              "US",
		EmergencyContacts:    []string{"sup@example.com", "desk@example.com"},
		MailboxEnabled:       true,
		OutboundVoiceProfile: true,
		BrowserLocation:      true,
		NumberType:           mayday.NumberDirectRouting,
		DirectRoutingRules:   []string{`^\+1`, "911"},
		Emergency: mayday.EmergencyState{
			Active: []mayday.ActiveCall{
				{CallID: "c-1", Kind: mayday.KindOutbound, StartedAt: base.In(zone)},
				{CallID: "c-2", Kind: mayday.KindCallback, StartedAt: base.Add(time.Minute)},
			},
			SavedPresence: mayday.Busy,
			Ended:         []string{"c-0"},
			Since:         base,
		},
		UpdatedAt: base.Add(time.Second),
	}
}

func sampleCall(id string, routed bool) mayday.Call {
	c := mayday.Call{
		ID:        id,
		Kind:      mayday.KindCallback,
		AgentID:   "a-1",
		From:      "+14255550199",
		To:        "+14255550001",
		Country:   "US",
		Location:  "Building 4, floor 2",
		Number:    "911",
		StartedAt: base,
		ExpiresAt: base.Add(7 * 24 * time.Hour),
	}
	if routed {
		r := mayday.ToAgent("a-1")
		c.Route = &r
	}
	return c
}

func sampleNumber(number, country string, l *mayday.Lease) mayday.CallbackNumber {
	return mayday.CallbackNumber{
		Number:     number,
		Country:    country,
		Lease:      l,
		ReleasedAt: base.Add(-time.Hour),
		AddedAt:    base.Add(-24 * time.Hour),
	}
}

func sampleNotification(callID string) mayday.Notification {
	return mayday.Notification{
		CallID:    callID,
		Status:    mayday.NotificationSent,
		ClaimedAt: base,
		SentAt:    base.Add(2 * time.Second),
		Attempts:  2,
		ExpiresAt: base.Add(7 * 24 * time.Hour),
	}
}

// ---------------------------------------------------------------------------
// Round trips of values whose shape varies: nil versus set pointers, nil,
// empty and full slices, zero times.

func testRoundTrip(t *testing.T, newStore func(t *testing.T) mayday.Store) {
	ctx := context.Background()

	agents := map[string]func(*mayday.Agent){
		"full":        func(*mayday.Agent) {},
		"nilContacts": func(a *mayday.Agent) { a.EmergencyContacts, a.DirectRoutingRules = nil, nil },
		"emptyContacts": func(a *mayday.Agent) {
			a.EmergencyContacts, a.DirectRoutingRules = []string{}, []string{}
			a.Emergency.Active, a.Emergency.Ended = []mayday.ActiveCall{}, []string{}
		},
		"noEmergency": func(a *mayday.Agent) { a.Emergency = mayday.EmergencyState{}; a.Presence = mayday.Available },
		"zeroTimes":   func(a *mayday.Agent) { a.UpdatedAt = time.Time{}; a.Emergency.Since = time.Time{} },
		"emptyStrings": func(a *mayday.Agent) {
			a.Name, a.Email, a.Country, a.NumberType = "", "", "", ""
			a.EmergencyContacts = []string{""}
		},
	}
	calls := map[string]mayday.Call{
		"routed":    sampleCall("", true),
		"notRouted": sampleCall("", false),
		"fallback": func() mayday.Call {
			c := sampleCall("", false)
			r := mayday.ToFallback("+14255550999")
			c.Route = &r
			return c
		}(),
		"ended":          func() mayday.Call { c := sampleCall("", false); c.EndedAt = base.Add(time.Hour); return c }(),
		"endedBeforeNew": {EndedAt: base, ExpiresAt: base.Add(time.Hour)},
	}
	numbers := map[string]mayday.CallbackNumber{
		"leased":      sampleNumber("", "GB", &mayday.Lease{AgentID: "a-1", CallID: "c-1", LeasedAt: base.In(zone), ExpiresAt: base.Add(time.Hour)}),
		"free":        sampleNumber("", "GB", nil),
		"neverLeased": {Country: "DK", AddedAt: base},
	}

	t.Run("Agent", func(t *testing.T) {
		s := newStore(t)
		for name, mod := range agents {
			want := sampleAgent(name)
			mod(&want)
			checkRoundTrip(t, name, want, func(a *mayday.Agent) *int64 { return &a.Version },
				func(fn func(*mayday.Agent) error) (mayday.Agent, error) { return s.UpdateAgent(ctx, name, fn) },
				func() (mayday.Agent, error) { return s.GetAgent(ctx, name) })
		}
	})
	t.Run("Call", func(t *testing.T) {
		s := newStore(t)
		for name, want := range calls {
			want.ID = name
			checkRoundTrip(t, name, want, func(c *mayday.Call) *int64 { return &c.Version },
				func(fn func(*mayday.Call) error) (mayday.Call, error) { return s.UpdateCall(ctx, name, fn) },
				func() (mayday.Call, error) { return s.GetCall(ctx, name) })
			if got, err := s.GetCall(ctx, name); err == nil && (got.Route == nil) != (want.Route == nil) {
				t.Errorf("%s: Route nil = %v, want %v", name, got.Route == nil, want.Route == nil)
			}
		}
	})
	t.Run("Number", func(t *testing.T) {
		s := newStore(t)
		i := 0
		for name, want := range numbers {
			i++
			num := fmt.Sprintf("+4420794600%02d", i)
			want.Number = num
			checkRoundTrip(t, name, want, func(n *mayday.CallbackNumber) *int64 { return &n.Version },
				func(fn func(*mayday.CallbackNumber) error) (mayday.CallbackNumber, error) {
					return s.UpdateNumber(ctx, num, fn)
				},
				func() (mayday.CallbackNumber, error) { return s.GetNumber(ctx, num) })
			if got, err := s.GetNumber(ctx, num); err == nil && (got.Lease == nil) != (want.Lease == nil) {
				t.Errorf("%s: Lease nil = %v, want %v", name, got.Lease == nil, want.Lease == nil)
			}
		}
	})
	t.Run("Notification", func(t *testing.T) {
		s := newStore(t)
		for name, want := range map[string]mayday.Notification{
			"sent":    sampleNotification(""),
			"sending": {Status: mayday.NotificationSending, ClaimedAt: base, Attempts: 1, ExpiresAt: base.Add(time.Hour)},
		} {
			want.CallID = name
			checkRoundTrip(t, name, want, func(n *mayday.Notification) *int64 { return &n.Version },
				func(fn func(*mayday.Notification) error) (mayday.Notification, error) {
					return s.UpdateNotification(ctx, name, fn)
				},
				func() (mayday.Notification, error) {
					return s.UpdateNotification(ctx, name, func(*mayday.Notification) error { return mayday.ErrNoChange })
				})
		}
	})
}

// checkRoundTrip writes want (Version 0, key set) and reads it back both from
// the update's result and from the store.
func checkRoundTrip[T any](t *testing.T, name string, want T, ver func(*T) *int64,
	update func(func(*T) error) (T, error), get func() (T, error)) {
	t.Helper()
	got, err := update(func(p *T) error { *p = want; return nil })
	if err != nil {
		t.Errorf("%s: write: %v", name, err)
		return
	}
	*ver(&want) = 1
	if d := diff(got, want); d != "" {
		t.Errorf("%s: update returned %+v: %s", name, got, d)
	}
	got, err = get()
	if err != nil {
		t.Errorf("%s: read: %v", name, err)
		return
	}
	if d := diff(got, want); d != "" {
		t.Errorf("%s: read back %+v: %s", name, got, d)
	}
}

// ---------------------------------------------------------------------------
// Concurrency.

func testConcurrentAgentUpdates(t *testing.T, newStore func(t *testing.T) mayday.Store) {
	const n = 20
	ctx := context.Background()
	s := newStore(t)
	if _, err := s.UpdateAgent(ctx, "a-1", func(a *mayday.Agent) error { a.Name = "Ada"; return nil }); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			contact := fmt.Sprintf("c%02d@example.com", i)
			_, err := s.UpdateAgent(ctx, "a-1", func(a *mayday.Agent) error {
				a.EmergencyContacts = append(a.EmergencyContacts, contact)
				return nil
			})
			if err != nil {
				errs <- fmt.Errorf("writer %d: %w", i, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	a, err := s.GetAgent(ctx, "a-1")
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Sorted(slices.Values(a.EmergencyContacts))
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprintf("c%02d@example.com", i)
	}
	if !slices.Equal(got, want) {
		t.Errorf("after %d concurrent appends the contacts are %v (%d), want all %d: an update was lost or doubled", n, got, len(got), n)
	}
	if a.Version != n+1 {
		t.Errorf("Version = %d, want %d", a.Version, n+1)
	}
	if a.Name != "Ada" {
		t.Errorf("Name = %q, want it kept", a.Name)
	}
}

var errTaken = errors.New("storetest: number has a live lease")

func testConcurrentLeases(t *testing.T, newStore func(t *testing.T) mayday.Store) {
	const pool, dialers = 5, 20
	ctx := context.Background()
	s := newStore(t)
	var numbers []string
	for i := range pool {
		num := fmt.Sprintf("+142555500%02d", i)
		numbers = append(numbers, num)
		if _, err := s.UpdateNumber(ctx, num, func(n *mayday.CallbackNumber) error {
			n.Country, n.AddedAt = "US", base
			if i%2 == 0 { // an expired lease does not hold the number
				n.Lease = &mayday.Lease{AgentID: "old", CallID: "old", LeasedAt: base.Add(-2 * time.Hour), ExpiresAt: base.Add(-time.Hour)}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}

	type grant struct{ number, agent string }
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		grants []grant
	)
	for i := range dialers {
		agent := fmt.Sprintf("a-%02d", i)
		wg.Go(func() {
			listed, err := s.ListNumbers(ctx, "US")
			if err != nil {
				t.Errorf("%s: list: %v", agent, err)
				return
			}
			if len(listed) != pool {
				t.Errorf("%s: listed %d numbers, want %d", agent, len(listed), pool)
			}
			for j := range listed { // start at different numbers to mix the races
				num := listed[(i+j)%len(listed)].Number
				_, err := s.UpdateNumber(ctx, num, func(n *mayday.CallbackNumber) error {
					if _, live := n.LiveLease(base); live {
						return fmt.Errorf("%s: %w", n.Number, errTaken)
					}
					n.Lease = &mayday.Lease{AgentID: agent, CallID: "call-" + agent, LeasedAt: base, ExpiresAt: base.Add(time.Hour)}
					return nil
				})
				switch {
				case err == nil:
					mu.Lock()
					grants = append(grants, grant{num, agent})
					mu.Unlock()
					return
				case !errors.Is(err, errTaken):
					t.Errorf("%s: lease %s: %v", agent, num, err)
					return
				}
			}
		})
	}
	wg.Wait()

	if len(grants) != pool {
		t.Errorf("%d dialers got a number, want exactly %d (the pool size): %v", len(grants), pool, grants)
	}
	held := map[string]string{}
	for _, g := range grants {
		if other, ok := held[g.number]; ok {
			t.Errorf("number %s leased twice: to %s and %s", g.number, other, g.agent)
		}
		held[g.number] = g.agent
	}
	for _, num := range numbers {
		n, err := s.GetNumber(ctx, num)
		if err != nil {
			t.Fatal(err)
		}
		if n.Lease == nil || n.Lease.AgentID != held[num] {
			t.Errorf("number %s: stored lease %+v, want the one granted to %q", num, n.Lease, held[num])
		}
		if n.Version != 2 {
			t.Errorf("number %s: Version %d, want 2 (created, leased once)", num, n.Version)
		}
	}
}

// ---------------------------------------------------------------------------
// Pool queries.

// addNumbers stores the numbers, keyed by number.
func addNumbers(t *testing.T, s mayday.Store, ns ...mayday.CallbackNumber) map[string]mayday.CallbackNumber {
	t.Helper()
	out := map[string]mayday.CallbackNumber{}
	for _, n := range ns {
		got, err := s.UpdateNumber(context.Background(), n.Number, func(p *mayday.CallbackNumber) error {
			*p = n
			return nil
		})
		if err != nil {
			t.Fatalf("add %s: %v", n.Number, err)
		}
		out[n.Number] = got
	}
	return out
}

// checkNumbers compares a listing with the stored values of want, ignoring
// order.
func checkNumbers(t *testing.T, what string, got []mayday.CallbackNumber, err error, stored map[string]mayday.CallbackNumber, want ...string) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	got = slices.Clone(got)
	slices.SortFunc(got, func(a, b mayday.CallbackNumber) int { return cmp.Compare(a.Number, b.Number) })
	var gotNums []string
	for _, n := range got {
		gotNums = append(gotNums, n.Number)
	}
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(gotNums, want) {
		t.Errorf("%s = %v, want %v", what, gotNums, want)
		return
	}
	for _, n := range got {
		if d := diff(n, stored[n.Number]); d != "" {
			t.Errorf("%s: %s listed as %+v, stored as %+v: %s", what, n.Number, n, stored[n.Number], d)
		}
	}
}

func lease(agent string, expires time.Time) *mayday.Lease {
	return &mayday.Lease{AgentID: agent, CallID: "call-" + agent, LeasedAt: expires.Add(-time.Hour), ExpiresAt: expires}
}

func testListNumbers(t *testing.T, newStore func(t *testing.T) mayday.Store) {
	ctx := context.Background()
	s := newStore(t)
	if got, err := s.ListNumbers(ctx, ""); err != nil || len(got) != 0 {
		t.Errorf(`ListNumbers("") on an empty store = %v, %v; want none`, got, err)
	}
	stored := addNumbers(t, s,
		sampleNumber("+14255550001", "US", nil),
		sampleNumber("+14255550002", "US", lease("a-1", base.Add(time.Hour))),
		sampleNumber("+442079460001", "GB", nil),
		sampleNumber("+442079460002", "GB", lease("a-2", base.Add(-time.Hour))),
		sampleNumber("+4533000001", "DK", nil),
		sampleNumber("+17875550001", "PR", nil),
	)
	for _, tc := range []struct {
		country string
		want    []string
	}{
		{"US", []string{"+14255550001", "+14255550002"}},
		{"GB", []string{"+442079460001", "+442079460002"}},
		{"DK", []string{"+4533000001"}},
		{"PR", []string{"+17875550001"}},
		{"CA", nil},
		{"", []string{"+14255550001", "+14255550002", "+442079460001", "+442079460002", "+4533000001", "+17875550001"}},
	} {
		got, err := s.ListNumbers(ctx, tc.country)
		checkNumbers(t, fmt.Sprintf("ListNumbers(%q)", tc.country), got, err, stored, tc.want...)
	}
	// A number's listing follows its updates.
	up, err := s.UpdateNumber(ctx, "+14255550001", func(n *mayday.CallbackNumber) error {
		n.Lease = lease("a-3", base.Add(time.Hour))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stored[up.Number] = up
	got, err := s.ListNumbers(ctx, "US")
	checkNumbers(t, `ListNumbers("US") after a lease`, got, err, stored, "+14255550001", "+14255550002")
}

func testLeasesHeldBy(t *testing.T, newStore func(t *testing.T) mayday.Store) {
	ctx := context.Background()
	s := newStore(t)
	stored := addNumbers(t, s,
		sampleNumber("+14255550001", "US", lease("a-1", base.Add(time.Hour))),  // live
		sampleNumber("+14255550002", "US", lease("a-1", base.Add(-time.Hour))), // expired, not yet released
		sampleNumber("+442079460001", "GB", lease("a-1", base.Add(time.Minute))),
		sampleNumber("+14255550003", "US", lease("a-2", base.Add(time.Hour))),
		sampleNumber("+14255550004", "US", nil),
		sampleNumber("+14255550005", "US", lease("a-1", base.Add(-2*time.Hour))), // released below
	)
	released, err := s.UpdateNumber(ctx, "+14255550005", func(n *mayday.CallbackNumber) error {
		if _, ok := n.Release(base); !ok {
			t.Error("expected an expired lease to release")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stored[released.Number] = released

	for _, tc := range []struct {
		agent string
		want  []string
	}{
		{"a-1", []string{"+14255550001", "+14255550002", "+442079460001"}},
		{"a-2", []string{"+14255550003"}},
		{"a-3", nil},
		{"", nil},
	} {
		got, err := s.LeasesHeldBy(ctx, tc.agent)
		checkNumbers(t, fmt.Sprintf("LeasesHeldBy(%q)", tc.agent), got, err, stored, tc.want...)
	}

	// A takeover moves the lease to the new holder; a renewal keeps it.
	moved, err := s.UpdateNumber(ctx, "+14255550002", func(n *mayday.CallbackNumber) error {
		n.Lease = lease("a-2", base.Add(time.Hour))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stored[moved.Number] = moved
	renewed, err := s.UpdateNumber(ctx, "+14255550001", func(n *mayday.CallbackNumber) error {
		n.Lease.ExpiresAt = base.Add(2 * time.Hour)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stored[renewed.Number] = renewed
	got, err := s.LeasesHeldBy(ctx, "a-1")
	checkNumbers(t, "LeasesHeldBy(a-1) after a takeover", got, err, stored, "+14255550001", "+442079460001")
	got, err = s.LeasesHeldBy(ctx, "a-2")
	checkNumbers(t, "LeasesHeldBy(a-2) after a takeover", got, err, stored, "+14255550002", "+14255550003")
}

func testLeasesExpiringBy(t *testing.T, newStore func(t *testing.T) mayday.Store) {
	ctx := context.Background()
	s := newStore(t)
	// at has a fraction of a second, so a store that indexes whole seconds
	// must still compare exactly.
	at := base.Truncate(time.Second).Add(200 * time.Millisecond)
	stored := addNumbers(t, s,
		sampleNumber("+14255550001", "US", lease("a-1", at.Add(-time.Hour))),
		sampleNumber("+14255550002", "US", lease("a-2", at.Add(-100*time.Millisecond))),
		sampleNumber("+442079460001", "GB", lease("a-3", at.In(zone))),                 // exactly at: ends at or before
		sampleNumber("+14255550003", "US", lease("a-4", at.Add(300*time.Millisecond))), // same second, later
		sampleNumber("+14255550004", "US", lease("a-5", at.Add(time.Second))),
		sampleNumber("+14255550005", "US", lease("a-6", at.Add(time.Hour))),
		sampleNumber("+14255550006", "US", nil),
		sampleNumber("+4533000001", "DK", lease("a-7", at.Add(-48*time.Hour))), // released below
	)
	released, err := s.UpdateNumber(ctx, "+4533000001", func(n *mayday.CallbackNumber) error {
		n.Release(at)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stored[released.Number] = released

	for _, tc := range []struct {
		name string
		t    time.Time
		want []string
	}{
		{"at", at, []string{"+14255550001", "+14255550002", "+442079460001"}},
		{"atOtherZone", at.In(zone), []string{"+14255550001", "+14255550002", "+442079460001"}},
		{"justBefore", at.Add(-time.Nanosecond), []string{"+14255550001", "+14255550002"}},
		{"secondLater", at.Add(time.Second), []string{"+14255550001", "+14255550002", "+442079460001", "+14255550003", "+14255550004"}},
		{"longAgo", at.Add(-72 * time.Hour), nil},
		{"farAhead", at.Add(24 * time.Hour), []string{"+14255550001", "+14255550002", "+442079460001", "+14255550003", "+14255550004", "+14255550005"}},
	} {
		got, err := s.LeasesExpiringBy(ctx, tc.t)
		checkNumbers(t, "LeasesExpiringBy "+tc.name, got, err, stored, tc.want...)
	}

	// Renewing takes a number off the due list; releasing does too.
	if _, err := s.UpdateNumber(ctx, "+14255550001", func(n *mayday.CallbackNumber) error {
		n.Lease.ExpiresAt = at.Add(time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	rel, err := s.UpdateNumber(ctx, "+14255550002", func(n *mayday.CallbackNumber) error {
		n.Release(at)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stored[rel.Number] = rel
	got, err := s.LeasesExpiringBy(ctx, at)
	checkNumbers(t, "LeasesExpiringBy after renew and release", got, err, stored, "+442079460001")
}

func testDeleteNumber(t *testing.T, newStore func(t *testing.T) mayday.Store) {
	ctx := context.Background()
	s := newStore(t)
	stored := addNumbers(t, s,
		sampleNumber("+14255550001", "US", lease("a-1", base.Add(time.Hour))),
		sampleNumber("+14255550002", "US", nil),
	)
	const num = "+14255550001"

	t.Run("CheckRefuses", func(t *testing.T) {
		var seen mayday.CallbackNumber
		err := s.DeleteNumber(ctx, num, func(n mayday.CallbackNumber) error {
			seen = n
			return fmt.Errorf("leased: %w", errAbort)
		})
		if !errors.Is(err, errAbort) {
			t.Fatalf("err = %v, want the check's error", err)
		}
		if d := diff(seen, stored[num]); d != "" {
			t.Errorf("check saw %+v, want the stored value: %s", seen, d)
		}
		got, err := s.GetNumber(ctx, num)
		if err != nil {
			t.Fatalf("refused delete removed the number: %v", err)
		}
		if d := diff(got, stored[num]); d != "" {
			t.Errorf("refused delete changed the number: %s", d)
		}
	})
	t.Run("CheckAllows", func(t *testing.T) {
		if err := s.DeleteNumber(ctx, num, func(mayday.CallbackNumber) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetNumber(ctx, num); !errors.Is(err, mayday.ErrNotFound) {
			t.Errorf("after delete: err = %v, want ErrNotFound", err)
		}
		got, err := s.ListNumbers(ctx, "US")
		checkNumbers(t, "ListNumbers after delete", got, err, stored, "+14255550002")
		got, err = s.ListNumbers(ctx, "")
		checkNumbers(t, `ListNumbers("") after delete`, got, err, stored, "+14255550002")
		got, err = s.LeasesHeldBy(ctx, "a-1")
		checkNumbers(t, "LeasesHeldBy after delete", got, err, stored)
		got, err = s.LeasesExpiringBy(ctx, base.Add(24*time.Hour))
		checkNumbers(t, "LeasesExpiringBy after delete", got, err, stored)
	})
	t.Run("Missing", func(t *testing.T) {
		called := false
		err := s.DeleteNumber(ctx, "+19995550000", func(mayday.CallbackNumber) error { called = true; return nil })
		if !errors.Is(err, mayday.ErrNotFound) {
			t.Errorf("delete missing: err = %v, want ErrNotFound", err)
		}
		if called {
			t.Error("delete missing ran the check")
		}
	})
	t.Run("ReAdd", func(t *testing.T) {
		n, err := s.UpdateNumber(ctx, num, func(n *mayday.CallbackNumber) error {
			if n.Version != 0 || n.Lease != nil || n.Country != "" {
				t.Errorf("a deleted number came back as %+v", *n)
			}
			n.Country = "US"
			return nil
		})
		if err != nil || n.Version != 1 {
			t.Errorf("re-add: %+v, %v; want Version 1", n, err)
		}
	})
}

// ---------------------------------------------------------------------------
// Notifications.

func testNotification(t *testing.T, newStore func(t *testing.T) mayday.Store) {
	ctx := context.Background()
	s := newStore(t)
	claim := func(at time.Time) func(*mayday.Notification) error {
		return func(n *mayday.Notification) error { return n.Claim(at) }
	}

	n, err := s.UpdateNotification(ctx, "c-1", claim(base))
	if err != nil {
		t.Fatalf("first claim: %v", err)
	}
	if n.CallID != "c-1" || n.Status != mayday.NotificationSending || n.Attempts != 1 || n.Version != 1 || !n.ClaimedAt.Equal(base) {
		t.Errorf("first claim = %+v", n)
	}

	// A second sender within the claim timeout is refused; nothing changes.
	if _, err := s.UpdateNotification(ctx, "c-1", claim(base.Add(10*time.Second))); !errors.Is(err, mayday.ErrConflict) {
		t.Errorf("claim while claimed: err = %v, want ErrConflict", err)
	}
	// After the timeout a retry may send.
	n, err = s.UpdateNotification(ctx, "c-1", claim(base.Add(2*time.Minute)))
	if err != nil || n.Attempts != 2 || n.Version != 2 {
		t.Errorf("claim after timeout = %+v, %v; want Attempts 2, Version 2", n, err)
	}
	sent, err := s.UpdateNotification(ctx, "c-1", func(n *mayday.Notification) error {
		n.Status, n.SentAt = mayday.NotificationSent, base.Add(2*time.Minute+time.Second)
		return nil
	})
	if err != nil || sent.Version != 3 {
		t.Fatalf("mark sent = %+v, %v", sent, err)
	}
	// Once sent, a claim is "no change": the stored value, no error.
	n, err = s.UpdateNotification(ctx, "c-1", claim(base.Add(time.Hour)))
	if err != nil {
		t.Errorf("claim after sent: err = %v, want nil (ErrNoChange)", err)
	}
	if d := diff(n, sent); d != "" {
		t.Errorf("claim after sent returned %+v, want the stored value: %s", n, d)
	}
	// Other calls' notifications are separate.
	if n, err := s.UpdateNotification(ctx, "c-2", claim(base)); err != nil || n.Version != 1 || n.Attempts != 1 {
		t.Errorf("claim of another call = %+v, %v", n, err)
	}

	t.Run("ConcurrentClaims", func(t *testing.T) {
		const senders = 10
		var (
			wg        sync.WaitGroup
			mu        sync.Mutex
			won, lost int
		)
		for range senders {
			wg.Go(func() {
				_, err := s.UpdateNotification(ctx, "c-3", claim(base))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
				case errors.Is(err, mayday.ErrConflict):
					lost++
				default:
					t.Errorf("claim: %v", err)
				}
			})
		}
		wg.Wait()
		if won != 1 || lost != senders-1 {
			t.Errorf("%d claims won, %d refused; want exactly 1 winner of %d", won, lost, senders)
		}
	})
}

// ---------------------------------------------------------------------------
// Call history.

func testHistory(t *testing.T, newStore func(t *testing.T) mayday.Store) {
	ctx := context.Background()
	s := newStore(t)
	if got, err := s.ListActivities(ctx, "a-1"); err != nil || len(got) != 0 {
		t.Errorf("ListActivities on an empty store = %v, %v; want none", got, err)
	}
	acts := []mayday.Activity{
		{AgentID: "a-1", CallID: "c-1", Direction: "outbound", From: "+14255550100", To: "+14255550123", StartedAt: base, EndedAt: base.Add(time.Minute)},
		{AgentID: "a-1", CallID: "c-2", Direction: "inbound", EndedAt: base.Add(time.Hour).In(zone)}, // start unknown
		{AgentID: "a-2", CallID: "c-1", Direction: "outbound", EndedAt: base},
	}
	for _, a := range acts {
		if err := s.AddActivity(ctx, a); err != nil {
			t.Fatalf("add %+v: %v", a, err)
		}
	}
	// Adding (AgentID, CallID) again keeps the first record, without error.
	dup := acts[0]
	dup.Direction, dup.To, dup.EndedAt = "inbound", "+19999999999", base.Add(time.Hour)
	if err := s.AddActivity(ctx, dup); err != nil {
		t.Errorf("repeated add: %v, want nil", err)
	}
	if err := s.AddActivity(ctx, acts[0]); err != nil {
		t.Errorf("identical repeated add: %v, want nil", err)
	}

	for _, tc := range []struct {
		agent string
		want  []mayday.Activity
	}{
		{"a-1", acts[:2]},
		{"a-2", acts[2:]},
		{"a-3", nil},
	} {
		got, err := s.ListActivities(ctx, tc.agent)
		if err != nil {
			t.Errorf("ListActivities(%s): %v", tc.agent, err)
			continue
		}
		got = slices.Clone(got)
		slices.SortFunc(got, func(a, b mayday.Activity) int { return cmp.Compare(a.CallID, b.CallID) })
		if d := diff(got, tc.want); d != "" {
			t.Errorf("ListActivities(%s) = %+v: %s", tc.agent, got, d)
		}
	}

	t.Run("ConcurrentAdds", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Go(func() {
				a := mayday.Activity{AgentID: "a-9", CallID: "c-9", Direction: fmt.Sprint(i), EndedAt: base}
				if err := s.AddActivity(ctx, a); err != nil {
					t.Errorf("add %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		got, err := s.ListActivities(ctx, "a-9")
		if err != nil || len(got) != 1 {
			t.Errorf("after concurrent adds of one activity: %+v, %v; want exactly one", got, err)
		}
	})
}

// ---------------------------------------------------------------------------
// Comparison.

var timeType = reflect.TypeFor[time.Time]()

// diff describes the first difference between a and b, or returns "". Times
// compare with Equal; a nil slice equals an empty one; pointers must agree on
// nil before their targets are compared.
func diff(a, b any) string {
	return diffValue("", reflect.ValueOf(a), reflect.ValueOf(b))
}

func diffValue(path string, a, b reflect.Value) string {
	if a.Type() != b.Type() {
		return fmt.Sprintf("%s: type %s != %s", path, a.Type(), b.Type())
	}
	if a.Type() == timeType {
		ta, tb := a.Interface().(time.Time), b.Interface().(time.Time)
		if !ta.Equal(tb) {
			return fmt.Sprintf("%s: %s != %s", path, ta.Format(time.RFC3339Nano), tb.Format(time.RFC3339Nano))
		}
		return ""
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return fmt.Sprintf("%s: nil = %v, want nil = %v", path, a.IsNil(), b.IsNil())
			}
			return ""
		}
		return diffValue(path, a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			f := a.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if d := diffValue(path+"."+f.Name, a.Field(i), b.Field(i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: len %d != %d (%v vs %v)", path, a.Len(), b.Len(), a, b)
		}
		for i := range a.Len() {
			if d := diffValue(fmt.Sprintf("%s[%d]", path, i), a.Index(i), b.Index(i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Map:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: len %d != %d", path, a.Len(), b.Len())
		}
		for _, k := range a.MapKeys() {
			bv := b.MapIndex(k)
			if !bv.IsValid() {
				return fmt.Sprintf("%s[%v]: missing", path, k)
			}
			if d := diffValue(fmt.Sprintf("%s[%v]", path, k), a.MapIndex(k), bv); d != "" {
				return d
			}
		}
		return ""
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return fmt.Sprintf("%s: nil = %v, want nil = %v", path, a.IsNil(), b.IsNil())
			}
			return ""
		}
		return diffValue(path, a.Elem(), b.Elem())
	default:
		if !a.Equal(b) {
			return fmt.Sprintf("%s: %v != %v", path, a, b)
		}
		return ""
	}
}

func testAgentsInEmergencySince(t *testing.T, newStore func(t *testing.T) mayday.Store) {
	ctx := context.Background()
	s := newStore(t)
	at := base.Truncate(time.Second).Add(200 * time.Millisecond)
	begin := func(id, call string, since time.Time) {
		t.Helper()
		if _, err := s.UpdateAgent(ctx, id, func(a *mayday.Agent) error {
			a.Presence = mayday.Busy
			a.BeginEmergency(call, mayday.KindOutbound, since)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	begin("old", "c-1", at.Add(-time.Hour))
	begin("exact", "c-2", at.In(zone))
	begin("sameSecondLater", "c-3", at.Add(300*time.Millisecond))
	begin("recent", "c-4", at.Add(time.Hour))
	begin("ended", "c-5", at.Add(-2*time.Hour))
	if _, err := s.UpdateAgent(ctx, "ended", func(a *mayday.Agent) error { a.EndEmergency("c-5"); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateAgent(ctx, "calm", func(a *mayday.Agent) error { a.Presence = mayday.Available; return nil }); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		t    time.Time
		want []string
	}{
		{"at", at, []string{"exact", "old"}},
		{"justBefore", at.Add(-time.Nanosecond), []string{"old"}},
		{"farAhead", at.Add(24 * time.Hour), []string{"exact", "old", "recent", "sameSecondLater"}},
		{"longAgo", at.Add(-72 * time.Hour), nil},
	} {
		got, err := s.AgentsInEmergencySince(ctx, tc.t)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var ids []string
		for _, a := range got {
			if !a.InEmergency() {
				t.Errorf("%s: agent %s is not in an emergency", tc.name, a.ID)
			}
			ids = append(ids, a.ID)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, tc.want) {
			t.Errorf("AgentsInEmergencySince %s = %q, want %q", tc.name, ids, tc.want)
		}
	}
}
