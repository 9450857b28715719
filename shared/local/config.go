// Package local is the local runner: the whole chain in one process, with
// the same handlers, the same routing table and the same EventBridge rules as
// in AWS, over an in-process bus and the embedded store and mailer.
package local

import (
	"fmt"
	"time"
)

// DevSecret signs webhooks when MAYDAY_WEBHOOK_SECRET is not set. It is only
// ever used by the local runner.
const DevSecret = "mayday-local-dev-secret"

// Config is the local runner's configuration (SPEC §5).
type Config struct {
	Addr          string        // MAYDAY_ADDR
	Lease         time.Duration // MAYDAY_CALLBACK_LEASE
	SweepInterval time.Duration // MAYDAY_SWEEP_INTERVAL
	Secret        string        // MAYDAY_WEBHOOK_SECRET
	Fallback      string        // MAYDAY_CALLBACK_FALLBACK
	DialPrefix    string        // MAYDAY_DIAL_PREFIX
	MaxEmergency  time.Duration // MAYDAY_MAX_EMERGENCY (watchdog)
	// Bus delivery: attempts per target, the first retry's backoff, and the
	// bound on one invocation (as a Lambda timeout).
	BusAttempts int
	BusBackoff  time.Duration
	BusTimeout  time.Duration
}

// ConfigFromEnv reads the configuration (lookup is os.LookupEnv), failing on
// a malformed value. An empty MAYDAY_DIAL_PREFIX means no access prefix.
func ConfigFromEnv(lookup func(string) (string, bool)) (Config, error) {
	c := Config{Addr: "127.0.0.1:8080", Lease: time.Hour, SweepInterval: time.Minute, Secret: DevSecret,
		Fallback: "security-desk", DialPrefix: "9", MaxEmergency: 4 * time.Hour}
	str := func(name string, dst *string) {
		if v, ok := lookup(name); ok && v != "" {
			*dst = v
		}
	}
	dur := func(name string, dst *time.Duration) error {
		v, ok := lookup(name)
		if !ok || v == "" {
			return nil
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("%s=%q: want a positive duration like 60m or 30s", name, v)
		}
		*dst = d
		return nil
	}
	str("MAYDAY_ADDR", &c.Addr)
	str("MAYDAY_WEBHOOK_SECRET", &c.Secret)
	str("MAYDAY_CALLBACK_FALLBACK", &c.Fallback)
	if v, ok := lookup("MAYDAY_DIAL_PREFIX"); ok {
		c.DialPrefix = v
	}
	if err := dur("MAYDAY_CALLBACK_LEASE", &c.Lease); err != nil {
		return c, err
	}
	if err := dur("MAYDAY_SWEEP_INTERVAL", &c.SweepInterval); err != nil {
		return c, err
	}
	if err := dur("MAYDAY_MAX_EMERGENCY", &c.MaxEmergency); err != nil {
		return c, err
	}
	return c, nil
}
