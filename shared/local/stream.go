package local

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// StreamRelay reads the table's DynamoDB stream (DynamoDB Local's, or a
// sandbox table's) as Lambda's event source mapping does — every shard from
// its oldest record, in order — and hands the records to the outbox
// publisher's handler as the Lambda event it gets deployed. Records the
// handler reports failed are read again from the first of them, after a
// backoff, as the mapping retries them.
type StreamRelay struct {
	client *dynamodbstreams.Client
	arn    string
	// Region is the table's region: the outbox items the publisher
	// publishes are the ones recorded there.
	Region string
	// Poll is the wait after a read that found nothing new. Lambda polls a
	// shard about four times a second; locally a shorter wait keeps the
	// email as quick as the bus.
	Poll time.Duration
	// OnIdle, when set, is called after each pass over the shards that
	// found no record: every record written before the pass began has been
	// handled (a test's settle point).
	OnIdle func()
}

// DefaultStreamPoll is StreamRelay.Poll's default.
const DefaultStreamPoll = 5 * time.Millisecond

// NewStreamRelay reads the stream of table through the endpoint, region and
// credentials of ddb. Its calls go over an HTTP client of their own: in AWS
// the event source mapping reads the stream, not a function, so they are
// no function's AWS calls.
func NewStreamRelay(ctx context.Context, ddb *dynamodb.Client, table string) (*StreamRelay, error) {
	d, err := ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table})
	if err != nil {
		return nil, fmt.Errorf("stream of %s: describe table: %w", table, err)
	}
	arn := aws.ToString(d.Table.LatestStreamArn)
	if arn == "" {
		return nil, fmt.Errorf("table %s has no stream", table)
	}
	o := ddb.Options()
	client := dynamodbstreams.New(dynamodbstreams.Options{Region: o.Region, Credentials: o.Credentials,
		BaseEndpoint: o.BaseEndpoint, HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	return &StreamRelay{client: client, arn: arn, Region: o.Region, Poll: DefaultStreamPoll}, nil
}

type streamHandler func(context.Context, lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error)

// shardState is where the relay is in one shard.
type shardState struct {
	iterator *string
	parent   string
	done     bool   // closed and read to its end
	retry    string // sequence number to read again from after a failure
	wait     time.Duration
}

// Run relays until ctx ends.
func (r *StreamRelay) Run(ctx context.Context, handle streamHandler, log *slog.Logger) {
	shards := map[string]*shardState{}
	var order []string
	described := time.Time{}
	for ctx.Err() == nil {
		if time.Since(described) > time.Second || len(order) == 0 {
			if err := r.describe(ctx, shards, &order); err != nil && ctx.Err() == nil {
				log.Warn("stream: describe", "err", err)
			}
			described = time.Now()
		}
		progressed := false
		for _, id := range order {
			s := shards[id]
			if s.done || (s.parent != "" && shards[s.parent] != nil && !shards[s.parent].done) {
				continue // a child waits for its parent: records stay in order
			}
			got, err := r.readShard(ctx, id, s, handle)
			if err != nil && ctx.Err() == nil {
				log.Warn("stream: read", "shardId", id, "err", err)
			}
			progressed = progressed || got
		}
		if !progressed {
			if r.OnIdle != nil {
				r.OnIdle()
			}
			select {
			case <-ctx.Done():
			case <-time.After(r.Poll):
			}
		}
	}
}

func (r *StreamRelay) describe(ctx context.Context, shards map[string]*shardState, order *[]string) error {
	var start *string
	for {
		out, err := r.client.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &r.arn, ExclusiveStartShardId: start})
		if err != nil {
			return err
		}
		for _, sh := range out.StreamDescription.Shards {
			id := aws.ToString(sh.ShardId)
			if shards[id] == nil {
				shards[id] = &shardState{parent: aws.ToString(sh.ParentShardId)}
				*order = append(*order, id)
			}
		}
		start = out.StreamDescription.LastEvaluatedShardId
		if start == nil {
			return nil
		}
	}
}

