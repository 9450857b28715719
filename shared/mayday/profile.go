package mayday

import (
	"fmt"
	"regexp"
	"slices"
)

// Profile is what operators set on an agent (PUT /v1/agents/{id}).
type Profile struct {
	Name  string
	Email string
	// Presence, set, changes the agent's presence (during an emergency,
	// the one restored afterwards).
	Presence             Presence
	Country              string
	EmergencyContacts    []string
	MailboxEnabled       bool
	OutboundVoiceProfile bool
	BrowserLocation      bool
	NumberType           string
	DirectRoutingRules   []string
	// SiteID is the agent's home site; a dial may name another.
	SiteID string
}

var countryCode = regexp.MustCompile(`^[A-Z]{2}$`)

// Validate checks a profile as operators enter it, naming the first bad
// field. Whether SiteID names a site is the store's to tell.
func (p Profile) Validate() error {
	bad := func(f string, args ...any) error { return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(f, args...)) }
	if err := ValidText("name", p.Name, MaxNameLength); err != nil {
		return err
	}
	if err := ValidOptionalID("siteId", p.SiteID); err != nil {
		return err
	}
	if p.Email != "" {
		if err := ValidateAddress(p.Email); err != nil {
			return fmt.Errorf("email: %w", err)
		}
	}
	if p.Presence != "" {
		if _, err := ParsePresence(string(p.Presence)); err != nil {
			return err
		}
	}
	if p.Country != "" && !countryCode.MatchString(p.Country) {
		return bad("country %q: want an ISO 3166 code like US", p.Country)
	}
	for _, c := range p.EmergencyContacts {
		if err := ValidateAddress(c); err != nil {
			return fmt.Errorf("emergencyContacts: %w", err)
		}
	}
	if !slices.Contains([]string{NumberCallingPlan, NumberDirectOffer, NumberDirectRouting}, p.NumberType) {
		return bad("numberType %q (want calling-plan, direct-offer or direct-routing)", p.NumberType)
	}
	for _, rule := range p.DirectRoutingRules {
		if _, err := regexp.Compile(rule); err != nil {
			return bad("directRoutingRules: %q is not a valid pattern", rule)
		}
	}
	return nil
}
