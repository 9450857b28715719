package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// The callback pool: numbers, their leases and the queries over them
// (mayday.PoolStore). ListNumbers, LeasesHeldBy and LeasesExpiringBy are
// index-backed, so they are checked with e.expectNumbers, which honours
// Features.ConsistentIndexes. Concurrent leasing is in concurrency.go.

func numberKind() kind[mayday.CallbackNumber] {
	return kind[mayday.CallbackNumber]{
		get: func(ctx context.Context, s mayday.Store, n string) (mayday.CallbackNumber, error) {
			return s.GetNumber(ctx, n)
		},
		update: func(ctx context.Context, s mayday.Store, n string, fn func(*mayday.CallbackNumber) error) (mayday.CallbackNumber, error) {
			return s.UpdateNumber(ctx, n, fn)
		},
		key: func(n *mayday.CallbackNumber) *string { return &n.Number },
		ver: func(n *mayday.CallbackNumber) *int64 { return &n.Version },
		sample: func() mayday.CallbackNumber {
			return withSite(sampleNumber("", "US", &mayday.Lease{AgentID: "a-1", CallID: "c-1", LeasedAt: base, ExpiresAt: base.Add(time.Hour)}), "s-1")
		},
		// An agent's own number: no site, no lease.
		change: func(n *mayday.CallbackNumber) {
			n.Lease, n.ReleasedAt, n.SiteID, n.AgentID = nil, base.Add(time.Minute), "", "a-2"
		},
		keys: [2]string{"+14255550001", "+14255550002"},
	}
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

// withSite is n as a number of the site.
func withSite(n mayday.CallbackNumber, site string) mayday.CallbackNumber {
	n.SiteID = site
	return n
}

func lease(agent string, expires time.Time) *mayday.Lease {
	return &mayday.Lease{AgentID: agent, CallID: "call-" + agent, LeasedAt: expires.Add(-time.Hour), ExpiresAt: expires}
}

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

// testNumberRoundTrip writes leased, free and never-leased numbers (a nil
// lease must read back nil) and reads them back.
func testNumberRoundTrip(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
	for i, tc := range []struct {
		name   string
		number mayday.CallbackNumber
	}{
		{"leased", sampleNumber("", "GB", &mayday.Lease{AgentID: "a-1", CallID: "c-1", LeasedAt: base.In(zone), ExpiresAt: base.Add(time.Hour)})},
		{"free", sampleNumber("", "GB", nil)},
		{"neverLeased", mayday.CallbackNumber{Country: "DK", AddedAt: base}},
		{"siteLeased", withSite(sampleNumber("", "GB", &mayday.Lease{AgentID: "a-2", CallID: "c-2", LeasedAt: base, ExpiresAt: base.Add(time.Hour)}), "s-1")},
		{"siteFree", withSite(sampleNumber("", "GB", nil), "s-2")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			num := fmt.Sprintf("+4420794600%02d", i+1)
			want := tc.number
			want.Number = num
			checkRoundTrip(t, want, func(n *mayday.CallbackNumber) *int64 { return &n.Version },
				func(fn func(*mayday.CallbackNumber) error) (mayday.CallbackNumber, error) {
					return s.UpdateNumber(ctx, num, fn)
				},
				func() (mayday.CallbackNumber, error) { return s.GetNumber(ctx, num) })
			if got, err := s.GetNumber(ctx, num); err == nil && (got.Lease == nil) != (want.Lease == nil) {
				t.Errorf("Lease nil = %v, want %v", got.Lease == nil, want.Lease == nil)
			}
		})
	}
}

