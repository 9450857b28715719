package mayday

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
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
	// NotifySMS are the security desk's SMS numbers (E.164) and
	// NotifyWebhook an https URL that receives the signed JSON alert
	// (Slack- and Teams-compatible text plus the fields): alert channels
	// beside the Notify emails.
	NotifySMS     []string
	NotifyWebhook string
	// EscalateAfter is how long an alert may stay unacknowledged before
	// Escalate, the next tier (emails and E.164 SMS numbers), is alerted;
	// zero means DefaultEscalateAfter.
	EscalateAfter time.Duration
	Escalate      []string
	// TestAlerts: a test call (933) from the site alerts its desk too,
	// marked TEST.
	TestAlerts bool
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
	return s.validateAlerting()
}

// DefaultEscalateAfter is a site's EscalateAfter when it sets none.
const DefaultEscalateAfter = 2 * time.Minute

// MinEscalateAfter is the shortest EscalateAfter a site may set.
const MinEscalateAfter = time.Second

// EscalationDelay is how long the site's alerts wait for an
// acknowledgement before escalating.
func (s Site) EscalationDelay() time.Duration {
	if s.EscalateAfter == 0 {
		return DefaultEscalateAfter
	}
	return s.EscalateAfter
}

// validateAlerting checks the alert channels beside the emails.
func (s Site) validateAlerting() error {
	bad := func(f string, args ...any) error { return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(f, args...)) }
	for _, n := range s.NotifySMS {
		if err := validE164(n); err != nil {
			return fmt.Errorf("notifySms: %w", err)
		}
	}
	if s.NotifyWebhook != "" {
		if err := ValidWebhookURL(s.NotifyWebhook); err != nil {
			return fmt.Errorf("notifyWebhook: %w", err)
		}
	}
	if s.EscalateAfter != 0 && s.EscalateAfter < MinEscalateAfter {
		return bad("escalateAfter %s is shorter than %s", s.EscalateAfter, MinEscalateAfter)
	}
	for _, a := range s.Escalate {
		var err error
		if isPhone(a) {
			err = validE164(a)
		} else {
			err = ValidateAddress(a)
		}
		if err != nil {
			return fmt.Errorf("escalate: %w", err)
		}
	}
	return nil
}

// normaliseAlerting writes the SMS numbers as E.164 (punctuation
// dropped), as operators may type them.
func (s *Site) normaliseAlerting() error {
	e164s := func(field string, xs []string, phone func(string) bool) ([]string, error) {
		out := slices.Clone(xs)
		for i, x := range out {
			if !phone(x) {
				continue
			}
			n, err := ParseE164(x)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", field, err)
			}
			out[i] = n
		}
		return out, nil
	}
	var err error
	if s.NotifySMS, err = e164s("notifySms", s.NotifySMS, func(string) bool { return true }); err != nil {
		return err
	}
	s.Escalate, err = e164s("escalate", s.Escalate, isPhone)
	return err
}

// isPhone: an escalation recipient that is a number, not an email.
func isPhone(x string) bool { return strings.HasPrefix(strings.TrimSpace(x), "+") }

// validE164 accepts a number only in the form ParseE164 writes it.
func validE164(n string) error {
	p, err := ParseE164(n)
	if err != nil {
		return err
	}
	if p != n {
		return fmt.Errorf("%w: %q is not in E.164 form (%s)", ErrInvalid, n, p)
	}
	return nil
}

// ValidWebhookURL accepts an absolute https URL with a host and no
// credentials: the alert is signed, but a URL carrying a password would
// leak it into every site read.
func ValidWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Errorf("%w: %q is not a URL", ErrInvalid, raw)
	case u.Scheme != "https":
		return fmt.Errorf("%w: %q is not an https URL", ErrInvalid, raw)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("%w: %q has no host", ErrInvalid, raw)
	case u.User != nil:
		return fmt.Errorf("%w: the URL must not carry credentials", ErrInvalid)
	case len(raw) > maxWebhookURL:
		return fmt.Errorf("%w: the URL is longer than %d characters", ErrInvalid, maxWebhookURL)
	}
	return nil
}

const maxWebhookURL = 2048

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
