package handler_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/handler"
	"github.com/mayday/mayday/shared/mayday"
)

// bus records what is published; fail, when set, fails every publish.
type bus struct {
	got  []events.Event
	fail error
}

func (b *bus) Publish(_ context.Context, evs ...events.Event) error {
	if b.fail != nil {
		return b.fail
	}
	b.got = append(b.got, evs...)
	return nil
}

// The fixture's stream batch: outbox INSERTs of us-east-1 (sequence 100
// and 105), a rewrite of one (MODIFY), a call item, another region's
// outbox item and an expiry (REMOVE).
func streamBatch(t *testing.T) lambdaevents.DynamoDBEvent {
	t.Helper()
	b, err := os.ReadFile("testdata/outbox-stream.json")
	if err != nil {
		t.Fatal(err)
	}
	var e lambdaevents.DynamoDBEvent
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestOutboxPublisher(t *testing.T) {
	for _, tc := range []struct {
		name       string
		region     string
		fail       error
		published  []string // detail-types, in order
		failedSeqs []string
	}{
		{"its region's INSERTs only, in order", "us-east-1", nil, []string{events.EmergencyCallStarted, events.EmergencyCallEnded}, nil},
		{"another region publishes its own", "eu-west-1", nil, []string{events.EmergencyCallStarted}, nil},
		{"a failed publish reports the records to retry", "us-east-1", errors.New("eventbridge down"), nil, []string{"100", "105"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &bus{fail: tc.fail}
			uc, err := mayday.NewOutboxPublisher(b, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := handler.OutboxPublisher{UseCase: uc, Region: tc.region}.Handle(context.Background(), streamBatch(t))
			if err != nil {
				t.Fatalf("err = %v: a failure is reported by record, never for the whole batch", err)
			}
			var types []string
			for _, e := range b.got {
				types = append(types, e.DetailType)
				var d map[string]any
				if err := json.Unmarshal(e.Detail.(json.RawMessage), &d); err != nil || d["callId"] == nil {
					t.Errorf("%s detail %s: %v", e.DetailType, e.Detail, err)
				}
			}
			if !slices.Equal(types, tc.published) {
				t.Errorf("published %v, want %v", types, tc.published)
			}
			var failed []string
			for _, f := range resp.BatchItemFailures {
				failed = append(failed, f.ItemIdentifier)
			}
			if !slices.Equal(failed, tc.failedSeqs) {
				t.Errorf("batch item failures %v, want %v", failed, tc.failedSeqs)
			}
		})
	}
}

// The sample beside the function is the fixture the handler is tested on.
func TestOutboxPublisherSample(t *testing.T) {
	sample, err := os.ReadFile("../../functions/outbox-publisher/event.json")
	if err != nil {
		t.Fatal(err)
	}
	fixture, err := os.ReadFile("testdata/outbox-stream.json")
	if err != nil {
		t.Fatal(err)
	}
	if string(sample) != string(fixture) {
		t.Error("functions/outbox-publisher/event.json differs from testdata/outbox-stream.json: copy it again")
	}
}
