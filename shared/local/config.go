// Package local is the local runner: the whole chain in one process, with
// the same handlers, the same routing table and the same EventBridge rules as
// in AWS, over an in-process bus and the embedded store and mailer.
package local

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/presenceplatform"
	"github.com/mayday/mayday/shared/settings"
)

// Config is the local runner's configuration: the use cases' settings, and
// the runner's own.
type Config struct {
	mayday.Config
	Addr          string        // settings.Addr
	SweepInterval time.Duration // settings.SweepInterval
	Secret        string        // settings.WebhookSecret, default settings.DevSecret
	// SecretPrevious (settings.WebhookSecretPrevious) is still accepted
	// beside Secret: a rotation, as in AWS within its window.
	SecretPrevious string
	// AlertSecret signs the alerts' acknowledgement links
	// (settings.AlertSecret, default settings.DevAlertSecret) under
	// AlertBaseURL (settings.AlertBaseURL), the URL that serves them;
	// unset, the public URL (a tunnel) or the runner's own.
	AlertSecret, AlertBaseURL string
	// Bus delivery: attempts per target, the first retry's backoff, and the
	// bound on one invocation (as a Lambda timeout). Zero: localbus defaults.
	BusAttempts int
	BusBackoff  time.Duration
	BusTimeout  time.Duration

	// Twilio: the auth token (settings.TwilioAuthToken, default
	// settings.DevTwilioAuthToken), the account, the ordinary calls' URL
	// and the public base URL (a tunnel), as package settings declares them.
	TwilioAuthToken, TwilioAccountSID, TwilioOrdinaryURL, TwilioPublicURL string
	// TwilioAPIURL replaces https://api.twilio.com (a local fake of
	// Twilio's REST API), which the readiness report asks about the
	// account's numbers when TwilioAccountSID is set.
	TwilioAPIURL string
}

// withDefaults fills what was left zero with the defaults (an empty dial
// prefix stays empty: it means none).
func (c Config) withDefaults() Config {
	d, _ := ConfigFromEnv(func(string) (string, bool) { return "", false })
	set := func(dst *time.Duration, def time.Duration) {
		if *dst <= 0 {
			*dst = def
		}
	}
	set(&c.Lease, d.Lease)
	set(&c.StateTimeout, d.StateTimeout)
	set(&c.WebhookBudget, d.WebhookBudget)
	set(&c.MaxEmergency, d.MaxEmergency)
	set(&c.SweepInterval, d.SweepInterval)
	c.Fallback = cmp.Or(c.Fallback, d.Fallback)
	if c.DefaultCallerID == nil {
		c.DefaultCallerID = d.DefaultCallerID
	}
	c.Addr = cmp.Or(c.Addr, d.Addr)
	c.Secret = cmp.Or(c.Secret, d.Secret)
	c.AlertSecret = cmp.Or(c.AlertSecret, d.AlertSecret)
	c.TwilioAuthToken = cmp.Or(c.TwilioAuthToken, d.TwilioAuthToken)
	return c
}

// The runner always serves the Twilio routes, so by default it has what
// Twilio cannot dial without: a fallback Twilio can ring (a Voice SDK
// client) and default caller IDs.
const (
	DefaultFallback = "client:security-desk"
	DefaultCallerID = "US=+12065550100,GB=+442071230000"
)

// ConfigFromEnv reads the configuration (lookup is os.LookupEnv), failing on
// a malformed value, or on a fallback Twilio cannot dial.
func ConfigFromEnv(lookup settings.Lookup) (Config, error) {
	lookup = withLocalDefaults(lookup)
	domain, err := settings.DomainConfig(lookup)
	c := Config{Config: domain}
	errs := []error{err, settings.CheckTwilioVoice(lookup)}
	get := func(s settings.Setting) string {
		v, err := s.Get(lookup)
		errs = append(errs, err)
		return v
	}
	c.Addr = get(settings.Addr)
	c.SweepInterval, _ = time.ParseDuration(get(settings.SweepInterval))
	if c.Secret = get(settings.WebhookSecret); c.Secret == "" {
		c.Secret = settings.DevSecret
	}
	c.SecretPrevious = get(settings.WebhookSecretPrevious)
	c.AlertSecret = cmp.Or(get(settings.AlertSecret), settings.DevAlertSecret)
	c.AlertBaseURL = get(settings.AlertBaseURL)
	if c.TwilioAuthToken = get(settings.TwilioAuthToken); c.TwilioAuthToken == "" {
		c.TwilioAuthToken = settings.DevTwilioAuthToken
	}
	c.TwilioAccountSID, c.TwilioOrdinaryURL = get(settings.TwilioAccountSID), get(settings.TwilioOrdinaryURL)
	c.TwilioPublicURL = get(settings.TwilioPublicURL)
	return c, errors.Join(errs...)
}

// PresenceFromEnv is the presence platform MAYDAY_PRESENCE_PLATFORM names
// (nil for none), with its settings and plain secrets from the environment:
// MAYDAY_TWILIO_AUTH_TOKEN for TaskRouter, MAYDAY_PRESENCE_SECRET to sign
// the generic webhook's notices, which may not be webhookSecret (the
// runner's): the receiver would hold the key that signs dials. connect is
// the Amazon Connect client for the connect platform (nil when there is
// none).
func PresenceFromEnv(lookup settings.Lookup, webhookSecret string, connect presenceplatform.ConnectClient) (mayday.PresencePlatform, error) {
	if err := settings.CheckPresence(lookup); err != nil {
		return nil, err
	}
	if v, _ := settings.PresenceSecret.Get(lookup); v != "" && v == webhookSecret {
		return nil, fmt.Errorf("%w: %s is the webhook secret: give the presence notices their own", mayday.ErrInvalid, settings.PresenceSecret.Env)
	}
	var errs []error
	get := func(s settings.Setting) string {
		v, err := s.Get(lookup)
		errs = append(errs, err)
		return v
	}
	p, err := presenceplatform.New(get, func(arn string) presenceplatform.Secret {
		return func(context.Context) ([][]byte, error) {
			return nil, fmt.Errorf("secret %s: the local runner reads plain secrets only", arn)
		}
	}, connect)
	return p, errors.Join(append(errs, err)...)
}

// withLocalDefaults is lookup with the runner's own defaults for what
// lookup leaves unset.
func withLocalDefaults(lookup settings.Lookup) settings.Lookup {
	defaults := map[string]string{settings.CallbackFallback.Env: DefaultFallback, settings.DefaultCallerID.Env: DefaultCallerID}
	return func(k string) (string, bool) {
		if v, ok := lookup(k); ok && v != "" {
			return v, ok
		}
		if d, ok := defaults[k]; ok {
			return d, true
		}
		return lookup(k)
	}
}
