// Package localbus is an in-process EventBridge bus for the local runner. It
// matches events against the rule patterns of package events with quamina
// (EventBridge's pattern language) and invokes each target through the same
// JSON path Lambda uses, asynchronously, with retries and a dead-letter list.
// Targets receive aws-lambda-go's events.EventBridgeEvent, filled in as
// EventBridge does.
package localbus

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"quamina.net/go/quamina"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/mayday"
)

// Local values of the envelope fields EventBridge fills in from the account
// and region it runs in.
const (
	localAccount = "000000000000"
	localRegion  = "local"
)

// DeadLetter is a delivery that failed every attempt, kept with its event so
// it can be replayed.
type DeadLetter struct {
	ID       string          `json:"id"` // what Replay takes
	Rule     string          `json:"rule"`
	Target   string          `json:"target"`
	Event    json.RawMessage `json:"event"`
	Error    string          `json:"error"`
	Attempts int             `json:"attempts"`
	FailedAt time.Time       `json:"failedAt"`
}

// Options tune delivery. Zero values take EventBridge-like defaults scaled
// down for a laptop.
type Options struct {
	MaxAttempts int           // per target, first try included (default 4)
	Backoff     time.Duration // before the first retry, doubling (default 100ms)
	// Timeout bounds one invocation, as a Lambda function's timeout does
	// (default 30s): a handler stuck on a hung dependency is retried, then
	// dead-lettered, never left waiting forever.
	Timeout time.Duration
	Clock   mayday.Clock
	Log     *slog.Logger
}

// keepEvents bounds the event log kept for GET /local/events.
const keepEvents = 1000

// Bus is the in-process bus.
type Bus struct {
	opts    Options
	rules   map[string]events.Rule
	targets map[string]lambda.Handler

	mu      sync.Mutex
	matcher *quamina.Quamina
	log     []json.RawMessage
	dead    []DeadLetter
	closed  bool
	wg      sync.WaitGroup
}

var _ mayday.Publisher = (*Bus)(nil)

// New builds a bus over the rules, delivering to targets by name. Every
// pattern rule's target must be present.
func New(rules []events.Rule, targets map[string]lambda.Handler, opts Options) (*Bus, error) {
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 4
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 100 * time.Millisecond
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.Clock == nil {
		opts.Clock = mayday.SystemClock{}
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	q, err := quamina.New()
	if err != nil {
		return nil, fmt.Errorf("localbus: matcher: %w", err)
	}
	b := &Bus{opts: opts, rules: map[string]events.Rule{}, targets: targets, matcher: q}
	for _, r := range rules {
		if r.Pattern == "" {
			continue
		}
		if _, ok := targets[r.Target]; !ok {
			return nil, fmt.Errorf("localbus: rule %s: no handler for target %s", r.Name, r.Target)
		}
		if err := q.AddPattern(r.Name, r.Pattern); err != nil {
			return nil, fmt.Errorf("localbus: rule %s: pattern: %w", r.Name, err)
		}
		b.rules[r.Name] = r
	}
	return b, nil
}

// Publish puts events on the bus and returns at once; deliveries run after.
func (b *Bus) Publish(ctx context.Context, evs ...events.Event) error {
	for _, ev := range evs {
		raw, err := b.envelope(ev)
		if err != nil {
			return err
		}
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			return fmt.Errorf("localbus: closed")
		}
		matches, err := b.matcher.MatchesForEvent(raw)
		if err != nil {
			b.mu.Unlock()
			return fmt.Errorf("localbus: match %s: %w", ev.DetailType, err)
		}
		if b.log = append(b.log, raw); len(b.log) > keepEvents {
			b.log = slices.Delete(b.log, 0, len(b.log)-keepEvents)
		}
		b.wg.Add(len(matches))
		b.mu.Unlock()
		for _, m := range matches {
			go b.deliver(b.rules[m.(string)], raw)
		}
	}
	return nil
}

func (b *Bus) envelope(ev events.Event) ([]byte, error) {
	detail := json.RawMessage("{}") // as PutEvents gets from the publisher for a nil detail
	if ev.Detail != nil {
		d, err := json.Marshal(ev.Detail)
		if err != nil {
			return nil, fmt.Errorf("localbus: %s: detail: %w", ev.DetailType, err)
		}
		detail = d
	}
	raw, err := json.Marshal(b.event(events.Source, ev.DetailType, []string{}, detail))
	if err != nil {
		return nil, fmt.Errorf("localbus: %s: event: %w", ev.DetailType, err)
	}
	return raw, nil
}

