// Package amazonlocation validates addresses with Amazon Location Service:
// SearchPlaceIndexForText on the stack's place index. It is the
// mayday.AddressValidator of the deployed admin-api.
package amazonlocation

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/location"
	"github.com/aws/aws-sdk-go-v2/service/location/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/mayday/mayday/shared/mayday"
)

// MinRelevance is the least relevance of a best result that validates:
// Esri scores a result closer to 1 the more of house number, street, city,
// region and postal code match.
const MinRelevance = 0.8

// maxResults: only the best result decides; a few are asked for so that
// its relevance is ranked against others.
const maxResults = 3

// Validator is a mayday.AddressValidator over a place index.
type Validator struct {
	client *location.Client
	index  string
}

var _ mayday.AddressValidator = (*Validator)(nil)

// New validates addresses against the named place index.
func New(client *location.Client, index string) *Validator {
	return &Validator{client: client, index: index}
}

// NewClient is the Amazon Location client for cfg. The SDK prefixes the
// host with "places." for the search operations, which only AWS's own
// endpoints answer: a custom endpoint (AWS_ENDPOINT_URL_LOCATION, a local
// stand-in) is used as given.
func NewClient(cfg aws.Config, optFns ...func(*location.Options)) *location.Client {
	return location.NewFromConfig(cfg, append(optFns, func(o *location.Options) {
		if o.BaseEndpoint != nil {
			o.APIOptions = append(o.APIOptions, keepHost)
		}
	})...)
}

func keepHost(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("MaydayKeepEndpointHost",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
		}), middleware.Before)
}

// countries maps the supported countries to the ISO 3166 alpha-3 codes
// Amazon Location filters and answers with.
var countries = map[string]string{"US": "USA", "CA": "CAN", "PR": "PRI", "GB": "GBR", "DK": "DNK"}

// CountryCode is a supported country's ISO 3166 alpha-3 code, or "".
func CountryCode(country string) string { return countries[mayday.NormaliseCountry(country)] }

// ValidateAddress searches the place index for the address on one line,
// within its country. It validates when the best result is relevant
// enough and is the address itself: its house number, and its postal code
// and country where Location returns them. An incomplete address is not
// searched for. A failed search (throttling, a missing index, the context
// ending) is an error: whether the address is real is then unknown.
func (v *Validator) ValidateAddress(ctx context.Context, a mayday.Address) (bool, error) {
	a = a.Normalised()
	if !a.Complete() {
		return false, nil
	}
	country := CountryCode(a.Country)
	if country == "" {
		return false, fmt.Errorf("amazon location: country %q has no ISO 3166 alpha-3 code here", a.Country)
	}
	text := a
	text.Detail = "" // where in the building is not part of the address
	out, err := v.client.SearchPlaceIndexForText(ctx, &location.SearchPlaceIndexForTextInput{
		IndexName:       aws.String(v.index),
		Text:            aws.String(text.String()),
		FilterCountries: []string{country},
		MaxResults:      aws.Int32(maxResults),
	})
	if err != nil {
		return false, fmt.Errorf("amazon location: search place index %s: %w", v.index, err)
	}
	if len(out.Results) == 0 {
		return false, nil
	}
	return Matches(a, out.Results[0]), nil
}

// Matches reports whether a search result is the address a (normalised):
// relevance at least MinRelevance where the data provider scores it (Esri,
// Grab; HERE does not); a house number, which must be a's; the postal
// code and the country, where returned, a's. A result with no house number
// is a street or a town, not the address.
func Matches(a mayday.Address, r types.SearchForTextResult) bool {
	if r.Relevance != nil && *r.Relevance < MinRelevance {
		return false
	}
	p := r.Place
	if p == nil || !sameHouseNumber(a.HouseNumber, aws.ToString(p.AddressNumber)) {
		return false
	}
	if c := aws.ToString(p.Country); c != "" && !strings.EqualFold(c, CountryCode(a.Country)) {
		return false
	}
	if pc := aws.ToString(p.PostalCode); pc != "" && !samePostalCode(a.Country, a.PostalCode, pc) {
		return false
	}
	return true
}

// sameHouseNumber compares house numbers by their leading number: Location
// returns "the numerical portion" (221 for 221B, 12 for 12-14).
func sameHouseNumber(ours, theirs string) bool {
	n := leadingDigits(ours)
	return n != "" && n == leadingDigits(theirs)
}

func leadingDigits(s string) string {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) })
	if i < 0 {
		return s
	}
	return s[:i]
}

// samePostalCode compares postal codes ignoring case and spaces. Location
// may answer coarser than what was entered: a US ZIP without its +4, a UK
// postcode's outward part.
func samePostalCode(country, ours, theirs string) bool {
	squash := func(s string) string { return strings.ToUpper(strings.ReplaceAll(s, " ", "")) }
	a, b := squash(ours), squash(theirs)
	switch mayday.NormaliseCountry(country) {
	case "US", "PR":
		a, _, _ = strings.Cut(a, "-")
		b, _, _ = strings.Cut(b, "-")
	case "GB":
		if outward, _, ok := strings.Cut(strings.TrimSpace(ours), " "); ok && squash(outward) == b {
			return true
		}
	}
	return a != "" && a == b
}
