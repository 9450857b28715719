package mayday

import (
	"fmt"
	"net/netip"
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
	// Networks are the site's client networks (CIDR): a call from an
	// address inside one is at the site.
	Networks  []string
	UpdatedAt time.Time
	Version   int64
}

// Validate checks a site as operators enter it, naming the first bad field.
func (s Site) Validate() error {
	bad := func(f string, args ...any) error { return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(f, args...)) }
	if err := ValidText("name", s.Name, MaxNameLength); err != nil {
		return err
	}
	if err := validAddressText("address", s.Address); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(s.Name) == "":
		return bad("name is required")
	case !SupportedCountry(s.Country):
		return bad("country %q is not a supported location", s.Country)
	}
	if err := s.Address.Dispatchable("address"); err != nil {
		return err
	}
	if NormaliseCountry(s.Address.Country) != s.Country {
		return bad("address.country %q is not the site's country %s", s.Address.Country, s.Country)
	}
	for _, n := range s.Networks {
		if _, err := netip.ParsePrefix(n); err != nil {
			return bad("networks: %q is not a CIDR like 10.1.0.0/16", n)
		}
	}
	if s.EmergencyCallbackNumber != "" {
		n, err := ParseE164(s.EmergencyCallbackNumber)
		if err != nil {
			return fmt.Errorf("emergencyCallbackNumber: %w", err)
		}
		if !NumberInCountry(n, s.Country) {
			return bad("emergencyCallbackNumber %s is not a number of %s", n, s.Country)
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
	// CallerAgent: the remote agent's own number, registered at the
	// agent's address.
	CallerAgent = "agent"
	// CallerDefault: the platform's default caller ID for the country.
	CallerDefault = "default"
	// CallerNone: no caller ID at all; the platform presents what it has.
	CallerNone = "none"
)

// Why a dial presented no lease.
const (
	FallbackPoolEmpty        = "pool-empty"
	FallbackStoreUnavailable = "store-unavailable"
	// FallbackUnknownAgent: the agent id is not one operators created.
	FallbackUnknownAgent = "unknown-agent"
)
