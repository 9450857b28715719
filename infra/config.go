package main

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/constructs-go/constructs/v10"

	"github.com/mayday/mayday/shared/mayday"
)

// Config is what an operator sets for a deployment: cdk.json context keys
// with defaults, overridden with `cdk deploy -c key=value` (docs/DEPLOY.md).
type Config struct {
	// Sender is the SES "From" address (context "sender"); its address or
	// its domain must be a verified SES identity.
	Sender string
	// SESConfigurationSet is an existing SES configuration set, optional
	// (context "sesConfigurationSet").
	SESConfigurationSet string
	// CallbackFallback is where a callback to a pool number with no live
	// lease is routed (context "callbackFallback").
	CallbackFallback string
	// DialPrefix is the outside-line access prefix stripped from dialled
	// numbers; empty means none (context "dialPrefix").
	DialPrefix string
	// CallbackLease is how long a callback number stays leased, a Go
	// duration (context "callbackLease").
	CallbackLease string
	// CallbackPool seeds the callback-number pools at deploy time
	// (context "callbackPool", "US=+14255550001,+14255550002;GB=+442071230001").
	CallbackPool []PoolNumber
	// AlarmEmail, when set, is subscribed to the alarm topic (context "alarmEmail").
	AlarmEmail string
}

// PoolNumber is one callback number of a country's pool.
type PoolNumber struct {
	Country string
	Number  string
}

// Context keys and their defaults (the same defaults are in cdk.json).
const (
	ctxSender           = "sender"
	ctxSESConfigSet     = "sesConfigurationSet"
	ctxCallbackFallback = "callbackFallback"
	ctxDialPrefix       = "dialPrefix"
	ctxCallbackLease    = "callbackLease"
	ctxCallbackPool     = "callbackPool"
	ctxAlarmEmail       = "alarmEmail"
)

// DefaultConfig mirrors the defaults of the functions (SPEC §5) with a
// placeholder sender that the stack flags with a synth warning.
func DefaultConfig() Config {
	return Config{Sender: "mayday@example.com", CallbackFallback: "security-desk", DialPrefix: "9", CallbackLease: "60m"}
}

// ConfigFromContext reads the context of node (the app), over DefaultConfig.
func ConfigFromContext(node constructs.Node) (Config, error) {
	c := DefaultConfig()
	str := func(key string, dst *string) {
		if v := node.TryGetContext(&key); v != nil {
			*dst = strings.TrimSpace(fmt.Sprint(v))
		}
	}
	str(ctxSender, &c.Sender)
	str(ctxSESConfigSet, &c.SESConfigurationSet)
	str(ctxCallbackFallback, &c.CallbackFallback)
	str(ctxDialPrefix, &c.DialPrefix)
	str(ctxCallbackLease, &c.CallbackLease)
	str(ctxAlarmEmail, &c.AlarmEmail)
	var pool string
	str(ctxCallbackPool, &pool)
	var err error
	if c.CallbackPool, err = ParsePool(pool); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// Validate rejects values the functions would fail on at cold start, so a
// mistake shows at synth time instead of during an emergency.
func (c Config) Validate() error {
	if err := validAddress(c.Sender); err != nil {
		return fmt.Errorf("context %s=%q: %w", ctxSender, c.Sender, err)
	}
	if c.AlarmEmail != "" {
		if err := validAddress(c.AlarmEmail); err != nil {
			return fmt.Errorf("context %s=%q: %w", ctxAlarmEmail, c.AlarmEmail, err)
		}
	}
	if d, err := time.ParseDuration(c.CallbackLease); err != nil || d <= 0 {
		return fmt.Errorf("context %s=%q: want a positive Go duration like 60m", ctxCallbackLease, c.CallbackLease)
	}
	if c.CallbackFallback == "" {
		return fmt.Errorf("context %s: must not be empty", ctxCallbackFallback)
	}
	if !regexp.MustCompile(`^[0-9*#]{0,4}$`).MatchString(c.DialPrefix) {
		return fmt.Errorf("context %s=%q: want up to 4 dial digits, or empty for none", ctxDialPrefix, c.DialPrefix)
	}
	if c.SESConfigurationSet != "" && !regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`).MatchString(c.SESConfigurationSet) {
		return fmt.Errorf("context %s=%q: not an SES configuration set name", ctxSESConfigSet, c.SESConfigurationSet)
	}
	return nil
}

func validAddress(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return fmt.Errorf("want a plain email address like mayday@example.com")
	}
	return nil
}

// SenderDomain is the domain part of the sender address.
func (c Config) SenderDomain() string {
	return c.Sender[strings.LastIndex(c.Sender, "@")+1:]
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