// readShard reads one batch of shard id and hands its records to handle;
// got reports whether it read any.
func (r *StreamRelay) readShard(ctx context.Context, id string, s *shardState, handle streamHandler) (got bool, err error) {
	if s.iterator == nil {
		in := &dynamodbstreams.GetShardIteratorInput{StreamArn: &r.arn, ShardId: &id, ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon}
		if s.retry != "" {
			in.ShardIteratorType, in.SequenceNumber = streamtypes.ShardIteratorTypeAtSequenceNumber, &s.retry
		}
		it, err := r.client.GetShardIterator(ctx, in)
		var trimmed *streamtypes.TrimmedDataAccessException
		if errors.As(err, &trimmed) { // the record to retry is gone: from the oldest left
			s.retry = ""
			return false, fmt.Errorf("shard iterator: %w", err)
		}
		if err != nil {
			return false, fmt.Errorf("shard iterator: %w", err)
		}
		s.iterator = it.ShardIterator
	}
	out, err := r.client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: s.iterator})
	var (
		expired *streamtypes.ExpiredIteratorException
		trimmed *streamtypes.TrimmedDataAccessException
	)
	switch {
	case errors.As(err, &expired):
		s.iterator = nil
		return false, nil
	case errors.As(err, &trimmed):
		// Past the shard's trim horizon. DynamoDB Local also answers this
		// for an iterator taken while the shard was empty, once records
		// arrive. A new iterator, from the record to retry or the oldest
		// left: the old one would fail for ever.
		s.iterator = nil
		return false, fmt.Errorf("get records: %w", err)
	}
	if err != nil {
		return false, fmt.Errorf("get records: %w", err)
	}
	if len(out.Records) == 0 {
		s.iterator = out.NextShardIterator
		s.done = out.NextShardIterator == nil
		return false, nil
	}
	ev := lambdaevents.DynamoDBEvent{Records: make([]lambdaevents.DynamoDBEventRecord, len(out.Records))}
	for i, rec := range out.Records {
		ev.Records[i] = toLambdaRecord(rec, r.arn, r.Region)
	}
	resp, err := handle(ctx, ev)
	if err != nil { // the whole batch again
		resp.BatchItemFailures = []lambdaevents.DynamoDBBatchItemFailure{{ItemIdentifier: ev.Records[0].Change.SequenceNumber}}
	}
	if len(resp.BatchItemFailures) == 0 {
		s.iterator, s.retry, s.wait = out.NextShardIterator, "", 0
		s.done = out.NextShardIterator == nil
		return true, nil
	}
	// Read again from the first failed record, after a backoff.
	seqs := make([]string, len(resp.BatchItemFailures))
	for i, f := range resp.BatchItemFailures {
		seqs[i] = f.ItemIdentifier
	}
	first := slices.IndexFunc(ev.Records, func(rec lambdaevents.DynamoDBEventRecord) bool {
		return slices.Contains(seqs, rec.Change.SequenceNumber)
	})
	if first < 0 {
		first = 0
	}
	s.iterator, s.retry = nil, ev.Records[first].Change.SequenceNumber
	s.wait = min(max(2*s.wait, 10*time.Millisecond), maxRelayBackoff)
	select {
	case <-ctx.Done():
	case <-time.After(s.wait):
	}
	return first > 0, nil
}

// toLambdaRecord is a stream record as Lambda delivers it.
func toLambdaRecord(r streamtypes.Record, arn, region string) lambdaevents.DynamoDBEventRecord {
	out := lambdaevents.DynamoDBEventRecord{EventID: aws.ToString(r.EventID), EventName: string(r.EventName),
		EventSource: "aws:dynamodb", EventSourceArn: arn, AWSRegion: region, EventVersion: aws.ToString(r.EventVersion)}
	if c := r.Dynamodb; c != nil {
		out.Change = lambdaevents.DynamoDBStreamRecord{SequenceNumber: aws.ToString(c.SequenceNumber),
			StreamViewType: string(c.StreamViewType), Keys: lambdaImage(c.Keys), NewImage: lambdaImage(c.NewImage)}
		if c.SizeBytes != nil {
			out.Change.SizeBytes = *c.SizeBytes
		}
	}
	return out
}

func lambdaImage(m map[string]streamtypes.AttributeValue) map[string]lambdaevents.DynamoDBAttributeValue {
	if m == nil {
		return nil
	}
	out := make(map[string]lambdaevents.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		out[k] = lambdaValue(v)
	}
	return out
}

func lambdaValue(v streamtypes.AttributeValue) lambdaevents.DynamoDBAttributeValue {
	switch v := v.(type) {
	case *streamtypes.AttributeValueMemberS:
		return lambdaevents.NewStringAttribute(v.Value)
	case *streamtypes.AttributeValueMemberN:
		return lambdaevents.NewNumberAttribute(v.Value)
	case *streamtypes.AttributeValueMemberBOOL:
		return lambdaevents.NewBooleanAttribute(v.Value)
	case *streamtypes.AttributeValueMemberB:
		return lambdaevents.NewBinaryAttribute(v.Value)
	case *streamtypes.AttributeValueMemberSS:
		return lambdaevents.NewStringSetAttribute(v.Value)
	case *streamtypes.AttributeValueMemberNS:
		return lambdaevents.NewNumberSetAttribute(v.Value)
	case *streamtypes.AttributeValueMemberBS:
		return lambdaevents.NewBinarySetAttribute(v.Value)
	case *streamtypes.AttributeValueMemberL:
		l := make([]lambdaevents.DynamoDBAttributeValue, len(v.Value))
		for i, e := range v.Value {
			l[i] = lambdaValue(e)
		}
		return lambdaevents.NewListAttribute(l)
	case *streamtypes.AttributeValueMemberM:
		return lambdaevents.NewMapAttribute(lambdaImage(v.Value))
	}
	return lambdaevents.NewNullAttribute()
}
