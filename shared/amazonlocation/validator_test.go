package amazonlocation_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/location/types"

	"github.com/mayday/mayday/shared/amazonlocation"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/testkit/awsfake"
	"github.com/mayday/mayday/shared/testkit/geocodetest"
)

const index = "mayday-places"

// fake starts Amazon Location's fake with the index on a data source,
// holding the world's addresses as places, and a validator pointed at it.
func fake(t *testing.T, dataSource string, world []mayday.Address) (*awsfake.Location, *amazonlocation.Validator) {
	t.Helper()
	f := awsfake.NewLocation()
	t.Cleanup(f.Close)
	f.AddIndex(index, dataSource)
	for _, a := range world {
		a = a.Normalised()
		if err := f.AddPlace(index, awsfake.Place{Label: a.String(), AddressNumber: a.HouseNumber, Street: a.Street,
			Municipality: a.City, Region: a.Region, PostalCode: a.PostalCode, Country: amazonlocation.CountryCode(a.Country)}); err != nil {
			t.Fatal(err)
		}
	}
	return f, amazonlocation.New(amazonlocation.NewClient(config(f)), index)
}

// config is an AWS configuration for the fake: static credentials, and the
// standard retryer with short backoffs, as coldstart bounds them.
func config(f *awsfake.Location) aws.Config {
	return aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(f.URL), Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = 100 * time.Millisecond })
		}}
}

// TestContract: the AddressValidator contract against an Esri index, whose
// results carry a relevance, and a HERE index, whose results do not.
func TestContract(t *testing.T) {
	for _, source := range []string{"Esri", "Here"} {
		t.Run(source, func(t *testing.T) {
			geocodetest.Run(t, geocodetest.Harness{
				New: func(t *testing.T, world []mayday.Address) mayday.AddressValidator {
					_, v := fake(t, source, world)
					return v
				},
				Features: geocodetest.Features{KnowsPlaces: true, HonoursContext: true},
			})
		})
	}
}

// TestRequest: one search on the index, signed for geo, the address on one
// line without its detail, filtered to its country's alpha-3 code; an
// incomplete address is not searched for.
func TestRequest(t *testing.T) {
	world := geocodetest.World()
	f, v := fake(t, "Esri", world)
	for i, tc := range []struct {
		a        mayday.Address
		text     string
		country  string
		searched bool
	}{
		{world[0], "2121 7th Ave, Seattle, WA 98121, US", "USA", true},
		{world[1], "100 Queen St W, Toronto, ON M5H 2N2, CA", "CAN", true},
		{world[2], "10 Downing St, London, SW1A 2AA, GB", "GBR", true},
		{world[3], "1 Rådhuspladsen, København, 1550, DK", "DNK", true},
		{world[4], "151 Calle de San Francisco, San Juan, PR 00901, PR", "PRI", true},
		{mayday.Address{Street: "10 Downing St", City: "London", PostalCode: "SW1A 2AA", Country: "uk", Detail: "Cabinet Room"},
			"10 Downing St, London, SW1A 2AA, GB", "GBR", true},
		{mayday.Address{Street: "Downing St", City: "London", Country: "GB"}, "", "", false},
	} {
		before := len(f.Requests())
		if _, err := v.ValidateAddress(context.Background(), tc.a); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		reqs := f.Requests()[before:]
		if !tc.searched {
			if len(reqs) != 0 {
				t.Errorf("%d: an incomplete address was searched for: %+v", i, reqs)
			}
			continue
		}
		want := awsfake.LocationRequest{Index: index, Service: "geo", Region: "eu-west-1", Text: tc.text,
			FilterCountries: []string{tc.country}, MaxResults: 3}
		if len(reqs) != 1 || !reflect.DeepEqual(reqs[0], want) {
			t.Errorf("%d: sent %+v\nwant %+v", i, reqs, want)
		}
	}
}

