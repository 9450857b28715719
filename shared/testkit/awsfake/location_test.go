package awsfake_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/location"
	loctypes "github.com/aws/aws-sdk-go-v2/service/location/types"

	"github.com/mayday/mayday/shared/amazonlocation"
	"github.com/mayday/mayday/shared/testkit/awsfake"
)

// seattle is the fixture's world: the place searched for and a neighbour.
func seattle(t *testing.T, f *awsfake.Location, index string) {
	t.Helper()
	no, offset := false, -28800
	for _, p := range []awsfake.Place{
		{Label: "2121 7th Ave, Seattle, WA, 98121, USA", Geometry: &awsfake.Geometry{Point: []float64{-122.33954, 47.61535}},
			AddressNumber: "2121", Street: "7th Ave", Neighborhood: "Belltown", Municipality: "Seattle", SubRegion: "King County",
			Region: "Washington", Country: "USA", PostalCode: "98121", Interpolated: &no,
			TimeZone: &awsfake.TimeZone{Name: "America/Los_Angeles", Offset: &offset}},
		{Label: "2100 7th Ave, Seattle, WA, 98121, USA", Geometry: &awsfake.Geometry{Point: []float64{-122.3393, 47.6159}},
			AddressNumber: "2100", Street: "7th Ave", Municipality: "Seattle", SubRegion: "King County",
			Region: "Washington", Country: "USA", PostalCode: "98121", Interpolated: &no},
		{Label: "10 Downing St, London, SW1A 2AA, GBR", AddressNumber: "10", Street: "Downing St", Municipality: "London",
			Country: "GBR", PostalCode: "SW1A 2AA"},
	} {
		if err := f.AddPlace(index, p); err != nil {
			t.Fatal(err)
		}
	}
}

const seattleText = "2121 7th Ave, Seattle, WA 98121, US"

// signed is a request carrying a SigV4 Authorization of the given scope
// (the fake checks its shape, not its signature).
func signed(t *testing.T, url, service, contentType string, body []byte) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if service != "" {
		req.Header.Set("X-Amz-Date", "20261206T120000Z")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=local/20261206/us-east-1/"+service+
			"/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=00")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestLocationDocumentedAnswer: the fake answers the documented response
// body (the same compact JSON, members in the same order), and the SDK
// reads it.
func TestLocationDocumentedAnswer(t *testing.T) {
	f := awsfake.NewLocation()
	defer f.Close()
	f.AddIndex("mayday-places", "Esri")
	seattle(t, f, "mayday-places")
	want, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "amazonlocation", "search-place-index-for-text.json"))
	if err != nil {
		t.Fatal(err)
	}
	in, _ := json.Marshal(map[string]any{"Text": seattleText, "FilterCountries": []string{"USA"}, "MaxResults": 3})
	resp := signed(t, f.URL+"/places/v0/indexes/mayday-places/search/text", "geo", "application/json", in)
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, got)
	}
	var g, w bytes.Buffer
	if err := errors.Join(json.Compact(&g, got), json.Compact(&w, want)); err != nil || g.String() != w.String() {
		t.Errorf("answer (%v):\n%s\nwant testdata/amazonlocation/search-place-index-for-text.json:\n%s", err, &g, &w)
	}

	c := amazonlocation.NewClient(aws.Config{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(f.URL)})
	out, err := c.SearchPlaceIndexForText(context.Background(), &location.SearchPlaceIndexForTextInput{IndexName: aws.String("mayday-places"),
		Text: aws.String(seattleText), FilterCountries: []string{"USA"}, MaxResults: aws.Int32(3)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Results) != 2 || aws.ToFloat64(out.Results[0].Relevance) != 1 || aws.ToString(out.Results[0].Place.AddressNumber) != "2121" ||
		aws.ToString(out.Results[0].Place.PostalCode) != "98121" || aws.ToString(out.Results[0].Place.Country) != "USA" ||
		aws.ToBool(out.Results[0].Place.Interpolated) || aws.ToString(out.Summary.DataSource) != "Esri" ||
		aws.ToFloat64(out.Results[1].Relevance) != 0.75 {
		t.Errorf("SDK read %+v", out)
	}
	wantReq := awsfake.LocationRequest{Index: "mayday-places", Service: "geo", Region: "us-east-1", Text: seattleText,
		FilterCountries: []string{"USA"}, MaxResults: 3}
	if reqs := f.Requests(); len(reqs) != 2 || !reflect.DeepEqual(reqs[1], wantReq) {
		t.Errorf("requests %+v, want the SDK's last: %+v", reqs, wantReq)
	}
}

