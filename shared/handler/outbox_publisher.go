package handler

import (
	"context"
	"log/slog"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/mayday/mayday/shared/dynamostore"
	"github.com/mayday/mayday/shared/mayday"
)

// OutboxPublisher handles the table's stream: it publishes the events the
// outbox items record, at least once, and reports the records it could not
// publish, so that only they (and what follows them in the shard) are
// retried. Only the INSERT of an outbox item recorded in Region counts: a
// rewrite (MODIFY), its expiry (REMOVE), any other item and a replica's
// record from another region are passed over, as the event source
// mapping's filter already does.
type OutboxPublisher struct {
	UseCase *mayday.OutboxPublisher
	Region  string
	Log     *slog.Logger
}

func (h OutboxPublisher) Handle(ctx context.Context, e lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error) {
	log := h.Log
	if log == nil {
		log = slog.Default()
	}
	var (
		evs  []mayday.OutboxEvent
		seqs []string
	)
	for _, r := range e.Records {
		if r.EventName != string(lambdaevents.DynamoDBOperationTypeInsert) {
			continue
		}
		item, err := dynamostore.FromStreamImage(r.Change.NewImage)
		if err != nil {
			log.Error("stream record unreadable; passed over", "eventId", r.EventID, "err", err)
			continue
		}
		ev, region, ok, err := dynamostore.OutboxEventOf(item)
		switch {
		case !ok:
			continue
		case err != nil:
			log.Error("outbox item unreadable; passed over", "eventId", r.EventID, "err", err)
			continue
		case region != h.Region:
			continue // another region's publisher publishes it
		}
		evs, seqs = append(evs, ev), append(seqs, r.Change.SequenceNumber)
	}
	n, err := h.UseCase.Publish(ctx, evs)
	var resp lambdaevents.DynamoDBEventResponse
	if err != nil {
		for _, s := range seqs[n:] {
			resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.DynamoDBBatchItemFailure{ItemIdentifier: s})
		}
	}
	return resp, nil
}