// event fills in the envelope as EventBridge does.
func (b *Bus) event(source, detailType string, resources []string, detail json.RawMessage) lambdaevents.EventBridgeEvent {
	return lambdaevents.EventBridgeEvent{Version: "0", ID: newID(), DetailType: detailType, Source: source,
		AccountID: localAccount, Time: b.opts.Clock.Now().UTC().Truncate(time.Second), Region: localRegion,
		Resources: resources, Detail: detail}
}

// Fire invokes a scheduled rule's target once, as EventBridge's schedule does:
// a "Scheduled Event" from aws.events naming the rule's ARN.
func (b *Bus) Fire(rule events.Rule) {
	arn := fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", localRegion, localAccount, rule.Name)
	raw, err := json.Marshal(b.event(events.ScheduleSource, events.ScheduledEvent, []string{arn}, json.RawMessage("{}")))
	if err != nil { // cannot happen: every field is a plain value
		b.opts.Log.Error("scheduled event not built", "rule", rule.Name, "err", err)
		return
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.wg.Add(1)
	b.mu.Unlock()
	go b.deliver(rule, raw)
}

func (b *Bus) deliver(r events.Rule, raw []byte) {
	defer b.wg.Done()
	h, ok := b.targets[r.Target]
	var err error
	if !ok {
		err = fmt.Errorf("no handler for target %s", r.Target)
	}
	attempts := 0
	for wait := b.opts.Backoff; ok && attempts < b.opts.MaxAttempts; wait *= 2 {
		if attempts > 0 {
			time.Sleep(wait)
		}
		attempts++
		ctx, cancel := context.WithTimeout(context.Background(), b.opts.Timeout)
		_, err = h.Invoke(ctx, raw)
		cancel()
		if err == nil {
			return
		}
		b.opts.Log.Warn("delivery failed", "rule", r.Name, "target", r.Target, "attempt", attempts, "err", err)
	}
	b.opts.Log.Error("delivery dead-lettered", "rule", r.Name, "target", r.Target, "attempts", attempts)
	b.mu.Lock()
	b.dead = append(b.dead, DeadLetter{ID: newID(), Rule: r.Name, Target: r.Target, Event: raw, Error: err.Error(),
		Attempts: attempts, FailedAt: b.opts.Clock.Now().UTC()})
	if over := len(b.dead) - KeepDeadLetters; over > 0 {
		b.dead = slices.Delete(b.dead, 0, over) // the oldest go first; each was logged when it failed
	}
	b.mu.Unlock()
}

// Wait blocks until every delivery in flight has finished.
func (b *Bus) Wait() { b.wg.Wait() }

// Close stops accepting events and waits for deliveries in flight.
func (b *Bus) Close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.wg.Wait()
}

// Events lists every event published, newest first.
func (b *Bus) Events() []json.RawMessage {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := append([]json.RawMessage{}, b.log...)
	slices.Reverse(out)
	return out
}

// DeadLetters lists failed deliveries, newest first (the newest
// KeepDeadLetters).
func (b *Bus) DeadLetters() []DeadLetter {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := append([]DeadLetter{}, b.dead...)
	slices.Reverse(out)
	return out
}

// ErrNoDeadLetter: Replay was given an id no dead letter has (it may have
// been replayed already).
var ErrNoDeadLetter = errors.New("localbus: no such dead letter")

// Replay takes a dead letter off the list and delivers its event to its
// rule's target again, with the same retries; a delivery that fails again
// is dead-lettered anew (under a new id). Targets are idempotent, so a
// replay of an event that meanwhile got through changes nothing.
func (b *Bus) Replay(id string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return fmt.Errorf("localbus: closed")
	}
	i := slices.IndexFunc(b.dead, func(d DeadLetter) bool { return d.ID == id })
	if i < 0 {
		return fmt.Errorf("%w: %s", ErrNoDeadLetter, id)
	}
	d := b.dead[i]
	r, ok := b.rules[d.Rule]
	if !ok { // a scheduled rule: not among the pattern rules
		r = events.Rule{Name: d.Rule, Target: d.Target}
	}
	b.dead = slices.Delete(b.dead, i, i+1)
	b.wg.Add(1)
	go b.deliver(r, d.Event)
	return nil
}

func newID() string {
	u := make([]byte, 16)
	_, _ = rand.Read(u)
	u[6], u[8] = u[6]&0x0f|0x40, u[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}

// KeepDeadLetters bounds the dead letters kept (the newest).
const KeepDeadLetters = 1000
