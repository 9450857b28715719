package lambdarie

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"quamina.net/go/quamina"

	"github.com/mayday/mayday/shared/local"
)

// The template's DynamoDB stream event source mappings, as Lambda runs
// them: the table's stream read from its oldest record (the local runner's
// StreamRelay, over DynamoDB Local), each record kept only if it matches
// one of the mapping's filter patterns (quamina implements Lambda's filter
// language, EventBridge's), each batch a synchronous invocation of the
// function, and the records it reports failed (batchItemFailures) or the
// whole batch on a function error read again. The on-failure destination is
// not run: the stream is read again until the function succeeds.

// streamMapping is one running mapping.
type streamMapping struct {
	idle atomic.Int64 // passes over the stream that found nothing
	stop context.CancelFunc
	done chan struct{}
}

// startStreams starts every AWS::Lambda::EventSourceMapping of a table's
// stream.
func (d *Deployment) startStreams(ddb *dynamodb.Client) error {
	for _, id := range d.Template.OfType("AWS::Lambda::EventSourceMapping") {
		p := d.Template.Resources[id].Properties
		fn, table := refersTo(p["FunctionName"]), refersTo(p["EventSourceArn"])
		if d.functions[fn] == nil {
			continue // a function the test does not run
		}
		name := d.Physical[table].Ref
		if name == "" {
			return fmt.Errorf("event source mapping %s: %s is no table of the template", id, table)
		}
		q, err := quamina.New()
		if err != nil {
			return err
		}
		filters, _ := path(p, "FilterCriteria", "Filters").([]any)
		for i, f := range filters {
			pattern, err := Resolve(path(f, "Pattern"), d.Physical)
			if err != nil {
				return fmt.Errorf("event source mapping %s: filter: %w", id, err)
			}
			if err := q.AddPattern(i, pattern); err != nil {
				return fmt.Errorf("event source mapping %s: filter %s: %w", id, pattern, err)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		relay, err := local.NewStreamRelay(ctx, ddb, name)
		cancel()
		if err != nil {
			return fmt.Errorf("event source mapping %s: %w", id, err)
		}
		m := &streamMapping{done: make(chan struct{})}
		relay.OnIdle = func() { m.idle.Add(1) }
		handle := func(ctx context.Context, e lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error) {
			var resp lambdaevents.DynamoDBEventResponse
			kept := e.Records[:0:0]
			for _, r := range e.Records {
				b, err := json.Marshal(r)
				if err != nil {
					return resp, err
				}
				if matches, err := q.MatchesForEvent(b); err != nil {
					return resp, err
				} else if len(filters) == 0 || len(matches) > 0 {
					kept = append(kept, r)
				}
			}
			if len(kept) == 0 {
				return resp, nil
			}
			payload, err := json.Marshal(lambdaevents.DynamoDBEvent{Records: kept})
			if err != nil {
				return resp, err
			}
			out, fnErr, err := d.Lambda.Invoke(ctx, fn, payload)
			if err != nil {
				return resp, err
			}
			if fnErr {
				return resp, fmt.Errorf("%s: function error %s", fn, out)
			}
			if err := json.Unmarshal(out, &resp); err != nil && string(out) != "null" {
				return resp, fmt.Errorf("%s: response %s: %w", fn, out, err)
			}
			return resp, nil
		}
		ctx, m.stop = context.WithCancel(context.Background())
		go func() {
			defer close(m.done)
			relay.Run(ctx, handle, slog.New(slog.NewTextHandler(io.Discard, nil)))
		}()
		d.streams = append(d.streams, m)
		d.stops = append(d.stops, func() { m.stop(); <-m.done })
	}
	return nil
}

// Settle waits until the streams' records written so far have been handled
// and every asynchronous invocation they and the test caused has finished.
func (d *Deployment) Settle() {
	for range 2 { // what settling caused, settled too
		for _, m := range d.streams {
			seen := m.idle.Load()
			deadline := time.Now().Add(10 * time.Second)
			for m.idle.Load() < seen+2 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
		}
		d.Lambda.Wait()
	}
}
