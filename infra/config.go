package main

import (
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"net/netip"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"

	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
)

// Config is what an operator sets for a deployment, with cdk.json context
// keys (`cdk deploy -c key=value`, docs/DEPLOY.md). The functions' settings
// and their defaults and checks are declared once, in package settings.
type Config struct {
	// Values holds the functions' settings that come from the context,
	// by environment variable (settings.Sender.Env: "alerts@contoso.com").
	Values map[string]string
	// CallbackPool seeds the callback-number pools at deploy time
	// (context "callbackPool", "US=+14255550001,+14255550002;GB=+442071230001").
	CallbackPool []PoolNumber
	// AlarmEmail, when set, is subscribed to the alarm topic (context "alarmEmail").
	AlarmEmail string
	// AllowPlaceholderSender and AllowNoAlarmEmail acknowledge a deployment
	// that cannot email anyone (a placeholder sender) or whose alarms reach
	// nobody (no alarmEmail): without them synth fails (context
	// "allowPlaceholderSender=true", "allowNoAlarmEmail=true").
	AllowPlaceholderSender bool
	AllowNoAlarmEmail      bool
	// WebhookReservedConcurrency is reserved for each function the
	// platform calls during a dial, 0 for none (context
	// "webhookReservedConcurrency", concurrency.go).
	WebhookReservedConcurrency int
}

// PoolNumber is one callback number of a country's pool.
type PoolNumber struct {
	Country string
	Number  string
}

// Context keys of what is the stack's own, not a function's setting.
const (
	ctxCallbackPool = "callbackPool"
	ctxAlarmEmail   = "alarmEmail"

	ctxAllowPlaceholderSender = "allowPlaceholderSender"
	ctxAllowNoAlarmEmail      = "allowNoAlarmEmail"
)

// fromContext lists the settings a deployment sets from its context.
func fromContext() []settings.Setting {
	var out []settings.Setting
	for _, s := range settings.All {
		if s.Source == settings.FromContext || s.Source == settings.IfConfigured {
			out = append(out, s)
		}
	}
	return out
}

// DefaultConfig is the deployment with no context given: the settings'
// defaults, with a placeholder sender the stack flags with a synth warning.
func DefaultConfig() Config {
	c := Config{Values: map[string]string{}}
	for _, s := range fromContext() {
		c.Values[s.Env] = s.Default
	}
	return c
}

// Get is a context-set setting's value.
func (c Config) Get(s settings.Setting) string { return c.Values[s.Env] }

// With returns a copy with one setting changed.
func (c Config) With(s settings.Setting, v string) Config {
	c.Values = maps.Clone(c.Values)
	c.Values[s.Env] = v
	return c
}

