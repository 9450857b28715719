package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// Sites: the emergency response locations (mayday.SiteStore). ListSites is
// index-backed in DynamoDB, so it is checked with e.expectSites, which
// honours Features.ConsistentIndexes; the agents of a site (AgentsAtSite) are
// in agents.go, the numbers of a site in pool.go.

func siteKind() kind[mayday.Site] {
	return kind[mayday.Site]{
		get: func(ctx context.Context, s mayday.Store, id string) (mayday.Site, error) { return s.GetSite(ctx, id) },
		update: func(ctx context.Context, s mayday.Store, id string, fn func(*mayday.Site) error) (mayday.Site, error) {
			return s.UpdateSite(ctx, id, fn)
		},
		key:    func(x *mayday.Site) *string { return &x.ID },
		ver:    func(x *mayday.Site) *int64 { return &x.Version },
		sample: func() mayday.Site { return sampleSite("") },
		change: func(x *mayday.Site) {
			x.Name += " (changed)"
			x.Address.Detail = "Building 5"
			x.Notify = append(x.Notify, "new@example.com")
			x.Networks = append(x.Networks, "2001:db8:1::/48")
			x.NotifySMS = append(x.NotifySMS, "+12065550177")
			x.NotifyWebhook += "/changed"
			x.EscalateAfter += time.Second
			x.Escalate = append(x.Escalate, "+12065550178")
			x.TestAlerts = !x.TestAlerts
		},
	}
}

func sampleSite(id string) mayday.Site {
	return mayday.Site{
		ID:      id,
		Name:    "Seattle HQ",
		Country: "US",
		Address: mayday.Address{
			HouseNumber: "400",
			Street:      "Broad St",
			City:        "Seattle",
			Region:      "WA",
			PostalCode:  "98109",
			Country:     "US",
			Detail:      "Building 4, floor 2",
		},
		EmergencyCallbackNumber: "+12065550100",
		Notify:                  []string{"security@example.com", "facilities@example.com"},
		Networks:                []string{"10.1.0.0/16"},
		NotifySMS:               []string{"+12065550150", "+12065550151"},
		NotifyWebhook:           "https://hooks.example.com/services/T000/B000/XXXX",
		EscalateAfter:           90 * time.Second,
		Escalate:                []string{"director@example.com", "+12065550160"},
		TestAlerts:              true,
		UpdatedAt:               base.In(zone),
	}
}

// addSites stores the sites, keyed by id.
func addSites(t *testing.T, s mayday.Store, xs ...mayday.Site) map[string]mayday.Site {
	t.Helper()
	out := map[string]mayday.Site{}
	for _, x := range xs {
		got, err := s.UpdateSite(context.Background(), x.ID, func(p *mayday.Site) error {
			*p = x
			return nil
		})
		if err != nil {
			t.Fatalf("add site %s: %v", x.ID, err)
		}
		out[x.ID] = got
	}
	return out
}

// testSiteRoundTrip writes sites whose shape varies — nil, empty and full
// lists, an address with only what Validate requires, zero times, empty
// strings — and reads them back.
func testSiteRoundTrip(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
	for _, tc := range []struct {
		name string
		mod  func(*mayday.Site)
	}{
		{"full", func(*mayday.Site) {}},
		{"nilNotify", func(x *mayday.Site) { x.Notify = nil }},
		{"emptyNotify", func(x *mayday.Site) { x.Notify = []string{} }},
		{"noECBN", func(x *mayday.Site) { x.EmergencyCallbackNumber = "" }},
		{"noAlertChannels", func(x *mayday.Site) {
			x.NotifySMS, x.NotifyWebhook, x.EscalateAfter, x.Escalate, x.TestAlerts = nil, "", 0, nil, false
		}},
		{"emptyAlertLists", func(x *mayday.Site) { x.NotifySMS, x.Escalate = []string{}, []string{} }},
		{"subSecondEscalateAfter", func(x *mayday.Site) { x.EscalateAfter = 1500 * time.Millisecond }},
		{"requiredAddressOnly", func(x *mayday.Site) {
			x.Address = mayday.Address{Street: "1 Canada Sq", City: "London", Country: "GB"}
			x.Country = "GB"
		}},
		{"zeroTimes", func(x *mayday.Site) { x.UpdatedAt = time.Time{} }},
		{"emptyStrings", func(x *mayday.Site) {
			x.Name, x.Country, x.Address = "", "", mayday.Address{}
			x.Notify = []string{""}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := sampleSite(tc.name)
			tc.mod(&want)
			checkRoundTrip(t, want, func(x *mayday.Site) *int64 { return &x.Version },
				func(fn func(*mayday.Site) error) (mayday.Site, error) { return s.UpdateSite(ctx, tc.name, fn) },
				func() (mayday.Site, error) { return s.GetSite(ctx, tc.name) })
		})
	}
}

