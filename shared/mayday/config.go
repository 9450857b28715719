package mayday

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"time"

	"github.com/mayday/mayday/events"
)

// Config holds what operators set; package settings declares each value's
// variable, default and checks.
type Config struct {
	// Lease is how long a callback number stays with the agent.
	Lease time.Duration
	// Fallback is where a callback to a pool number with no live lease goes.
	Fallback string
	// DefaultCallerID is the platform's default caller ID per country,
	// presented when no number registered where the agent is can be.
	DefaultCallerID map[string]string
	// LocationValidFor is how long an agent's confirmed location holds.
	LocationValidFor time.Duration
	Dial             DialRules
	// StateTimeout bounds the store writes on the dial webhook, so a slow
	// store never holds the telephony platform up; WebhookBudget bounds the
	// whole webhook (state writes and the publish).
	StateTimeout  time.Duration
	WebhookBudget time.Duration
	// MaxEmergency is how long an agent may stay in an emergency before the
	// watchdog presumes the end events lost and restores presence.
	MaxEmergency time.Duration
}

func (c Config) validate() error {
	var errs []error
	for name, d := range map[string]time.Duration{"Lease": c.Lease, "StateTimeout": c.StateTimeout,
		"WebhookBudget": c.WebhookBudget, "MaxEmergency": c.MaxEmergency} {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("config: %s must be positive", name))
		}
	}
	if c.Fallback == "" {
		errs = append(errs, errors.New("config: Fallback must not be empty"))
	}
	return errors.Join(errs...)
}

// Options are what every use case takes besides its ports. Clock and Log
// default to the wall clock and slog.Default(); Config has no defaults here
// (settings.Defaults() has them) and is checked at construction.
type Options struct {
	Config Config
	Clock  Clock
	Log    *slog.Logger
	// Addresses geocodes the addresses agents confirm; nil: they are
	// stored unvalidated (validated false), never refused.
	Addresses AddressValidator
	// Numbers is the telephony platform's register of its numbers'
	// emergency addresses, which the readiness report consults; nil: no
	// such check.
	Numbers NumberRegistry
	// Contacts is the platform's view of its calls, which lease expiry
	// reconciles open emergency calls with; nil: none (their end events
	// are relied on, and the watchdog).
	Contacts ContactStatus
	// Record is the emergency record, to which the use cases that send
	// messages append what they sent; nil: they append nothing.
	Record RecordStore
	// SMS and Webhooks are the security-desk alert channels beside email;
	// nil: a site's numbers or URL are not alerted (logged as an error).
	SMS      SMSSender
	Webhooks AlertPoster
	// AlertSecret signs the alerts' acknowledgement links under
	// AlertBaseURL, the public URL that serves them; with either unset
	// alerts carry no link.
	AlertSecret  AlertSecret
	AlertBaseURL string
	// Escalations schedules the desk alerts' escalations; nil: alerts do
	// not escalate (logged when a site asks for it).
	Escalations EscalationScheduler
}

// ErrMissingDependency: a use case was built without a port or setting it
// needs. It is a wiring bug, reported when the function starts rather than
// as a nil dereference at the first emergency.
var ErrMissingDependency = errors.New("missing dependency")

// ports is what use cases share: each holds only the ports its constructor
// asked for and checked.
type ports struct {
	store  Store
	events Publisher
	clock  Clock
	log    *slog.Logger
	cfg    Config
	// addresses is optional (Options.Addresses).
	addresses AddressValidator
	// numbers is optional (Options.Numbers).
	numbers NumberRegistry
}

// port names a dependency for newPorts' checks.
type port struct {
	name  string
	value any
}

// newPorts checks that every port in need is set and the configuration
// valid; store and events are those the use case keeps (nil when it has no
// use for one).
func newPorts(useCase string, o Options, store Store, events Publisher, need ...port) (ports, error) {
	var errs []error
	for _, p := range need {
		if isNil(p.value) {
			errs = append(errs, fmt.Errorf("%w: %s", ErrMissingDependency, p.name))
		}
	}
	if err := o.Config.validate(); err != nil {
		errs = append(errs, fmt.Errorf("%w: %w", ErrMissingDependency, err))
	}
	if err := errors.Join(errs...); err != nil {
		return ports{}, fmt.Errorf("%s: %w", useCase, err)
	}
	p := ports{store: store, events: events, clock: o.Clock, log: o.Log, cfg: o.Config, addresses: o.Addresses, numbers: o.Numbers}
	if p.clock == nil {
		p.clock = SystemClock{}
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	return p, nil
}

func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Func, reflect.Interface, reflect.Slice, reflect.Chan:
		return rv.IsNil()
	}
	return false
}

func (p ports) now() time.Time { return p.clock.Now().UTC() }

func (p ports) publish(ctx context.Context, evs ...events.Event) error {
	if len(evs) == 0 {
		return nil
	}
	if err := p.events.Publish(ctx, evs...); err != nil {
		return fmt.Errorf("%w: publish %s: %w", ErrUnavailable, evs[0].DetailType, err)
	}
	return nil
}
