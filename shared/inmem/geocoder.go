package inmem

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/mayday/mayday/shared/mayday"
)

// Geocoder is the embedded address validator of the local runner: with no
// map data at hand it checks what it can offline, that the postal code has
// its country's shape and that the region is one of the country's. An
// address that passes is as far as it can tell a real place.
type Geocoder struct{}

var _ mayday.AddressValidator = Geocoder{}

var postalCodes = map[string]*regexp.Regexp{
	"US": regexp.MustCompile(`^[0-9]{5}(-[0-9]{4})?$`),
	"PR": regexp.MustCompile(`^00[679][0-9]{2}(-[0-9]{4})?$`),
	"CA": regexp.MustCompile(`^[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] ?[0-9][ABCEGHJ-NPRSTV-Z][0-9]$`),
	"GB": regexp.MustCompile(`^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$`),
	"DK": regexp.MustCompile(`^[0-9]{4}$`),
}

var regions = map[string][]string{
	"US": strings.Fields("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY"),
	"CA": strings.Fields("AB BC MB NB NL NS NT NU ON PE QC SK YT"),
}

// ValidateAddress reports whether the address could be a real place.
func (Geocoder) ValidateAddress(_ context.Context, a mayday.Address) (bool, error) {
	a = a.Normalised()
	if !a.Complete() {
		return false, nil
	}
	if re, ok := postalCodes[a.Country]; ok && a.PostalCode != "" && !re.MatchString(strings.ToUpper(a.PostalCode)) {
		return false, nil
	}
	if rs, ok := regions[a.Country]; ok && !slices.Contains(rs, strings.ToUpper(a.Region)) {
		return false, nil
	}
	return true, nil
}