// TestLocationProviders: Relevance from Esri and Grab only, PlaceId from
// HERE and Grab only; FilterCountries and MaxResults apply.
func TestLocationProviders(t *testing.T) {
	f := awsfake.NewLocation()
	defer f.Close()
	c := amazonlocation.NewClient(aws.Config{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(f.URL)})
	const london = "10 Downing St, London, SW1A 2AA"
	for i, tc := range []struct {
		source             string
		relevance, placeID bool
		text               string
		countries          []string
		max                int32
		want               []string // the results' house numbers
	}{
		{"Esri", true, false, seattleText, []string{"USA"}, 3, []string{"2121", "2100"}},
		{"Here", false, true, seattleText, []string{"USA"}, 3, []string{"2121", "2100"}},
		{"Grab", true, true, seattleText, []string{"USA"}, 1, []string{"2121"}},
		{"Esri", true, false, london, []string{"GBR"}, 3, []string{"10"}},
		{"Esri", true, false, london, []string{"USA"}, 3, nil},
		{"Esri", true, false, london + ", 7th Ave", nil, 50, []string{"10", "2121", "2100"}},
	} {
		name := fmt.Sprintf("ix-%d-%s", i, tc.source)
		f.AddIndex(name, tc.source)
		seattle(t, f, name)
		out, err := c.SearchPlaceIndexForText(context.Background(), &location.SearchPlaceIndexForTextInput{IndexName: aws.String(name),
			Text: aws.String(tc.text), FilterCountries: tc.countries, MaxResults: aws.Int32(tc.max)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got []string
		for _, r := range out.Results {
			got = append(got, aws.ToString(r.Place.AddressNumber))
			if (r.Relevance != nil) != tc.relevance || (r.PlaceId != nil) != tc.placeID {
				t.Errorf("%s: relevance %v, place id %v", name, r.Relevance, r.PlaceId)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: results %q, want %q", name, got, tc.want)
		}
	}
}

// TestLocationRefuses: what AWS refuses, with its error types.
func TestLocationRefuses(t *testing.T) {
	f := awsfake.NewLocation()
	defer f.Close()
	f.AddIndex("places", "Esri")
	url := f.URL + "/places/v0/indexes/places/search/text"
	for _, tc := range []struct {
		name, service, contentType, body string
		status                           int
		errType                          string
	}{
		{"unsigned", "", "application/json", `{"Text":"x"}`, 403, "AccessDeniedException"},
		{"signed for another service", "places", "application/json", `{"Text":"x"}`, 403, "AccessDeniedException"},
		{"no text", "geo", "application/json", `{}`, 400, "ValidationException"},
		{"alpha-2 country", "geo", "application/json", `{"Text":"x","FilterCountries":["US"]}`, 400, "ValidationException"},
		{"too many results", "geo", "application/json", `{"Text":"x","MaxResults":51}`, 400, "ValidationException"},
		{"bias and box", "geo", "application/json", `{"Text":"x","BiasPosition":[1,2],"FilterBBox":[1,2,3,4]}`, 400, "ValidationException"},
	} {
		resp := signed(t, url, tc.service, tc.contentType, []byte(tc.body))
		resp.Body.Close()
		if resp.StatusCode != tc.status || resp.Header.Get("X-Amzn-Errortype") != tc.errType {
			t.Errorf("%s: %d %s, want %d %s", tc.name, resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"), tc.status, tc.errType)
		}
	}

	// Through the SDK, as typed errors: a missing index; injected throttling
	// (with the SDK's retries off).
	c := amazonlocation.NewClient(aws.Config{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(f.URL)},
		func(o *location.Options) { o.Retryer = aws.NopRetryer{} })
	search := func(index string) error {
		_, err := c.SearchPlaceIndexForText(context.Background(), &location.SearchPlaceIndexForTextInput{IndexName: aws.String(index),
			Text: aws.String("x")})
		return err
	}
	var nf *loctypes.ResourceNotFoundException
	if err := search("nope"); !errors.As(err, &nf) {
		t.Errorf("missing index: %v", err)
	}
	f.FailNext(awsfake.LocationError{Status: 429, Type: "ThrottlingException"})
	var throttled *loctypes.ThrottlingException
	if err := search("places"); !errors.As(err, &throttled) {
		t.Errorf("throttled: %v", err)
	}
	if err := search("places"); err != nil {
		t.Errorf("after the injected failure: %v", err)
	}
}