// TestFailures: a search that fails is an error, never a verdict; the
// SDK retries throttling; the context bounds the whole.
func TestFailures(t *testing.T) {
	seattle := geocodetest.World()[0]
	throttled := awsfake.LocationError{Status: 429, Type: "ThrottlingException"}
	for _, tc := range []struct {
		name     string
		index    bool
		fail     []awsfake.LocationError
		delay    time.Duration
		want     bool
		wantErr  bool
		requests int
	}{
		{"throttled once, then answered", true, []awsfake.LocationError{throttled}, 0, true, false, 2},
		{"index missing", false, nil, 0, false, true, 1},
		{"access denied", true, []awsfake.LocationError{{Status: 403, Type: "AccessDeniedException"}}, 0, false, true, 1},
		{"throttled on every attempt", true, []awsfake.LocationError{throttled, throttled, throttled, throttled}, 0, false, true, 3},
		{"slower than the deadline", true, nil, 5 * time.Second, false, true, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, v := fake(t, "Esri", []mayday.Address{seattle})
			if !tc.index {
				v = amazonlocation.New(amazonlocation.NewClient(config(f)), "gone")
			}
			f.FailNext(tc.fail...)
			f.Delay = tc.delay
			ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
			defer cancel()
			start := time.Now()
			got, err := v.ValidateAddress(ctx, seattle)
			if got != tc.want || (err != nil) != tc.wantErr {
				t.Fatalf("ValidateAddress = %v, %v; want %v, error %v", got, err, tc.want, tc.wantErr)
			}
			if d := time.Since(start); d > 2500*time.Millisecond {
				t.Errorf("answered after %v, past the deadline", d)
			}
			if n := len(f.Requests()); tc.requests >= 0 && n != tc.requests {
				t.Errorf("%d requests, want %d", n, tc.requests)
			}
			var nf *types.ResourceNotFoundException
			if !tc.index && !errors.As(err, &nf) {
				t.Errorf("missing index: %v, want a ResourceNotFoundException", err)
			}
		})
	}
}

// TestMatches: the verdict on the best result.
func TestMatches(t *testing.T) {
	us := mayday.Address{HouseNumber: "2121", Street: "7th Ave", City: "Seattle", Region: "WA", PostalCode: "98121-3302", Country: "US"}
	gb := mayday.Address{HouseNumber: "221B", Street: "Baker St", City: "London", PostalCode: "NW1 6XE", Country: "GB"}
	place := func(number, postal, country string) *types.Place {
		p := &types.Place{Country: aws.String(country)}
		if number != "" {
			p.AddressNumber = aws.String(number)
		}
		if postal != "" {
			p.PostalCode = aws.String(postal)
		}
		return p
	}
	rel := aws.Float64
	for _, tc := range []struct {
		name string
		a    mayday.Address
		r    types.SearchForTextResult
		want bool
	}{
		{"the address", us, types.SearchForTextResult{Place: place("2121", "98121", "USA"), Relevance: rel(1)}, true},
		{"relevance at the threshold", us, types.SearchForTextResult{Place: place("2121", "98121", "USA"), Relevance: rel(0.8)}, true},
		{"relevance below it", us, types.SearchForTextResult{Place: place("2121", "98121", "USA"), Relevance: rel(0.79)}, false},
		{"no relevance (HERE)", us, types.SearchForTextResult{Place: place("2121", "98121", "USA")}, true},
		{"another house", us, types.SearchForTextResult{Place: place("2100", "98121", "USA"), Relevance: rel(0.9)}, false},
		{"a street, no house number", us, types.SearchForTextResult{Place: place("", "98121", "USA"), Relevance: rel(0.9)}, false},
		{"another postal code", us, types.SearchForTextResult{Place: place("2121", "98101", "USA"), Relevance: rel(0.9)}, false},
		{"ZIP+4 returned", us, types.SearchForTextResult{Place: place("2121", "98121-3302", "USA"), Relevance: rel(1)}, true},
		{"no postal code returned", us, types.SearchForTextResult{Place: place("2121", "", "USA"), Relevance: rel(1)}, true},
		{"another country", us, types.SearchForTextResult{Place: place("2121", "98121", "CAN"), Relevance: rel(1)}, false},
		{"no place", us, types.SearchForTextResult{Relevance: rel(1)}, false},
		{"numerical portion of 221B", gb, types.SearchForTextResult{Place: place("221", "NW1 6XE", "GBR"), Relevance: rel(1)}, true},
		{"postcode without its space", gb, types.SearchForTextResult{Place: place("221B", "nw16xe", "GBR"), Relevance: rel(1)}, true},
		{"outward code only", gb, types.SearchForTextResult{Place: place("221", "NW1", "GBR"), Relevance: rel(1)}, true},
		{"another postcode", gb, types.SearchForTextResult{Place: place("221", "NW1 5LR", "GBR"), Relevance: rel(1)}, false},
	} {
		if got := amazonlocation.Matches(tc.a.Normalised(), tc.r); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
