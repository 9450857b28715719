package inmem

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// calls runs every store method with ctx, each returning its error.
func calls(s *Store, ctx context.Context) map[string]func() error {
	none := func(*mayday.CallbackNumber) error { return nil }
	err := func(_ any, err error) error { return err }
	return map[string]func() error{
		"GetAgent":    func() error { return err(s.GetAgent(ctx, "a-1")) },
		"UpdateAgent": func() error { return err(s.UpdateAgent(ctx, "a-1", func(*mayday.Agent) error { return nil })) },
		"AgentsInEmergencySince": func() error {
			return err(s.AgentsInEmergencySince(ctx, time.Now()))
		},
		"AgentsAtSite": func() error { return err(s.AgentsAtSite(ctx, "site-1")) },
		"GetCall":      func() error { return err(s.GetCall(ctx, "c-1")) },
		"UpdateCall":   func() error { return err(s.UpdateCall(ctx, "c-1", func(*mayday.Call) error { return nil })) },
		"GetNumber":    func() error { return err(s.GetNumber(ctx, "+14255550001")) },
		"UpdateNumber": func() error { return err(s.UpdateNumber(ctx, "+14255550001", none)) },
		"DeleteNumber": func() error {
			return s.DeleteNumber(ctx, "+14255550001", func(mayday.CallbackNumber) error { return nil })
		},
		"ListNumbers":      func() error { return err(s.ListNumbers(ctx, "US")) },
		"ListAllNumbers":   func() error { return err(s.ListNumbers(ctx, "")) },
		"LeasesHeldBy":     func() error { return err(s.LeasesHeldBy(ctx, "a-1")) },
		"LeasesExpiringBy": func() error { return err(s.LeasesExpiringBy(ctx, time.Now())) },
		"GetSite":          func() error { return err(s.GetSite(ctx, "site-1")) },
		"ListSites":        func() error { return err(s.ListSites(ctx)) },
		"UpdateSite":       func() error { return err(s.UpdateSite(ctx, "site-1", func(*mayday.Site) error { return nil })) },
		"DeleteSite":       func() error { return s.DeleteSite(ctx, "site-1", func(mayday.Site) error { return nil }) },
		"UpdateNotification": func() error {
			return err(s.UpdateNotification(ctx, "c-1", func(*mayday.Notification) error { return nil }))
		},
		"AddActivity":    func() error { return s.AddActivity(ctx, mayday.Activity{AgentID: "a-1", CallID: "c-2"}) },
		"ListActivities": func() error { return err(s.ListActivities(ctx, "a-1")) },
		"ReadSetup": func() error {
			_, _, err := s.ReadSetup(ctx, "a-1", "c-1")
			return err
		},
		"WriteSetup": func() error {
			_, _, _, err := s.WriteSetup(ctx, mayday.Call{ID: "c-3"}, mayday.Agent{ID: "a-3"}, &mayday.CallbackNumber{Number: "+14255550003"}, nil)
			return err
		},
	}
}

// seeded is a store holding one of everything calls reads.
func seeded(t *testing.T) *Store {
	t.Helper()
	s, ctx := NewStore(), context.Background()
	for _, err := range []error{
		func() error {
			_, err := s.UpdateAgent(ctx, "a-1", func(a *mayday.Agent) error { a.SiteID = "site-1"; return nil })
			return err
		}(),
		func() error { _, err := s.UpdateCall(ctx, "c-1", func(*mayday.Call) error { return nil }); return err }(),
		func() error {
			_, err := s.UpdateNumber(ctx, "+14255550001", func(n *mayday.CallbackNumber) error {
				n.Country, n.Lease = "US", &mayday.Lease{AgentID: "a-1"}
				return nil
			})
			return err
		}(),
		func() error {
			_, err := s.UpdateSite(ctx, "site-1", func(*mayday.Site) error { return nil })
			return err
		}(),
		s.AddActivity(ctx, mayday.Activity{AgentID: "a-1", CallID: "c-1"}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// snapshot is everything a store holds, for checking that nothing changed.
func snapshot(s *Store) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := ""
	for _, m := range []any{s.agents.m, s.calls.m, s.numbers.m, s.sites.m, s.notifications.m} {
		v := reflect.ValueOf(m)
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return cmp.Compare(a.String(), b.String()) })
		for _, k := range keys {
			out += fmt.Sprintf("%s=%+v\n", k, v.MapIndex(k).Elem().Interface())
		}
	}
	return out + fmt.Sprintf("%v", s.history)
}

