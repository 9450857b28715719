package local_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/awsclients"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/dynamostore"
	"github.com/mayday/mayday/shared/handler"
	"github.com/mayday/mayday/shared/local"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/testkit/harness"
	"github.com/mayday/mayday/shared/testkit/integration"
)

// flakyBus fails its first failures publishes, then records.
type flakyBus struct {
	mu       sync.Mutex
	failures int
	got      []string
}

func (b *flakyBus) Publish(_ context.Context, evs ...events.Event) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failures > 0 {
		b.failures--
		return errors.New("eventbridge down")
	}
	for _, e := range evs {
		b.got = append(b.got, e.DetailType)
	}
	return nil
}

func (b *flakyBus) published() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.got...)
}

// TestStreamRelayOnDynamoDBLocal: an event recorded while no publisher ran
// (a crash between the write and the publish) is published from the
// table's stream once one runs; a failed publish is tried again until it
// succeeds; each event is published once, and nothing else is.
func TestStreamRelayOnDynamoDBLocal(t *testing.T) {
	integration.Endpoint(t, "AWS_ENDPOINT_URL_DYNAMODB")
	ctx := context.Background()
	cfg, err := awsclients.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ddb := coldstart.DynamoDB(cfg)
	table := "stream-" + harness.Unique()
	if err := dynamostore.CreateTable(ctx, ddb, table); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = ddb.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &table}) })
	store := dynamostore.New(ddb, table)

	record := func(callID, detailType string) {
		t.Helper()
		ev, err := mayday.NewOutboxEvent(callID, events.Event{DetailType: detailType, Detail: map[string]string{"callId": callID}}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.UpdateCallAnnouncing(ctx, callID, func(c *mayday.Call) ([]mayday.OutboxEvent, error) {
			c.AgentID, c.Kind, c.StartedAt = "a-1", mayday.KindOutbound, time.Now()
			return []mayday.OutboxEvent{ev}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	record("c-1", events.EmergencyCallStarted) // no publisher runs yet: the crash
	if _, err := store.UpdateAgent(ctx, "a-1", func(a *mayday.Agent) error { a.Name = "Ada"; return nil }); err != nil {
		t.Fatal(err)
	}

	bus := &flakyBus{failures: 2}
	uc, err := mayday.NewOutboxPublisher(bus, nil)
	if err != nil {
		t.Fatal(err)
	}
	relay, err := local.NewStreamRelay(ctx, ddb, table)
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		relay.Run(rctx, handler.OutboxPublisher{UseCase: uc, Region: relay.Region}.Handle, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	t.Cleanup(func() { stop(); <-done })

	wait := func(want int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for len(bus.published()) < want && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	wait(1)
	record("c-1", events.EmergencyCallEnded)
	record("c-1", events.EmergencyCallEnded) // the same event again: no INSERT
	wait(2)
	time.Sleep(200 * time.Millisecond) // time for a duplicate to show
	got := bus.published()
	if len(got) != 2 || got[0] != events.EmergencyCallStarted || got[1] != events.EmergencyCallEnded {
		t.Fatalf("published %v, want the start (after 2 failures) then the end, once each", got)
	}
}