// ConfigFromContext reads the context of node (the app), over DefaultConfig.
func ConfigFromContext(node constructs.Node) (Config, error) {
	c := DefaultConfig()
	str := func(key string) (string, bool) {
		v := node.TryGetContext(&key)
		if v == nil {
			return "", false
		}
		return strings.TrimSpace(fmt.Sprint(v)), true
	}
	for _, s := range fromContext() {
		if v, ok := str(s.Context); ok && (v != "" || s.KeepEmpty || s.Default == "") {
			c.Values[s.Env] = v
		}
	}
	c.AlarmEmail, _ = str(ctxAlarmEmail)
	allow := func(key string) bool { v, _ := str(key); return v == "true" }
	c.AllowPlaceholderSender, c.AllowNoAlarmEmail = allow(ctxAllowPlaceholderSender), allow(ctxAllowNoAlarmEmail)
	pool, _ := str(ctxCallbackPool)
	var err error
	if c.CallbackPool, err = ParsePool(pool); err != nil {
		return c, err
	}
	reserved, _ := str(ctxWebhookReservedConcurrency)
	if c.WebhookReservedConcurrency, err = parseReservedConcurrency(reserved, c); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// Validate rejects values the functions would fail on at cold start, so a
// mistake shows at synth time instead of during an emergency.
func (c Config) Validate() error {
	var errs []error
	for _, s := range fromContext() {
		if err := s.Check(c.Values[s.Env]); err != nil {
			errs = append(errs, fmt.Errorf("context %s=%q: %w", s.Context, c.Values[s.Env], err))
		}
	}
	if err := settings.CheckPresence(c.lookup); err != nil {
		errs = append(errs, fmt.Errorf("context: %w", err))
	}
	if err := checkPresenceWebhookURL(c.Get(settings.PresenceWebhookURL)); err != nil {
		errs = append(errs, fmt.Errorf("context %s: %w", settings.PresenceWebhookURL.Context, err))
	}
	if err := settings.CheckTwilio(c.lookup); err != nil {
		errs = append(errs, fmt.Errorf("context (twilioAccountSid is set): %w", err))
	}
	// Unset, every ordinary call through the Twilio webhooks is answered 503
	// (and fires the 5xx alarm on each).
	if c.Get(settings.TwilioAccountSID) != "" && c.Get(settings.TwilioOrdinaryURL) == "" {
		errs = append(errs, fmt.Errorf("context (twilioAccountSid is set): %s is required: the customer's TwiML URL for ordinary calls", settings.TwilioOrdinaryURL.Context))
	}
	if err := checkReservedConcurrency(c); err != nil {
		errs = append(errs, err)
	}
	if c.AlarmEmail != "" {
		if a, err := mail.ParseAddress(c.AlarmEmail); err != nil || a.Address != c.AlarmEmail {
			errs = append(errs, fmt.Errorf("context %s=%q: want a plain email address", ctxAlarmEmail, c.AlarmEmail))
		}
	}
	return errors.Join(errs...)
}

// Guards reports what makes a deployment silent unless acknowledged: a
// placeholder sender (no email reaches an emergency contact) and no alarm
// email (alarms reach nobody). Separate from Validate: a configuration can
// be valid and still not be one to deploy unawares.
func (c Config) Guards() error {
	var errs []error
	if isPlaceholderSender(c) && !c.AllowPlaceholderSender {
		errs = append(errs, fmt.Errorf("context sender=%q is a placeholder: set -c sender=<address of a verified SES identity>, or acknowledge with -c %s=true",
			c.Get(settings.Sender), ctxAllowPlaceholderSender))
	}
	if c.AlarmEmail == "" && !c.AllowNoAlarmEmail {
		errs = append(errs, fmt.Errorf("no context %s: the alarms would reach nobody; set -c %s=<address>, or acknowledge with -c %s=true",
			ctxAlarmEmail, ctxAlarmEmail, ctxAllowNoAlarmEmail))
	}
	return errors.Join(errs...)
}

func isPlaceholderSender(c Config) bool {
	switch c.SenderDomain() {
	case "example.com", "example.org", "example.net":
		return true
	}
	return false
}

// SenderDomain is the domain part of the sender address.
func (c Config) SenderDomain() string {
	s := c.Get(settings.Sender)
	return s[strings.LastIndex(s, "@")+1:]
}

// ParsePool parses "US=+14255550001,+14255550002;GB=+442071230001" into
// numbers sorted by country then number, with the domain's own rules: the
// country must be a supported location ("UK" is GB), the number E.164 (the
// same normalisation as POST /v1/callback-numbers). Spaces are ignored; an
// empty string is an empty pool. A number listed twice is an error: it would
// be seeded into two pools.
func ParsePool(s string) ([]PoolNumber, error) {
	s = strings.Join(strings.Fields(s), "")
	var out []PoolNumber
	seen := map[string]string{}
	for _, group := range strings.Split(s, ";") {
		if group == "" {
			continue
		}
		cc, list, ok := strings.Cut(group, "=")
		cc = mayday.NormaliseCountry(cc)
		if !ok || !mayday.SupportedCountry(cc) {
			return nil, fmt.Errorf("context %s: %q: want COUNTRY=+number,+number with a supported country (US, CA, PR, GB, DK)", ctxCallbackPool, group)
		}
		for _, raw := range strings.Split(list, ",") {
			if raw == "" {
				continue
			}
			n, err := mayday.ParseE164(raw)
			if err != nil {
				return nil, fmt.Errorf("context %s: %w", ctxCallbackPool, err)
			}
			if prev, dup := seen[n]; dup {
				return nil, fmt.Errorf("context %s: %s listed twice (%s and %s)", ctxCallbackPool, n, prev, cc)
			}
			seen[n] = cc
			out = append(out, PoolNumber{Country: cc, Number: n})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return slices.Compare([]string{out[i].Country, out[i].Number}, []string{out[j].Country, out[j].Number}) < 0
	})
	return out, nil
}

// checkPresenceWebhookURL refuses a presence webhook URL that is not https:
// the notices name agents and their status, and the signature proves who
// sent them, not that nobody read them. Plain http is accepted only to a
// loopback host, which no deployed function can reach but the stack's
// emulator tests do.
func checkPresenceWebhookURL(v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil {
		return fmt.Errorf("%q: %w", v, err)
	}
	if u.Scheme == "https" {
		return nil
	}
	if ip, err := netip.ParseAddr(u.Hostname()); u.Scheme == "http" && (u.Hostname() == "localhost" || err == nil && ip.IsLoopback()) {
		return nil
	}
	return fmt.Errorf("%q: want an https URL (the notices name agents)", v)
}
