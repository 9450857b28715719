package mayday_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/mayday"
)

func TestPresenceChangeDuringEmergency(t *testing.T) {
	f := newFixture(t)
	f.dial("c-1")
	if _, err := f.uc.AdminAPI.SetPresence(context.Background(), "a-1", mayday.Away); err != nil {
		t.Fatal(err)
	}
	if p := f.presence("a-1"); p != mayday.DoNotDisturb {
		t.Fatalf("presence = %s during the emergency", p)
	}
	f.end("c-1")
	f.deliver(events.EmergencyCallEnded)
	if p := f.presence("a-1"); p != mayday.Away {
		t.Fatalf("presence = %s, want Away (the change made during the call)", p)
	}
	if _, err := f.uc.AdminAPI.SetPresence(context.Background(), "nobody", mayday.Away); !errors.Is(err, mayday.ErrNotFound) {
		t.Fatalf("unknown agent: %v", err)
	}
}

// A callback number belongs to its pool's country: the 911 network of
// another country cannot call it back at the caller's address.
func TestNumbersBelongToTheirCountry(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, number, country, site string
		ok                          bool
	}{
		{"a GB number in the US pool", "+442071230001", "US", "", false},
		{"a DK number at a US site", "+4533123456", "US", "sea", false},
		{"a US number in the GB pool", "+14255550123", "GB", "", false},
		{"a US number in the DK pool", "+14255550123", "DK", "", false},
		{"a US number in the US pool", "+14255550123", "US", "", true},
		{"a CA number (+1) in the CA pool", "+16135550123", "CA", "", true},
		{"a PR number (+1) in the PR pool", "+17875550123", "PR", "", true},
		{"a GB number in the GB pool", "+442071230001", "GB", "", true},
		{"a DK number in the DK pool", "+4533123456", "DK", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := withSites(t)
			_, _, err := f.uc.AdminAPI.AddNumberAt(ctx, tc.number, tc.country, tc.site)
			if tc.ok != (err == nil) || !tc.ok && (!errors.Is(err, mayday.ErrInvalid) || !strings.Contains(err.Error(), "not a number of")) {
				t.Fatalf("AddNumberAt(%s, %s, %q) = %v; want ok=%v, else ErrInvalid saying it is not a number of the country",
					tc.number, tc.country, tc.site, err, tc.ok)
			}
		})
	}
}

func TestSitesAdmin(t *testing.T) {
	f := withSites(t)
	ctx := context.Background()
	bad := func(change func(*mayday.Site)) error {
		s := seattle
		change(&s)
		_, err := f.uc.AdminAPI.PutSite(ctx, "x", s)
		return err
	}
	for _, tc := range []struct {
		name   string
		change func(*mayday.Site)
		field  string
	}{
		{"no name", func(s *mayday.Site) { s.Name = " " }, "name"},
		{"no street", func(s *mayday.Site) { s.Address.Street = "" }, "address.street"},
		{"no city", func(s *mayday.Site) { s.Address.City = "" }, "address.city"},
		{"no address country", func(s *mayday.Site) { s.Address.Country = "" }, "address.country"},
		{"unsupported country", func(s *mayday.Site) { s.Country, s.Address.Country = "FR", "FR" }, "country"},
		{"bad ECBN", func(s *mayday.Site) { s.EmergencyCallbackNumber = "12345" }, "emergencyCallbackNumber"},
		{"a UK ECBN at a US site", func(s *mayday.Site) { s.EmergencyCallbackNumber = "+442071230000" }, "emergencyCallbackNumber"},
		{"a DK ECBN at a US site", func(s *mayday.Site) { s.EmergencyCallbackNumber = "+4533123456" }, "emergencyCallbackNumber"},
		{"bad notify address", func(s *mayday.Site) { s.Notify = []string{"nope"} }, "notify"},
	} {
		if err := bad(tc.change); !errors.Is(err, mayday.ErrInvalid) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: %v; want ErrInvalid naming %s", tc.name, err, tc.field)
		}
	}
	if _, _, err := f.uc.AdminAPI.AddNumberAt(ctx, "+442071230001", "GB", "sea"); !errors.Is(err, mayday.ErrInvalid) {
		t.Errorf("a GB number at a US site: %v", err)
	}
	if _, _, err := f.uc.AdminAPI.AddNumberAt(ctx, "+14255550001", "US", "bel"); !errors.Is(err, mayday.ErrConflict) {
		t.Errorf("moving a number to another site: %v", err)
	}
	if _, err := f.uc.AdminAPI.PutAgent(ctx, "a-2", mayday.Profile{Name: "B", Country: "US", SiteID: "nowhere"}); !errors.Is(err, mayday.ErrInvalid) ||
		!strings.Contains(err.Error(), "nowhere") {
		t.Errorf("an agent at an unknown site: %v", err)
	}
	if err := f.uc.AdminAPI.DeleteSite(ctx, "sea"); !errors.Is(err, mayday.ErrConflict) || !strings.Contains(err.Error(), "agent a-1") {
		t.Errorf("deleting a site in use: %v", err)
	}
	if err := f.uc.AdminAPI.RemoveNumber(ctx, "+14255550003"); err != nil {
		t.Fatal(err)
	}
	if err := f.uc.AdminAPI.DeleteSite(ctx, "bel"); err != nil {
		t.Fatalf("deleting an unused site: %v", err)
	}
	if _, err := f.uc.AdminAPI.GetSite(ctx, "bel"); !errors.Is(err, mayday.ErrNotFound) {
		t.Errorf("deleted site: %v", err)
	}
	r, err := f.uc.AdminAPI.Readiness(ctx, "a-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Checks {
		if (c.Name == "site" || c.Name == "callbackPool") && !c.OK {
			t.Errorf("readiness %s: %s", c.Name, c.Fix)
		}
	}
}
