package localbus_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/events/eventstest"
	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/localbus"
)

// recorder is a target that fails its first `failures` invocations.
type recorder struct {
	mu       sync.Mutex
	got      []lambdaevents.EventBridgeEvent
	failures int
}

func (r *recorder) handle(_ context.Context, e lambdaevents.EventBridgeEvent) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failures > 0 {
		r.failures--
		return errors.New("boom")
	}
	r.got = append(r.got, e)
	return nil
}

func newBus(t *testing.T, failures map[string]int) (*localbus.Bus, map[string]*recorder) {
	t.Helper()
	recs := map[string]*recorder{}
	targets := map[string]lambda.Handler{}
	rules := events.RulesTo(noPresencePush, "") // the default chain: no presence platform
	for _, r := range rules {
		if _, ok := recs[r.Target]; !ok {
			recs[r.Target] = &recorder{failures: failures[r.Target]}
			targets[r.Target] = lambda.NewHandler(recs[r.Target].handle)
		}
	}
	b, err := localbus.New(rules, targets, localbus.Options{MaxAttempts: 3, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b, recs
}

func TestRulesRouteEachDetailType(t *testing.T) {
	tests := []struct {
		detailType string
		target     string
	}{
		{events.EmergencyCallStarted, functions.CallbackLeaseAllocation},
		{events.CallbackLeaseAllocated, functions.EmailNotification},
		{events.CallbackLeaseUnavailable, functions.EmailNotification},
		{events.EmergencyCallEnded, functions.PresenceRestore},
		{events.CallEnded, functions.CallHistory},
		{events.CallbackPoolExhausted, events.TargetOperatorAlarm},
		{events.EmergencyDialUnsupported, events.TargetOperatorAlarm},
		{events.EmergencyDialUnknownAgent, events.TargetOperatorAlarm},
		{events.EmergencyCallbackRouted, events.TargetAudit},
		{events.CallbackLeaseExpired, events.TargetAudit},
	}
	for _, tt := range tests {
		t.Run(tt.detailType, func(t *testing.T) {
			b, recs := newBus(t, nil)
			detail := map[string]string{"callId": "c-1"}
			if err := b.Publish(context.Background(), events.Event{DetailType: tt.detailType, Detail: detail}); err != nil {
				t.Fatal(err)
			}
			b.Wait()
			for name, r := range recs {
				want := 0
				// The emergency record gets every emergency event too.
				if name == tt.target || name == functions.EmergencyRecord && slices.Contains(events.RecordedEvents, tt.detailType) {
					want = 1
				}
				if len(r.got) != want {
					t.Fatalf("target %s got %d events, want %d", name, len(r.got), want)
				}
			}
			e := recs[tt.target].got[0]
			var d map[string]string
			if e.Source != events.Source || e.DetailType != tt.detailType || json.Unmarshal(e.Detail, &d) != nil || d["callId"] != "c-1" {
				t.Fatalf("delivered %+v", e)
			}
		})
	}
}

func TestUnmatchedEventGoesNowhere(t *testing.T) {
	b, recs := newBus(t, nil)
	if err := b.Publish(context.Background(), events.Event{DetailType: "Something Else", Detail: struct{}{}}); err != nil {
		t.Fatal(err)
	}
	b.Wait()
	for name, r := range recs {
		if len(r.got) != 0 {
			t.Fatalf("%s got %d events", name, len(r.got))
		}
	}
}

func TestRetriesThenDeadLetter(t *testing.T) {
	b, recs := newBus(t, map[string]int{functions.CallbackLeaseAllocation: 2, functions.EmailNotification: 5})
	ctx := context.Background()
	_ = b.Publish(ctx, events.Event{DetailType: events.EmergencyCallStarted, Detail: map[string]string{"callId": "c-1"}})
	_ = b.Publish(ctx, events.Event{DetailType: events.CallbackLeaseAllocated, Detail: map[string]string{"callId": "c-2"}})
	b.Wait()
	if len(recs[functions.CallbackLeaseAllocation].got) != 1 {
		t.Fatal("a target that failed twice was not retried to success")
	}
	dl := b.DeadLetters()
	if len(dl) != 1 || dl[0].Target != functions.EmailNotification || dl[0].Attempts != 3 || dl[0].Error != "boom" {
		t.Fatalf("dead letters = %+v", dl)
	}
	var env lambdaevents.EventBridgeEvent
	if err := json.Unmarshal(dl[0].Event, &env); err != nil || env.DetailType != events.CallbackLeaseAllocated {
		t.Fatalf("dead letter does not hold the event to replay: %s", dl[0].Event)
	}
}

func TestEveryPatternRuleNeedsATarget(t *testing.T) {
	_, err := localbus.New(events.Rules, map[string]lambda.Handler{}, localbus.Options{})
	if err == nil {
		t.Fatal("a bus with no targets for its rules was built")
	}
}

func TestHungHandlerIsTimedOutAndDeadLettered(t *testing.T) {
	targets := map[string]lambda.Handler{}
	rules := events.RulesTo(oneTarget, "") // one target for Emergency Call Started
	for _, r := range rules {
		targets[r.Target] = lambda.NewHandler(func(ctx context.Context, _ lambdaevents.EventBridgeEvent) error {
			<-ctx.Done() // a dependency that never answers
			return ctx.Err()
		})
	}
	b, err := localbus.New(rules, targets, localbus.Options{MaxAttempts: 2, Backoff: time.Millisecond, Timeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_ = b.Publish(context.Background(), events.Event{DetailType: events.EmergencyCallStarted, Detail: map[string]string{"callId": "c-1"}})
	b.Close()
	if dl := b.DeadLetters(); len(dl) != 1 || dl[0].Attempts != 2 {
		t.Fatalf("dead letters = %+v, want the hung delivery after 2 attempts", dl)
	}
}

// rawTarget records the bytes a target is invoked with.
type rawTarget struct {
	mu  sync.Mutex
	got [][]byte
}

func (r *rawTarget) Invoke(_ context.Context, payload []byte) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, bytes.Clone(payload))
	return nil, nil
}

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

var uuid = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestTargetsReceiveEventBridgeEvents: what a target is invoked with, for a
// published event and for a schedule, decodes strictly into aws-lambda-go's
// EventBridgeEvent with every envelope field set, and has the shape of the
// matching fixture of package events.
func TestTargetsReceiveEventBridgeEvents(t *testing.T) {
	now := time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)
	targets := map[string]lambda.Handler{}
	recs := map[string]*rawTarget{}
	for _, r := range events.Rules {
		recs[r.Target] = &rawTarget{}
		targets[r.Target] = recs[r.Target]
	}
	b, err := localbus.New(events.Rules, targets, localbus.Options{Clock: fixedClock(now.Add(500 * time.Millisecond))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)

	started := eventstest.Detail[events.EmergencyCallStartedDetail](t, "emergency-call-started")
	if err := b.Publish(context.Background(), events.Event{DetailType: events.EmergencyCallStarted, Detail: started}); err != nil {
		t.Fatal(err)
	}
	var sweep events.Rule
	for _, r := range events.Rules {
		if r.Schedule != "" {
			sweep = r
		}
	}
	b.Fire(sweep)
	b.Wait()

	tests := []struct {
		target, fixture string
		resources       []string
	}{
		{functions.CallbackLeaseAllocation, "emergency-call-started", []string{}},
		{sweep.Target, "scheduled-event", []string{"arn:aws:events:local:000000000000:rule/" + sweep.Name}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			got := recs[tt.target].got
			if len(got) != 1 {
				t.Fatalf("target %s invoked %d times, want 1", tt.target, len(got))
			}
			var e lambdaevents.EventBridgeEvent
			if err := eventstest.Strict(got[0], &e); err != nil {
				t.Fatalf("%s: %v", got[0], err)
			}
			if e.Version != "0" || !uuid.MatchString(e.ID) || e.AccountID != "000000000000" || e.Region != "local" ||
				!e.Time.Equal(now) || e.Resources == nil || !slices.Equal(e.Resources, tt.resources) {
				t.Fatalf("envelope = %+v", e)
			}
			want := eventstest.Load(t, tt.fixture)
			if e.Source != want.Source || e.DetailType != want.DetailType {
				t.Fatalf("source %q, detail-type %q; want the fixture's %q, %q", e.Source, e.DetailType, want.Source, want.DetailType)
			}
			var gotDetail, wantDetail any
			_ = json.Unmarshal(e.Detail, &gotDetail)
			_ = json.Unmarshal(want.Detail, &wantDetail)
			if !reflect.DeepEqual(gotDetail, wantDetail) {
				t.Fatalf("detail %s, want the fixture's %s", e.Detail, want.Detail)
			}
		})
	}
}

func TestReplayRedeliversADeadLetterOnce(t *testing.T) {
	// The notification target fails its 3 attempts, then recovers.
	b, recs := newBus(t, map[string]int{functions.EmailNotification: 3})
	_ = b.Publish(context.Background(), events.Event{DetailType: events.CallbackLeaseAllocated, Detail: map[string]string{"callId": "c-2"}})
	b.Wait()
	dl := b.DeadLetters()
	if len(dl) != 1 || dl[0].ID == "" {
		t.Fatalf("dead letters = %+v, want one with an id", dl)
	}
	if err := b.Replay(dl[0].ID); err != nil {
		t.Fatalf("Replay: %v", err)
	}
	b.Wait()
	rec := recs[functions.EmailNotification]
	if len(rec.got) != 1 || rec.got[0].DetailType != events.CallbackLeaseAllocated {
		t.Fatalf("replay delivered %+v, want the dead-lettered event once", rec.got)
	}
	if left := b.DeadLetters(); len(left) != 0 {
		t.Fatalf("dead letters after a successful replay = %+v, want none", left)
	}
	if err := b.Replay(dl[0].ID); !errors.Is(err, localbus.ErrNoDeadLetter) {
		t.Fatalf("second Replay = %v, want ErrNoDeadLetter", err)
	}
}

func TestReplayThatFailsAgainIsDeadLetteredAnew(t *testing.T) {
	b, _ := newBus(t, map[string]int{functions.EmailNotification: 6})
	_ = b.Publish(context.Background(), events.Event{DetailType: events.CallbackLeaseAllocated, Detail: map[string]string{"callId": "c-3"}})
	b.Wait()
	first := b.DeadLetters()[0]
	if err := b.Replay(first.ID); err != nil {
		t.Fatal(err)
	}
	b.Wait()
	dl := b.DeadLetters()
	if len(dl) != 1 || dl[0].ID == first.ID || !bytes.Equal(dl[0].Event, first.Event) {
		t.Fatalf("dead letters = %+v, want the same event under a new id", dl)
	}
}

func noPresencePush(target string) bool { return target != functions.PresencePush }

// oneTarget is the chain without the emergency record: each event has one
// target.
func oneTarget(target string) bool {
	return noPresencePush(target) && target != functions.EmergencyRecord
}

// Dead letters are kept up to a bound, the newest: a target failing for
// hours does not grow the runner without end.
func TestDeadLettersKeepTheNewest(t *testing.T) {
	targets := map[string]lambda.Handler{}
	rules := events.RulesTo(oneTarget, "")
	for _, r := range rules {
		targets[r.Target] = lambda.NewHandler(func(context.Context, lambdaevents.EventBridgeEvent) error {
			return errors.New("down")
		})
	}
	b, err := localbus.New(rules, targets, localbus.Options{MaxAttempts: 1, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	n := localbus.KeepDeadLetters + 3
	for i := range n {
		_ = b.Publish(context.Background(), events.Event{DetailType: events.EmergencyCallStarted, Detail: map[string]string{"callId": fmt.Sprintf("c-%d", i)}})
		b.Wait() // in order, so that "newest" is well defined
	}
	b.Close()
	dl := b.DeadLetters()
	if len(dl) != localbus.KeepDeadLetters || !bytes.Contains(dl[0].Event, fmt.Appendf(nil, `"c-%d"`, n-1)) ||
		!bytes.Contains(dl[len(dl)-1].Event, []byte(`"c-3"`)) {
		t.Fatalf("%d dead letters kept, want the newest %d", len(dl), localbus.KeepDeadLetters)
	}
}