// testListNumbers: a country's numbers, its sites' numbers included (the
// domain tells them apart by SiteID), and every number stored for "", of
// any country, supported or not. Sites and agents are never listed.
func testListNumbers(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
	list := func(country string) func() ([]mayday.CallbackNumber, error) {
		return func() ([]mayday.CallbackNumber, error) { return s.ListNumbers(ctx, country) }
	}
	e.expectNumbers(t, `ListNumbers("") on an empty store`, list(""), nil)
	// Other kinds of record that name a site or a country.
	addSites(t, s, sampleSite("s-1"))
	if _, err := s.UpdateAgent(ctx, "a-1", func(a *mayday.Agent) error { a.Country, a.SiteID = "US", "s-1"; return nil }); err != nil {
		t.Fatal(err)
	}
	stored := addNumbers(t, s,
		sampleNumber("+14255550001", "US", nil),
		sampleNumber("+14255550002", "US", lease("a-1", base.Add(time.Hour))),
		withSite(sampleNumber("+12065550001", "US", nil), "s-1"),
		withSite(sampleNumber("+12065550002", "US", lease("a-4", base.Add(time.Hour))), "s-1"),
		withSite(sampleNumber("+15035550001", "US", nil), "s-2"),
		sampleNumber("+442079460001", "GB", nil),
		sampleNumber("+442079460002", "GB", lease("a-2", base.Add(-time.Hour))),
		withSite(sampleNumber("+442079460003", "GB", nil), "s-3"),
		sampleNumber("+4533000001", "DK", nil),
		sampleNumber("+17875550001", "PR", nil),
		// Not a supported country (AddNumber refuses it), yet stored: ""
		// lists it, so that it can be seen and removed.
		sampleNumber("+33100000001", "FR", nil),
	)
	for _, tc := range []struct {
		country string
		want    []string
	}{
		{"US", []string{"+12065550001", "+12065550002", "+14255550001", "+14255550002", "+15035550001"}},
		{"GB", []string{"+442079460001", "+442079460002", "+442079460003"}},
		{"DK", []string{"+4533000001"}},
		{"PR", []string{"+17875550001"}},
		{"FR", []string{"+33100000001"}},
		{"CA", nil},
		{"", []string{"+12065550001", "+12065550002", "+14255550001", "+14255550002", "+15035550001",
			"+442079460001", "+442079460002", "+442079460003", "+4533000001", "+17875550001", "+33100000001"}},
	} {
		e.expectNumbers(t, fmt.Sprintf("ListNumbers(%q)", tc.country), list(tc.country), stored, tc.want...)
	}
	// A number's listing follows its updates: a lease, a move to a site, a
	// move back to the country's pool.
	for _, step := range []struct {
		num string
		fn  func(*mayday.CallbackNumber)
	}{
		{"+14255550001", func(n *mayday.CallbackNumber) { n.Lease = lease("a-3", base.Add(time.Hour)) }},
		{"+14255550002", func(n *mayday.CallbackNumber) { n.SiteID = "s-1" }},
		{"+12065550001", func(n *mayday.CallbackNumber) { n.SiteID = "" }},
	} {
		up, err := s.UpdateNumber(ctx, step.num, func(n *mayday.CallbackNumber) error { step.fn(n); return nil })
		if err != nil {
			t.Fatal(err)
		}
		stored[up.Number] = up
	}
	e.expectNumbers(t, `ListNumbers("US") after updates`, list("US"), stored,
		"+12065550001", "+12065550002", "+14255550001", "+14255550002", "+15035550001")
}

func testLeasesHeldBy(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
	heldBy := func(agent string) func() ([]mayday.CallbackNumber, error) {
		return func() ([]mayday.CallbackNumber, error) { return s.LeasesHeldBy(ctx, agent) }
	}
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
	} {
		e.expectNumbers(t, fmt.Sprintf("LeasesHeldBy(%q)", tc.agent), heldBy(tc.agent), stored, tc.want...)
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
	e.expectNumbers(t, "LeasesHeldBy(a-1) after a takeover", heldBy("a-1"), stored, "+14255550001", "+442079460001")
	e.expectNumbers(t, "LeasesHeldBy(a-2) after a takeover", heldBy("a-2"), stored, "+14255550002", "+14255550003")
}

func testLeasesExpiringBy(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
	expiringBy := func(at time.Time) func() ([]mayday.CallbackNumber, error) {
		return func() ([]mayday.CallbackNumber, error) { return s.LeasesExpiringBy(ctx, at) }
	}
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
		e.expectNumbers(t, "LeasesExpiringBy "+tc.name, expiringBy(tc.t), stored, tc.want...)
	}

	// Renewing takes a number off the due list; releasing does too.
	renewed, err := s.UpdateNumber(ctx, "+14255550001", func(n *mayday.CallbackNumber) error {
		n.Lease.ExpiresAt = at.Add(time.Hour)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stored[renewed.Number] = renewed
	rel, err := s.UpdateNumber(ctx, "+14255550002", func(n *mayday.CallbackNumber) error {
		n.Release(at)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stored[rel.Number] = rel
	e.expectNumbers(t, "LeasesExpiringBy after renew and release", expiringBy(at), stored, "+442079460001")
}

func testDeleteNumber(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
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
		e.expectNumbers(t, "ListNumbers after delete",
			func() ([]mayday.CallbackNumber, error) { return s.ListNumbers(ctx, "US") }, stored, "+14255550002")
		e.expectNumbers(t, `ListNumbers("") after delete`,
			func() ([]mayday.CallbackNumber, error) { return s.ListNumbers(ctx, "") }, stored, "+14255550002")
		e.expectNumbers(t, "LeasesHeldBy after delete",
			func() ([]mayday.CallbackNumber, error) { return s.LeasesHeldBy(ctx, "a-1") }, stored)
		e.expectNumbers(t, "LeasesExpiringBy after delete",
			func() ([]mayday.CallbackNumber, error) { return s.LeasesExpiringBy(ctx, base.Add(24*time.Hour)) }, stored)
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
