package mayday

import (
	"fmt"
	"strings"
	"time"
)

// Site is an emergency response location: a dispatchable civic address, the
// default emergency callback number (ECBN) presented when no callback number
// can be leased, and who at the site hears of an emergency call (a security
// desk). Callback numbers of a site have their emergency address registered
// with the carrier at the site's address.
type Site struct {
	ID      string
	Name    string
	Country string
	Address Address
	// EmergencyCallbackNumber is the site's main number (E.164), usually
	// ringing its security desk; empty for none.
	EmergencyCallbackNumber string
	Notify                  []string
	UpdatedAt               time.Time
	Version                 int64
}

// Address is a dispatchable civic address.
type Address struct {
	Street     string
	City       string
	Region     string
	PostalCode string
	Country    string
	// Detail is where in the building: building, floor, room.
	Detail string
}

// Complete reports whether an emergency service could be sent to the
// address: street, city, postal code and country.
func (a Address) Complete() bool {
	return a.Street != "" && a.City != "" && a.PostalCode != "" && a.Country != ""
}

// Missing names the parts Complete needs that are empty.
func (a Address) Missing() []string {
	var out []string
	for _, p := range []struct{ name, v string }{{"street", a.Street}, {"city", a.City},
		{"postalCode", a.PostalCode}, {"country", a.Country}} {
		if p.v == "" {
			out = append(out, p.name)
		}
	}
	return out
}

// String is the address on one line, as an email shows it.
func (a Address) String() string {
	var parts []string
	for _, p := range []string{a.Detail, a.Street, a.City, strings.TrimSpace(a.Region + " " + a.PostalCode), a.Country} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// Validate checks a site as operators enter it, naming the first bad field.
func (s Site) Validate() error {
	bad := func(f string, args ...any) error { return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(f, args...)) }
	switch {
	case strings.TrimSpace(s.Name) == "":
		return bad("name is required")
	case !SupportedCountry(s.Country):
		return bad("country %q is not a supported location", s.Country)
	case s.Address.Street == "":
		return bad("address.street is required")
	case s.Address.City == "":
		return bad("address.city is required")
	case s.Address.Country == "":
		return bad("address.country is required")
	case NormaliseCountry(s.Address.Country) != s.Country:
		return bad("address.country %q is not the site's country %s", s.Address.Country, s.Country)
	}
	if s.EmergencyCallbackNumber != "" {
		if _, err := ParseE164(s.EmergencyCallbackNumber); err != nil {
			return fmt.Errorf("emergencyCallbackNumber: %w", err)
		}
	}
	for _, a := range s.Notify {
		if err := ValidateAddress(a); err != nil {
			return fmt.Errorf("notify: %w", err)
		}
	}
	return nil
}

// Caller ID sources: what the dial answer presented as the calling number.
const (
	// CallerLease: the agent's callback lease.
	CallerLease = "lease"
	// CallerECBN: the site's emergency callback number, because no number
	// could be leased in time.
	CallerECBN = "ecbn"
	// CallerDefault: no caller ID; the platform presents its default.
	CallerDefault = "default"
)

// Why a dial presented no lease.
const (
	FallbackPoolEmpty        = "pool-empty"
	FallbackStoreUnavailable = "store-unavailable"
)

// Location is the dispatchable location a call is placed from.
type Location struct {
	SiteID  string
	Name    string
	Address Address
	// Detail is the dial's free text (desk, floor).
	Detail string
}

// LocationOf is a site's location with the dial's detail.
func LocationOf(s Site, detail string) Location {
	return Location{SiteID: s.ID, Name: s.Name, Address: s.Address, Detail: detail}
}
