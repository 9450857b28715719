package mayday_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// TestAgentLocationAdmin: what an agent may confirm, and for how long.
func TestAgentLocationAdmin(t *testing.T) {
	f := withSites(t)
	ctx := context.Background()
	bad := func(change func(*mayday.AgentLocation)) error {
		l := mayday.AgentLocation{Address: home}
		change(&l)
		_, err := f.uc.AdminAPI.PutLocation(ctx, "a-1", l)
		return err
	}
	for _, tc := range []struct {
		name, field string
		change      func(*mayday.AgentLocation)
	}{
		{"unknown site", "nowhere", func(l *mayday.AgentLocation) { l.Address, l.SiteID = mayday.Address{}, "nowhere" }},
		{"site and address", "not both", func(l *mayday.AgentLocation) { l.SiteID = "sea" }},
		{"nothing", "siteId or address", func(l *mayday.AgentLocation) { l.Address = mayday.Address{} }},
		{"no house number", "address.houseNumber", func(l *mayday.AgentLocation) { l.Address.HouseNumber = "" }},
		{"no postal code in the US", "address.postalCode", func(l *mayday.AgentLocation) { l.Address.PostalCode = "" }},
		{"unsupported country", "address.country", func(l *mayday.AgentLocation) {
			l.Address = mayday.Address{HouseNumber: "1", Street: "Rue de Rivoli", City: "Paris", Country: "FR"}
		}},
		{"malformed number", "callbackNumber", func(l *mayday.AgentLocation) { l.CallbackNumber = "555-0142" }},
		{"a number of another country", "callbackNumber", func(l *mayday.AgentLocation) { l.CallbackNumber = "+442071230001" }},
		{"a control character", "detail", func(l *mayday.AgentLocation) { l.Detail = "desk\u0007" }},
	} {
		if err := bad(tc.change); !errors.Is(err, mayday.ErrInvalid) && !errors.Is(err, mayday.ErrConflict) || err == nil ||
			!strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: %v; want an error naming %s", tc.name, err, tc.field)
		}
	}
	if _, err := f.uc.AdminAPI.Location(ctx, "a-1"); !errors.Is(err, mayday.ErrNotFound) {
		t.Fatalf("no location yet: %v", err)
	}
	// The r2 one-line street is split.
	l, err := f.uc.AdminAPI.PutLocation(ctx, "a-1", mayday.AgentLocation{Address: mayday.Address{Street: "2121 7th Ave",
		City: "Seattle", Region: "WA", PostalCode: "98121", Country: "us"}})
	if err != nil || l.Address.HouseNumber != "2121" || l.Address.Street != "7th Ave" || l.Address.Country != "US" ||
		!l.ExpiresAt.Equal(t0.Add(12*time.Hour)) || !l.Validated {
		t.Fatalf("%+v, %v", l, err)
	}
	// An address the geocoder does not recognise is kept, marked so.
	odd := home
	odd.PostalCode = "9812"
	if l, err := f.uc.AdminAPI.PutLocation(ctx, "a-1", mayday.AgentLocation{Address: odd}); err != nil || l.Validated {
		t.Fatalf("an unverifiable address: %+v, %v; want it kept, not validated", l, err)
	}
	f.clock.Advance(12 * time.Hour)
	if _, err := f.uc.AdminAPI.Location(ctx, "a-1"); !errors.Is(err, mayday.ErrNotFound) {
		t.Fatalf("after a shift: %v; want none current", err)
	}
	if out := f.handle(mayday.CallEvent{CallID: "c-1", Country: "US"}); out.Location == nil || out.Location.Source != mayday.SourceHome {
		t.Fatalf("an expired location still located the dial: %+v", out.Location)
	}
	if _, err := f.uc.AdminAPI.PutLocation(ctx, "ghost", mayday.AgentLocation{SiteID: "sea"}); !errors.Is(err, mayday.ErrNotFound) {
		t.Errorf("an unknown agent: %v", err)
	}
	if _, err := f.uc.AdminAPI.PutLocation(ctx, "a-1", mayday.AgentLocation{SiteID: "bel"}); err != nil {
		t.Fatal(err)
	}
	if err := f.uc.AdminAPI.ClearLocation(ctx, "a-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.uc.AdminAPI.Location(ctx, "a-1"); !errors.Is(err, mayday.ErrNotFound) {
		t.Fatalf("after DELETE: %v", err)
	}
}
