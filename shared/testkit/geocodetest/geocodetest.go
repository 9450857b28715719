// Package geocodetest is the contract every mayday.AddressValidator meets:
// the embedded geocoder always, Amazon Location through its local fake.
//
// Every validator agrees that a real address, however it is written
// (a ZIP+4, the house number at the start of the street, the location's
// detail beside it), validates; that an address whose postal code does not
// have its country's shape, or that lacks a part a dispatchable address
// needs, does not; and that an incomplete address is answered without an
// error. Where they differ — only a validator with map data knows a
// well-formed address names no place; only one that calls out can fail or
// run out of time — the adapter says so in its Features.
package geocodetest

import (
	"context"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// Features declares what an adapter does beyond the embedded geocoder's
// offline checks. The zero value is the embedded geocoder.
type Features struct {
	// KnowsPlaces: the validator has map data, so a well-formed address
	// that is not a place (no such house on the street) does not validate.
	KnowsPlaces bool
	// HonoursContext: the validator calls out and returns an error, not an
	// answer, when the context ends first.
	HonoursContext bool
}

// Harness adapts one validator to the suite.
type Harness struct {
	// New returns the validator, for a world in which exactly these
	// addresses are real places (a validator without map data ignores
	// them). It is called once per case.
	New      func(t *testing.T, world []mayday.Address) mayday.AddressValidator
	Features Features
}

// World is the real places of the suite, one per supported country.
func World() []mayday.Address {
	return []mayday.Address{
		{HouseNumber: "2121", Street: "7th Ave", City: "Seattle", Region: "WA", PostalCode: "98121", Country: "US"},
		{HouseNumber: "100", Street: "Queen St W", City: "Toronto", Region: "ON", PostalCode: "M5H 2N2", Country: "CA"},
		{HouseNumber: "10", Street: "Downing St", City: "London", PostalCode: "SW1A 2AA", Country: "GB"},
		{HouseNumber: "1", Street: "Rådhuspladsen", City: "København", PostalCode: "1550", Country: "DK"},
		{HouseNumber: "151", Street: "Calle de San Francisco", City: "San Juan", Region: "PR", PostalCode: "00901", Country: "PR"},
	}
}

// Run runs the contract against h.
func Run(t *testing.T, h Harness) {
	seattle := World()[0]
	change := func(a mayday.Address, f func(*mayday.Address)) mayday.Address { f(&a); return a }
	cases := []struct {
		name string
		a    mayday.Address
		want bool
	}{
		{"ZIP+4", change(seattle, func(a *mayday.Address) { a.PostalCode = "98121-3302" }), true},
		{"house number written in the street", change(seattle, func(a *mayday.Address) { a.HouseNumber, a.Street = "", "2121 7th Ave" }), true},
		{"with a detail", change(seattle, func(a *mayday.Address) { a.Detail = "Floor 3, desk 12" }), true},
		{"lower-case country", change(seattle, func(a *mayday.Address) { a.Country = "us" }), true},
		{"a ZIP of four digits", change(seattle, func(a *mayday.Address) { a.PostalCode = "9812" }), false},
		{"a London postcode that is not one", change(World()[2], func(a *mayday.Address) { a.PostalCode = "12345" }), false},
		{"a Danish postcode of five digits", change(World()[3], func(a *mayday.Address) { a.PostalCode = "15500" }), false},
		{"no house number", change(seattle, func(a *mayday.Address) { a.HouseNumber = "" }), false},
		{"no postal code in the US", change(seattle, func(a *mayday.Address) { a.PostalCode = "" }), false},
		{"no city", change(World()[2], func(a *mayday.Address) { a.City = "" }), false},
	}
	for _, a := range World() {
		cases = append(cases, struct {
			name string
			a    mayday.Address
			want bool
		}{"real: " + a.City, a, true})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := h.New(t, World()).ValidateAddress(context.Background(), tc.a)
			if err != nil || got != tc.want {
				t.Errorf("ValidateAddress(%s) = %v, %v; want %v", tc.a, got, err, tc.want)
			}
		})
	}

	t.Run("a well-formed address that is no place", func(t *testing.T) {
		nowhere := change(seattle, func(a *mayday.Address) { a.HouseNumber, a.Street = "99999", "Nowhere Rd" })
		got, err := h.New(t, World()).ValidateAddress(context.Background(), nowhere)
		if err != nil || got != !h.Features.KnowsPlaces {
			t.Errorf("ValidateAddress = %v, %v; want %v (KnowsPlaces %v)", got, err, !h.Features.KnowsPlaces, h.Features.KnowsPlaces)
		}
	})

	t.Run("a real place outside the world", func(t *testing.T) {
		// What makes the answer true is the world, not the address's shape.
		got, err := h.New(t, World()[1:]).ValidateAddress(context.Background(), seattle)
		if err != nil || got != !h.Features.KnowsPlaces {
			t.Errorf("ValidateAddress = %v, %v; want %v (KnowsPlaces %v)", got, err, !h.Features.KnowsPlaces, h.Features.KnowsPlaces)
		}
	})

	t.Run("context ended", func(t *testing.T) {
		if !h.Features.HonoursContext {
			t.Skip("the validator does not call out")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		<-ctx.Done()
		start := time.Now()
		got, err := h.New(t, World()).ValidateAddress(ctx, seattle)
		if err == nil || got {
			t.Errorf("ValidateAddress after the deadline = %v, %v; want an error", got, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("answered after %v", d)
		}
	})
}
