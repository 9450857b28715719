package mayday

import (
	"fmt"
	"regexp"
	"strings"
)

// Address is a dispatchable civic address: where an emergency service is
// sent. Floor, room or desk belong to the location's detail, not here.
type Address struct {
	HouseNumber string
	Street      string
	City        string
	Region      string
	PostalCode  string
	Country     string
	// Detail is where in the building, as sites stored it before locations
	// had their own detail.
	Detail string
}

// leadingHouseNumber is a house number written at the start of the street
// ("1 Main St", "221B Baker Street", "12-14 High St"), but not an ordinal
// that names the street ("7th Ave").
var leadingHouseNumber = regexp.MustCompile(`^([0-9]+[A-Za-z]?(?:[-/][0-9]+[A-Za-z]?)?)\s+(\S.*)$`)

// Normalised splits a house number written at the start of the street into
// HouseNumber, as addresses were entered before they had one, and trims
// every part. An address with a house number is left as it is.
func (a Address) Normalised() Address {
	for _, p := range []*string{&a.HouseNumber, &a.Street, &a.City, &a.Region, &a.PostalCode, &a.Country, &a.Detail} {
		*p = strings.TrimSpace(*p)
	}
	if a.HouseNumber == "" {
		if m := leadingHouseNumber.FindStringSubmatch(a.Street); m != nil {
			a.HouseNumber, a.Street = m[1], m[2]
		}
	}
	a.Country = NormaliseCountry(a.Country)
	return a
}

// northAmerican countries need a region and a postal code to be dispatchable.
func northAmerican(country string) bool {
	switch NormaliseCountry(country) {
	case "US", "CA", "PR":
		return true
	}
	return false
}

// Missing names the parts a dispatchable address needs that are empty:
// street, house number, city and country, and for US, CA and PR also the
// region and the postal code.
func (a Address) Missing() []string {
	a = a.Normalised()
	parts := []struct{ name, v string }{{"street", a.Street}, {"houseNumber", a.HouseNumber}, {"city", a.City}, {"country", a.Country}}
	if northAmerican(a.Country) {
		parts = append(parts, struct{ name, v string }{"region", a.Region}, struct{ name, v string }{"postalCode", a.PostalCode})
	}
	var out []string
	for _, p := range parts {
		if p.v == "" {
			out = append(out, p.name)
		}
	}
	return out
}

// Complete reports whether an emergency service could be sent to the address.
func (a Address) Complete() bool { return len(a.Missing()) == 0 }

// Dispatchable checks the address, naming the first missing part as
// field.part (field: where the caller put it).
func (a Address) Dispatchable(field string) error {
	if m := a.Missing(); len(m) > 0 {
		return fmt.Errorf("%w: %s.%s is required for a dispatchable address", ErrInvalid, field, m[0])
	}
	if !SupportedCountry(a.Country) {
		return fmt.Errorf("%w: %s.country %q is not a supported location", ErrInvalid, field, a.Country)
	}
	return nil
}

// String is the address on one line, as an email shows it.
func (a Address) String() string {
	a = a.Normalised()
	var parts []string
	for _, p := range []string{a.Detail, strings.TrimSpace(a.HouseNumber + " " + a.Street), a.City,
		strings.TrimSpace(a.Region + " " + a.PostalCode), a.Country} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}
