package inmem_test

import (
	"context"
	"testing"

	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
)

func TestGeocoder(t *testing.T) {
	home := mayday.Address{HouseNumber: "2121", Street: "7th Ave", City: "Seattle", Region: "WA", PostalCode: "98121", Country: "US"}
	for _, tc := range []struct {
		name   string
		change func(*mayday.Address)
		want   bool
	}{
		{"a US address", func(*mayday.Address) {}, true},
		{"ZIP+4", func(a *mayday.Address) { a.PostalCode = "98121-3302" }, true},
		{"a ZIP of four digits", func(a *mayday.Address) { a.PostalCode = "9812" }, false},
		{"no such state", func(a *mayday.Address) { a.Region = "XX" }, false},
		{"no house number", func(a *mayday.Address) { a.HouseNumber = "" }, false},
		{"London", func(a *mayday.Address) {
			*a = mayday.Address{HouseNumber: "10", Street: "Downing St", City: "London", PostalCode: "SW1A 2AA", Country: "GB"}
		}, true},
		{"a London postcode that is not one", func(a *mayday.Address) {
			*a = mayday.Address{HouseNumber: "10", Street: "Downing St", City: "London", PostalCode: "12345", Country: "GB"}
		}, false},
		{"Toronto", func(a *mayday.Address) {
			*a = mayday.Address{HouseNumber: "100", Street: "Queen St W", City: "Toronto", Region: "ON", PostalCode: "M5H 2N2", Country: "CA"}
		}, true},
		{"Copenhagen", func(a *mayday.Address) {
			*a = mayday.Address{HouseNumber: "1", Street: "Rådhuspladsen", City: "København", PostalCode: "1550", Country: "DK"}
		}, true},
	} {
		a := home
		tc.change(&a)
		if got, err := (inmem.Geocoder{}).ValidateAddress(context.Background(), a); err != nil || got != tc.want {
			t.Errorf("%s: %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}
