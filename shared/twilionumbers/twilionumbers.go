// Package twilionumbers is the NumberRegistry of Twilio: which numbers are
// the account's with an emergency address registered, read from the REST
// API's IncomingPhoneNumbers resource through twilio-go (basic auth with the
// account SID and auth token). Twilio sends the emergency service the
// address registered for the number a call presents.
package twilionumbers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/twiliorest"
)

// Config is what the registry needs.
type Config struct {
	AccountSID string
	AuthToken  twiliorest.Secret
	// BaseURL replaces https://api.twilio.com (a local fake); "" is Twilio.
	BaseURL string
	// HTTPClient is the client requests go through; nil is one bounded by
	// twiliorest.Timeout.
	HTTPClient *http.Client
}

// Registry asks Twilio about the account's numbers.
type Registry struct {
	cfg  Config
	base *url.URL
}

var _ mayday.NumberRegistry = (*Registry)(nil)

// New checks the configuration.
func New(cfg Config) (*Registry, error) {
	var errs []error
	if cfg.AccountSID == "" {
		errs = append(errs, fmt.Errorf("%w: twilio numbers: account SID", mayday.ErrMissingDependency))
	}
	if cfg.AuthToken == nil {
		errs = append(errs, fmt.Errorf("%w: twilio numbers: auth token", mayday.ErrMissingDependency))
	}
	base, err := twiliorest.ParseBase(cfg.BaseURL)
	if err != nil {
		errs = append(errs, fmt.Errorf("%w: twilio numbers: %w", mayday.ErrInvalid, err))
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = twiliorest.HTTPClient()
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Registry{cfg: cfg, base: base}, nil
}

// Platform names Twilio in the readiness report.
func (*Registry) Platform() string { return "Twilio" }

// emergencyCountries are where Twilio registers emergency addresses for
// its numbers; elsewhere a call reaches no dispatcher with the address.
var emergencyCountries = []string{"US", "CA", "GB"}

// EmergencyCalling reports whether Twilio places emergency calls with a
// registered address from country.
func (*Registry) EmergencyCalling(country string) bool {
	return slices.Contains(emergencyCountries, mayday.NormaliseCountry(country))
}

// Unregistered returns those of numbers that are not the account's or have
// no emergency address registered (or one pending, failed, or with
// emergency calling inactive), asking for each number in turn.
func (r *Registry) Unregistered(ctx context.Context, numbers []string) ([]string, error) {
	return r.each(ctx, numbers, registered)
}

// WithoutFallback returns those of numbers (the callback numbers) that are
// not the account's or have no Voice Fallback URL: when Mayday cannot answer
// a PSAP's callback, Twilio has nothing to ring.
func (r *Registry) WithoutFallback(ctx context.Context, numbers []string) ([]string, error) {
	return r.each(ctx, numbers, func(p api.ApiV2010IncomingPhoneNumber) bool { return str(p.VoiceFallbackUrl) != "" })
}

// each returns those of numbers for which the account has no number
// satisfying ok, asking for each number in turn.
func (r *Registry) each(ctx context.Context, numbers []string, ok func(api.ApiV2010IncomingPhoneNumber) bool) ([]string, error) {
	c, err := twiliorest.Client(ctx, r.cfg.AccountSID, r.cfg.AuthToken, r.base, r.cfg.HTTPClient)
	if err != nil {
		return nil, fmt.Errorf("twilio numbers: %w", err)
	}
	svc := api.NewApiServiceWithClient(c)
	var out []string
	for i, n := range numbers {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		found, err := svc.ListIncomingPhoneNumber((&api.ListIncomingPhoneNumberParams{}).SetPhoneNumber(n).SetPageSize(20))
		if err != nil {
			return nil, fmt.Errorf("twilio numbers: list the account's numbers (the %d. asked): %w", i+1, withoutURL(err))
		}
		if !slices.ContainsFunc(found, func(p api.ApiV2010IncomingPhoneNumber) bool { return str(p.PhoneNumber) == n && ok(p) }) {
			out = append(out, n)
		}
	}
	return out, nil
}

// registered: an emergency address is associated, registration done (an
// older resource without the status counts on the address alone), and
// emergency calling not turned off.
func registered(p api.ApiV2010IncomingPhoneNumber) bool {
	status := str(p.EmergencyAddressStatus)
	return str(p.EmergencyAddressSid) != "" && str(p.EmergencyStatus) != "Inactive" && (status == "" || status == "registered")
}

// withoutURL drops the request URL from a transport error: its query names
// the phone number, which logs must not carry.
func withoutURL(err error) error {
	var u *url.Error
	if errors.As(err, &u) {
		return fmt.Errorf("%s: %w", u.Op, u.Err)
	}
	return err
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
