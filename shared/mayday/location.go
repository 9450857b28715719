package mayday

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Location kinds: at a site, or remote (an address of the agent's own).
const (
	LocationSite   = "site"
	LocationRemote = "remote"
)

// Where a dial's location came from, first that applies: the call named
// the site; the call's client address is in a site's network; the agent
// confirmed it; the agent's home site.
const (
	SourceCall      = "call"
	SourceNetwork   = "network"
	SourceConfirmed = "confirmed"
	SourceHome      = "home"
)

// Location is the dispatchable location a call is placed from.
type Location struct {
	Kind   string // LocationSite or LocationRemote
	Source string
	// SiteID and Name: the site (LocationSite only).
	SiteID  string
	Name    string
	Address Address
	// Detail is free text: desk, floor, "Home office".
	Detail string
	// Validated: the address geocoded to a real place. A site's address
	// is the operator's and counts as validated.
	Validated bool
	// CallbackNumber is a remote agent's own number, registered at Address.
	CallbackNumber string
}

// LocationOf is a site's location with the dial's detail.
func LocationOf(s Site, detail, source string) Location {
	return Location{Kind: LocationSite, Source: source, SiteID: s.ID, Name: s.Name, Address: s.Address.Normalised(),
		Detail: detail, Validated: true}
}

// Country is the location's country.
func (l Location) Country() string { return l.Address.Country }

// AgentLocation is where an agent confirmed they work now: a site, or an
// address of their own (remote). It is current until ExpiresAt: a shift.
type AgentLocation struct {
	SiteID  string `json:",omitempty"`
	Address Address
	Detail  string `json:",omitempty"`
	// CallbackNumber is the agent's own number, whose emergency address
	// is registered at Address (remote only).
	CallbackNumber string `json:",omitempty"`
	Validated      bool
	ConfirmedAt    time.Time
	ExpiresAt      time.Time
}

// Kind is LocationSite or LocationRemote.
func (l AgentLocation) Kind() string {
	if l.SiteID != "" {
		return LocationSite
	}
	return LocationRemote
}

// CurrentAt reports whether the location holds at now.
func (l *AgentLocation) CurrentAt(now time.Time) bool { return l != nil && l.ExpiresAt.After(now) }

// maxDetail bounds a location's free text: Connect passes at most 60.
const maxDetail = 60

// Validate checks a location as an agent confirms it, naming the first bad
// field: a site, or a dispatchable address in a supported country; a
// callback number in the address's country.
func (l AgentLocation) Validate() error {
	bad := func(f string, args ...any) error { return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(f, args...)) }
	if err := ValidText("detail", l.Detail, maxDetail); err != nil {
		return err
	}
	if l.SiteID != "" {
		switch {
		case l.Address != (Address{}):
			return bad("give siteId or address, not both")
		case l.CallbackNumber != "":
			return bad("callbackNumber is for a remote location; a site presents its own numbers")
		}
		return nil
	}
	if l.Address == (Address{}) {
		return bad("siteId or address is required")
	}
	if err := l.Address.Dispatchable("address"); err != nil {
		return err
	}
	if l.CallbackNumber != "" {
		n, err := ParseE164(l.CallbackNumber)
		if err != nil {
			return fmt.Errorf("callbackNumber: %w", err)
		}
		if !NumberInCountry(n, l.Address.Country) {
			return bad("callbackNumber %s is not a number of %s", n, l.Address.Country)
		}
	}
	return nil
}

// countryCodes are the calling codes of the supported countries.
var countryCodes = map[string]string{"US": "+1", "CA": "+1", "PR": "+1", "GB": "+44", "DK": "+45"}

// NumberInCountry reports whether an E.164 number belongs to country's
// numbering plan, as far as its calling code tells.
func NumberInCountry(number, country string) bool {
	cc, ok := countryCodes[NormaliseCountry(country)]
	return ok && strings.HasPrefix(number, cc)
}

// AddressValidator geocodes an address: valid reports whether it names a
// real place. An error means it could not tell.
type AddressValidator interface {
	ValidateAddress(ctx context.Context, a Address) (valid bool, err error)
}
