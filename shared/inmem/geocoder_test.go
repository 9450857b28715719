package inmem_test

import (
	"context"
	"testing"

	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/testkit/geocodetest"
)

func TestGeocoderContract(t *testing.T) {
	geocodetest.Run(t, geocodetest.Harness{
		New: func(*testing.T, []mayday.Address) mayday.AddressValidator { return inmem.Geocoder{} },
	})
}

// TestGeocoderRegions: offline, the region is checked against the
// country's list (map data checks the place instead).
func TestGeocoderRegions(t *testing.T) {
	home := mayday.Address{HouseNumber: "2121", Street: "7th Ave", City: "Seattle", Region: "WA", PostalCode: "98121", Country: "US"}
	for _, tc := range []struct {
		region, country, postalCode string
		want                        bool
	}{
		{"WA", "US", "98121", true},
		{"wa", "US", "98121", true},
		{"XX", "US", "98121", false},
		{"ON", "CA", "M5H 2N2", true},
		{"WA", "CA", "M5H 2N2", false},
	} {
		a := home
		a.Region, a.Country, a.PostalCode = tc.region, tc.country, tc.postalCode
		if got, err := (inmem.Geocoder{}).ValidateAddress(context.Background(), a); err != nil || got != tc.want {
			t.Errorf("%s, %s: %v, %v; want %v", tc.region, tc.country, got, err, tc.want)
		}
	}
}