func TestContextDoneBefore(t *testing.T) {
	s := seeded(t)
	before := snapshot(s)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, call := range calls(s, ctx) {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v, want context.Canceled", name, err)
		}
	}
	if after := snapshot(s); after != before {
		t.Errorf("calls with a cancelled context changed the store:\n%s\nwas\n%s", after, before)
	}
}

// TestContextDoneWhileWaiting: a caller whose deadline passes while another
// holds the lock gets its context's error, not service, once it gets the lock.
func TestContextDoneWhileWaiting(t *testing.T) {
	s := seeded(t)
	before := snapshot(s)
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		name string
		err  error
	}
	cs := calls(s, ctx)
	results := make(chan result, len(cs))
	s.mu.Lock()
	for name, call := range cs {
		go func() { results <- result{name, call()} }()
	}
	time.Sleep(20 * time.Millisecond) // let them queue on the lock
	cancel()
	s.mu.Unlock()
	for range cs {
		if r := <-results; !errors.Is(r.err, context.Canceled) {
			t.Errorf("%s cancelled while waiting: %v, want context.Canceled", r.name, r.err)
		}
	}
	if after := snapshot(s); after != before {
		t.Errorf("cancelled calls changed the store:\n%s\nwas\n%s", after, before)
	}
}

// TestContextDoneBeforeTheWrite: an update whose context ends while its
// closure runs writes nothing.
func TestContextDoneBeforeTheWrite(t *testing.T) {
	s := seeded(t)
	ctx, cancel := context.WithCancel(context.Background())
	_, err := s.UpdateNumber(ctx, "+14255550001", func(n *mayday.CallbackNumber) error { n.Country = "GB"; cancel(); return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("UpdateNumber = %v, want context.Canceled", err)
	}
	if n, _ := s.GetNumber(context.Background(), "+14255550001"); n.Country != "US" || n.Version != 1 {
		t.Errorf("stored %+v, want it unchanged", n)
	}
}

// TestCallersShareNothing: through every way in and out, what a caller holds
// (the closure's value, results, listings, a check's argument) can be
// changed without changing what is stored.
func TestCallersShareNothing(t *testing.T) {
	ctx := context.Background()
	s := NewStore()
	agent, call := filled[mayday.Agent](t, false), filled[mayday.Call](t, false)
	number, site := filled[mayday.CallbackNumber](t, false), filled[mayday.Site](t, false)
	note, act := filled[mayday.Notification](t, false), filled[mayday.Activity](t, false)
	number.Number = "+14255550001" // the store keys numbers by E.164 only

	// write: the closure keeps its value and the caller changes the result;
	// the closures store values equal to, but apart from, those above
	var kept []func()
	write := func(got any, err error) {
		if err != nil {
			t.Fatal(err)
		}
		kept = append(kept, func() { mutate(reflect.ValueOf(got)) }) // got: a pointer (ptr)
	}
	keep := func(v any) { kept = append(kept, func() { mutate(reflect.ValueOf(v).Elem()) }) }
	write(ptr(s.UpdateAgent(ctx, agent.ID, func(a *mayday.Agent) error { *a = filled[mayday.Agent](t, false); keep(a); return nil })))
	write(ptr(s.UpdateCall(ctx, call.ID, func(c *mayday.Call) error { *c = filled[mayday.Call](t, false); keep(c); return nil })))
	write(ptr(s.UpdateNumber(ctx, number.Number, func(n *mayday.CallbackNumber) error {
		*n = filled[mayday.CallbackNumber](t, false)
		keep(n)
		return nil
	})))
	write(ptr(s.UpdateSite(ctx, site.ID, func(x *mayday.Site) error { *x = filled[mayday.Site](t, false); keep(x); return nil })))
	write(ptr(s.UpdateNotification(ctx, note.CallID, func(n *mayday.Notification) error { *n = filled[mayday.Notification](t, false); keep(n); return nil })))
	in := act
	if err := s.AddActivity(ctx, in); err != nil {
		t.Fatal(err)
	}
	keep(&in)
	before := snapshot(s)
	for _, k := range kept {
		k()
	}
	if after := snapshot(s); after != before {
		t.Fatalf("changing what the writers hold changed the store:\n%s\nwas\n%s", after, before)
	}

	// read every way and change what comes back
	check := func(what string) func(any, error) {
		return func(got any, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if v := reflect.ValueOf(got); v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Slice && v.Elem().Len() == 0 {
				t.Fatalf("%s listed nothing", what)
			}
			mutate(reflect.ValueOf(&got).Elem())
			if after := snapshot(s); after != before {
				t.Fatalf("changing what %s returned changed the store:\n%s\nwas\n%s", what, after, before)
			}
		}
	}
	// a copy in an addressable place, so that mutate can change it
	check("GetAgent")(ptr(s.GetAgent(ctx, agent.ID)))
	check("AgentsAtSite")(ptr(s.AgentsAtSite(ctx, agent.SiteID)))
	check("AgentsInEmergencySince")(ptr(s.AgentsInEmergencySince(ctx, agent.Emergency.Since)))
	check("GetCall")(ptr(s.GetCall(ctx, call.ID)))
	check("GetNumber")(ptr(s.GetNumber(ctx, number.Number)))
	check("ListNumbers")(ptr(s.ListNumbers(ctx, number.Country)))
	check("ListNumbers(\"\")")(ptr(s.ListNumbers(ctx, "")))
	check("LeasesHeldBy")(ptr(s.LeasesHeldBy(ctx, number.Lease.AgentID)))
	check("LeasesExpiringBy")(ptr(s.LeasesExpiringBy(ctx, number.Lease.ExpiresAt)))
	check("GetSite")(ptr(s.GetSite(ctx, site.ID)))
	check("ListSites")(ptr(s.ListSites(ctx)))
	check("ListActivities")(ptr(s.ListActivities(ctx, act.AgentID)))
	check("UpdateNotification (no change)")(ptr(s.UpdateNotification(ctx, note.CallID, func(*mayday.Notification) error { return mayday.ErrNoChange })))
	check("UpdateAgent (no change)")(ptr(s.UpdateAgent(ctx, agent.ID, func(a *mayday.Agent) error { mutated(a); return mayday.ErrNoChange })))
	aborted, err := s.UpdateNumber(ctx, number.Number, func(n *mayday.CallbackNumber) error { mutated(n); return errAbort })
	if !errors.Is(err, errAbort) {
		t.Fatalf("aborted UpdateNumber: %v", err)
	}
	check("UpdateNumber (aborted)")(&aborted, nil)
	if err := s.DeleteNumber(ctx, number.Number, func(n mayday.CallbackNumber) error { mutated(&n); return errors.New("keep it") }); err == nil {
		t.Fatal("DeleteNumber deleted")
	}
	if err := s.DeleteSite(ctx, site.ID, func(x mayday.Site) error { mutated(&x); return errors.New("keep it") }); err == nil {
		t.Fatal("DeleteSite deleted")
	}
	check("DeleteX checks")(nil, nil)
	a, c, err := s.ReadSetup(ctx, agent.ID, call.ID)
	check("ReadSetup")(&[]any{&a, &c}, err)

	// WriteSetup: neither its arguments nor its results are the stored values
	wa, wc, err := s.ReadSetup(ctx, agent.ID, call.ID) // a and c were changed above
	if err != nil {
		t.Fatal(err)
	}
	wn, err := s.GetNumber(ctx, number.Number)
	if err != nil {
		t.Fatal(err)
	}
	gc, ga, gn, err := s.WriteSetup(ctx, wc, wa, &wn, nil)
	if err != nil {
		t.Fatal(err)
	}
	before = snapshot(s)
	mutated(&wc)
	mutated(&wa)
	mutated(&wn)
	check("WriteSetup")(&[]any{&gc, &ga, gn}, nil)
}

var errAbort = errors.New("abort")

// ptr puts a result where mutate can reach it.
func ptr[T any](v T, err error) (any, error) { return &v, err }

// TestIndexesFollowWrites: after random writes, deletes and setups, every
// index-backed listing is what a scan of the whole store finds.
func TestIndexesFollowWrites(t *testing.T) {
	ctx, s := context.Background(), NewStore()
	r := rand.New(rand.NewPCG(1, 2))
	now := time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)
	countries, agents, sites := []string{"", "US", "GB", "FR"}, []string{"", "a-1", "a-2", "a-3"}, []string{"", "s-1", "s-2"}
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	lease := func() *mayday.Lease {
		if r.IntN(3) == 0 {
			return nil
		}
		return &mayday.Lease{AgentID: pick(agents[1:]), ExpiresAt: now.Add(time.Duration(r.IntN(10)) * time.Minute)}
	}
	for i := range 3000 {
		key := fmt.Sprintf("+1425555%04d", r.IntN(60))
		switch op := r.IntN(10); {
		case op < 5:
			if _, err := s.UpdateNumber(ctx, key, func(n *mayday.CallbackNumber) error {
				if r.IntN(4) == 0 {
					n.Country = pick(countries)
				}
				n.Lease = lease()
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		case op < 6:
			if err := s.DeleteNumber(ctx, key, func(mayday.CallbackNumber) error { return nil }); err != nil && !errors.Is(err, mayday.ErrNotFound) {
				t.Fatal(err)
			}
		case op < 8:
			id := pick(agents[1:])
			if _, err := s.UpdateAgent(ctx, id, func(a *mayday.Agent) error {
				a.SiteID = pick(sites)
				if r.IntN(2) == 0 {
					a.BeginEmergency(fmt.Sprintf("c-%d", i), mayday.KindOutbound, now.Add(time.Duration(r.IntN(10))*time.Minute))
				} else {
					a.EndAllEmergencies()
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		case op < 9:
			id := pick(sites[1:])
			if r.IntN(3) == 0 {
				_ = s.DeleteSite(ctx, id, func(mayday.Site) error { return nil })
			} else if _, err := s.UpdateSite(ctx, id, func(*mayday.Site) error { return nil }); err != nil {
				t.Fatal(err)
			}
		default:
			a, c, err := s.ReadSetup(ctx, pick(agents[1:]), fmt.Sprintf("c-%d", i))
			if err != nil {
				t.Fatal(err)
			}
			a.SiteID = pick(sites)
			n, err := s.GetNumber(ctx, key)
			if errors.Is(err, mayday.ErrNotFound) {
				n = mayday.CallbackNumber{Number: key}
			}
			n.Country, n.Lease = pick(countries), lease()
			if _, _, _, err := s.WriteSetup(ctx, c, a, &n, nil); err != nil {
				t.Fatal(err)
			}
		}
		if i%50 == 0 {
			checkIndexes(t, s, now, countries, agents, sites)
		}
	}
	checkIndexes(t, s, now, countries, agents, sites)
}

func checkIndexes(t *testing.T, s *Store, now time.Time, countries, agents, sites []string) {
	t.Helper()
	ctx := context.Background()
	numbers := scan(s.numbers, func(n mayday.CallbackNumber) string { return n.Number })
	as := scan(s.agents, func(a mayday.Agent) string { return a.ID })
	expect(t, "ListNumbers(\"\")", numbers)(s.ListNumbers(ctx, ""))
	for _, c := range countries[1:] {
		expect(t, "ListNumbers "+c, where(numbers, func(n mayday.CallbackNumber) bool { return n.Country == c }))(s.ListNumbers(ctx, c))
	}
	for _, a := range agents[1:] {
		expect(t, "LeasesHeldBy "+a, where(numbers, func(n mayday.CallbackNumber) bool { return n.Lease != nil && n.Lease.AgentID == a }))(s.LeasesHeldBy(ctx, a))
	}
	for m := range 11 {
		by := now.Add(time.Duration(m) * time.Minute)
		expect(t, "LeasesExpiringBy", where(numbers, func(n mayday.CallbackNumber) bool { return n.Lease != nil && !n.Lease.ExpiresAt.After(by) }))(s.LeasesExpiringBy(ctx, by))
		expect(t, "AgentsInEmergencySince", where(as, func(a mayday.Agent) bool { return a.InEmergency() && !a.Emergency.Since.After(by) }))(s.AgentsInEmergencySince(ctx, by))
	}
	for _, x := range sites[1:] {
		expect(t, "AgentsAtSite "+x, where(as, func(a mayday.Agent) bool { return a.SiteID == x }))(s.AgentsAtSite(ctx, x))
	}
	expect(t, "ListSites", scan(s.sites, func(x mayday.Site) string { return x.ID }))(s.ListSites(ctx))
}

// scan is every value of the table, sorted by id: what a listing of all was.
func scan[T any](tbl *table[T], id func(T) string) []T {
	var out []T
	for _, p := range tbl.m {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b T) int { return cmp.Compare(id(a), id(b)) })
	return out
}

func where[T any](xs []T, keep func(T) bool) []T {
	var out []T
	for _, x := range xs {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

func expect[T any](t *testing.T, what string, want []T) func([]T, error) {
	t.Helper()
	return func(got []T, err error) {
		t.Helper()
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%s = %+v, %v\nwant %+v", what, got, err, want)
		}
	}
}