// testListSites: every site, each as stored, sorted by id — the one list
// method whose order is part of the contract.
func testListSites(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
	list := func() ([]mayday.Site, error) { return s.ListSites(ctx) }
	e.expectSites(t, "ListSites on an empty store", list, nil)

	// Numbers and agents of the sites are other kinds of record: never listed.
	addNumbers(t, s, withSite(sampleNumber("+14255550001", "US", nil), "s-2"))
	if _, err := s.UpdateAgent(ctx, "a-1", func(a *mayday.Agent) error { a.SiteID = "s-2"; return nil }); err != nil {
		t.Fatal(err)
	}
	mk := func(id, name string) mayday.Site { x := sampleSite(id); x.Name = name; return x }
	stored := addSites(t, s, mk("s-3", "Three"), mk("s-1", "One"), mk("s-10", "Ten"), mk("s-2", "Two"))
	e.expectSites(t, "ListSites", list, stored, "s-1", "s-10", "s-2", "s-3")

	// The listing follows updates and deletes.
	up, err := s.UpdateSite(ctx, "s-2", func(x *mayday.Site) error { x.Name = "Two, renamed"; return nil })
	if err != nil {
		t.Fatal(err)
	}
	stored[up.ID] = up
	if err := s.DeleteSite(ctx, "s-10", func(mayday.Site) error { return nil }); err != nil {
		t.Fatal(err)
	}
	e.expectSites(t, "ListSites after an update and a delete", list, stored, "s-1", "s-2", "s-3")
}

func testDeleteSite(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
	stored := addSites(t, s, sampleSite("s-1"), sampleSite("s-2"))

	t.Run("CheckRefuses", func(t *testing.T) {
		var seen mayday.Site
		err := s.DeleteSite(ctx, "s-1", func(x mayday.Site) error {
			seen = x
			return fmt.Errorf("agents still there: %w", errAbort)
		})
		if !errors.Is(err, errAbort) {
			t.Fatalf("err = %v, want the check's error", err)
		}
		if d := diff(seen, stored["s-1"]); d != "" {
			t.Errorf("check saw %+v, want the stored value: %s", seen, d)
		}
		got, err := s.GetSite(ctx, "s-1")
		if err != nil {
			t.Fatalf("refused delete removed the site: %v", err)
		}
		if d := diff(got, stored["s-1"]); d != "" {
			t.Errorf("refused delete changed the site: %s", d)
		}
		e.expectSites(t, "ListSites after a refused delete",
			func() ([]mayday.Site, error) { return s.ListSites(ctx) }, stored, "s-1", "s-2")
	})
	t.Run("CheckSeesLatest", func(t *testing.T) {
		up, err := s.UpdateSite(ctx, "s-1", func(x *mayday.Site) error { x.Name = "renamed"; return nil })
		if err != nil {
			t.Fatal(err)
		}
		stored[up.ID] = up
		err = s.DeleteSite(ctx, "s-1", func(x mayday.Site) error {
			if d := diff(x, up); d != "" {
				t.Errorf("check saw %+v, want the latest value: %s", x, d)
			}
			return errAbort
		})
		if !errors.Is(err, errAbort) {
			t.Fatalf("err = %v, want the check's error", err)
		}
	})
	t.Run("CheckAllows", func(t *testing.T) {
		if err := s.DeleteSite(ctx, "s-1", func(mayday.Site) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetSite(ctx, "s-1"); !errors.Is(err, mayday.ErrNotFound) {
			t.Errorf("after delete: err = %v, want ErrNotFound", err)
		}
		e.expectSites(t, "ListSites after delete",
			func() ([]mayday.Site, error) { return s.ListSites(ctx) }, stored, "s-2")
	})
	t.Run("Missing", func(t *testing.T) {
		called := false
		err := s.DeleteSite(ctx, "s-9", func(mayday.Site) error { called = true; return nil })
		if !errors.Is(err, mayday.ErrNotFound) {
			t.Errorf("delete missing: err = %v, want ErrNotFound", err)
		}
		if called {
			t.Error("delete missing ran the check")
		}
		// Deleted already: missing too.
		if err := s.DeleteSite(ctx, "s-1", func(mayday.Site) error { return nil }); !errors.Is(err, mayday.ErrNotFound) {
			t.Errorf("delete deleted: err = %v, want ErrNotFound", err)
		}
	})
	t.Run("ReAdd", func(t *testing.T) {
		x, err := s.UpdateSite(ctx, "s-1", func(x *mayday.Site) error {
			if x.Version != 0 || x.Name != "" || x.Notify != nil {
				t.Errorf("a deleted site came back as %+v", *x)
			}
			x.Name = "again"
			return nil
		})
		if err != nil || x.Version != 1 {
			t.Errorf("re-add: %+v, %v; want Version 1", x, err)
		}
	})
}

// expectSites checks ListSites (see IndexRead): exactly the sites want,
// each as stored holds it, in the order of want.
func (e env) expectSites(t *testing.T, what string, read func() ([]mayday.Site, error),
	stored map[string]mayday.Site, want ...string) {
	t.Helper()
	e.IndexRead(t, what, func() string {
		got, err := read()
		if err != nil {
			return err.Error()
		}
		var ids []string
		for _, x := range got {
			ids = append(ids, x.ID)
		}
		if !slices.Equal(ids, want) {
			return fmt.Sprintf("= %q, want %q (sorted by id)", ids, want)
		}
		var problems []string
		for _, x := range got {
			if d := diff(x, stored[x.ID]); d != "" {
				problems = append(problems, fmt.Sprintf("%s listed as %+v, stored as %+v: %s", x.ID, x, stored[x.ID], d))
			}
		}
		return strings.Join(problems, "; ")
	})
}
