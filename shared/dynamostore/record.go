package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mayday/mayday/shared/mayday"
)

// The emergency record has a table of its own, so IAM can let the functions
// add to it and nothing more: PutItem only if the entry's key is new (the
// dynamodb:ReturnValues / condition keys cannot require a condition, so
// UpdateItem and DeleteItem are never granted and explicitly denied), and
// the audit role only read it. One item per entry: partition the call, sort
// its sequence number; a by-day index lists what was recorded since a time,
// for the export.
const (
	RecordAttrCall   = "callId"
	RecordAttrSeq    = "seq"
	RecordAttrDay    = "day"   // "YYYY-MM-DD" of recordedAt, UTC
	RecordAttrDaySK  = "daySk" // recordedAt (fixed width) "#" callId "#" seq
	RecordAttrTTL    = "ttl"   // epoch seconds (N): recordedAt + retention
	RecordIndexByDay = "byDay"
)

// RecordSchema is the record table's schema.
func RecordSchema() TableSchema {
	s := func(name string) KeyAttribute { return KeyAttribute{Name: name, Type: TypeString} }
	return TableSchema{
		PartitionKey: s(RecordAttrCall),
		SortKey:      KeyAttribute{Name: RecordAttrSeq, Type: TypeNumber},
		Indexes: []IndexSchema{
			{Name: RecordIndexByDay, PartitionKey: s(RecordAttrDay), SortKey: s(RecordAttrDaySK), Projection: ProjectAll},
		},
		TTLAttribute: RecordAttrTTL,
	}
}

// CreateRecordTable creates the record table, as CreateTable does the
// store's.
func CreateRecordTable(ctx context.Context, client *dynamodb.Client, table string) error {
	return CreateTableOf(ctx, client, table, RecordSchema())
}

// Record is the DynamoDB adapter of mayday.RecordStore.
type Record struct {
	client    *dynamodb.Client
	table     string
	retention time.Duration
}

var _ mayday.RecordStore = (*Record)(nil)

// NewRecord is the record in table; entries expire retention after they
// were recorded (TTL), none when retention is 0.
func NewRecord(client *dynamodb.Client, table string, retention time.Duration) *Record {
	return &Record{client: client, table: table, retention: retention}
}

// entryItem is an entry's wire format.
type entryItem struct {
	CallID     string            `dynamodbav:"callId"`
	Seq        int               `dynamodbav:"seq"`
	ID         string            `dynamodbav:"id"`
	Kind       string            `dynamodbav:"kind"`
	At         string            `dynamodbav:"at"`
	RecordedAt string            `dynamodbav:"recordedAt"`
	Source     string            `dynamodbav:"source"`
	Fields     map[string]string `dynamodbav:"fields"`
	PrevHash   string            `dynamodbav:"prevHash"`
	Hash       string            `dynamodbav:"hash"`
	Day        string            `dynamodbav:"day"`
	DaySK      string            `dynamodbav:"daySk"`
	TTL        int64             `dynamodbav:"ttl,omitempty"`
}

func daySK(recordedAt, callID string, seq int) string {
	return fmt.Sprintf("%s#%s#%010d", recordedAt, callID, seq)
}

func (r *Record) AppendEntry(ctx context.Context, e mayday.RecordEntry) error {
	if err := mayday.ValidID("callId", e.CallID); err != nil {
		return err
	}
	rec := e.RecordedAt.UTC()
	it := entryItem{CallID: e.CallID, Seq: e.Seq, ID: e.ID, Kind: e.Kind, At: e.At.UTC().Format(mayday.RecordTimeFormat),
		RecordedAt: rec.Format(mayday.RecordTimeFormat), Source: e.Source, Fields: e.Fields, PrevHash: e.PrevHash, Hash: e.Hash,
		Day: rec.Format(time.DateOnly)}
	it.DaySK = daySK(it.RecordedAt, e.CallID, e.Seq)
	if r.retention > 0 {
		it.TTL = rec.Add(r.retention).Unix()
	}
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fmt.Errorf("record %s entry %d: marshal: %w", e.CallID, e.Seq, err)
	}
	cond, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name(RecordAttrCall))).Build()
	if err != nil {
		return fmt.Errorf("record %s entry %d: condition: %w", e.CallID, e.Seq, err)
	}
	_, err = r.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(r.table), Item: item,
		ConditionExpression: cond.Condition(), ExpressionAttributeNames: cond.Names()})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return fmt.Errorf("%w: record %s already has entry %d", mayday.ErrConflict, e.CallID, e.Seq)
	}
	if err != nil {
		return fmt.Errorf("record %s entry %d: put: %w", e.CallID, e.Seq, err)
	}
	return nil
}

func (r *Record) ReadRecord(ctx context.Context, callID string) ([]mayday.RecordEntry, error) {
	if err := mayday.ValidID("callId", callID); err != nil {
		return nil, err
	}
	kc, err := expression.NewBuilder().WithKeyCondition(expression.Key(RecordAttrCall).Equal(expression.Value(callID))).Build()
	if err != nil {
		return nil, fmt.Errorf("record %s: key condition: %w", callID, err)
	}
	return r.query(ctx, &dynamodb.QueryInput{TableName: aws.String(r.table), ConsistentRead: aws.Bool(true),
		KeyConditionExpression: kc.KeyCondition(), ExpressionAttributeNames: kc.Names(), ExpressionAttributeValues: kc.Values()})
}

func (r *Record) RecordSince(ctx context.Context, since time.Time) ([]mayday.RecordEntry, error) {
	since = since.UTC()
	var out []mayday.RecordEntry
	now := time.Now().UTC()
	for day := since.Truncate(24 * time.Hour); !day.After(now); day = day.Add(24 * time.Hour) {
		kc, err := expression.NewBuilder().WithKeyCondition(expression.Key(RecordAttrDay).Equal(expression.Value(day.Format(time.DateOnly))).
			And(expression.Key(RecordAttrDaySK).GreaterThanEqual(expression.Value(since.Format(mayday.RecordTimeFormat))))).Build()
		if err != nil {
			return nil, fmt.Errorf("record since: key condition: %w", err)
		}
		entries, err := r.query(ctx, &dynamodb.QueryInput{TableName: aws.String(r.table), IndexName: aws.String(RecordIndexByDay),
			KeyConditionExpression: kc.KeyCondition(), ExpressionAttributeNames: kc.Names(), ExpressionAttributeValues: kc.Values()})
		if err != nil {
			return nil, err
		}
		out = append(out, entries...)
	}
	return out, nil
}

// query runs a query to its last page.
func (r *Record) query(ctx context.Context, in *dynamodb.QueryInput) ([]mayday.RecordEntry, error) {
	var out []mayday.RecordEntry
	p := dynamodb.NewQueryPaginator(r.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("record: query: %w", err)
		}
		for _, item := range page.Items {
			e, err := decodeEntry(item)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
	}
	return out, nil
}

func decodeEntry(item map[string]types.AttributeValue) (mayday.RecordEntry, error) {
	var it entryItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return mayday.RecordEntry{}, fmt.Errorf("record: unmarshal: %w", err)
	}
	at, err1 := time.Parse(mayday.RecordTimeFormat, it.At)
	rec, err2 := time.Parse(mayday.RecordTimeFormat, it.RecordedAt)
	if err := errors.Join(err1, err2); err != nil {
		return mayday.RecordEntry{}, fmt.Errorf("record %s entry %s: times: %w", it.CallID, strconv.Itoa(it.Seq), err)
	}
	return mayday.RecordEntry{CallID: it.CallID, Seq: it.Seq, ID: it.ID, Kind: it.Kind, At: at, RecordedAt: rec,
		Source: it.Source, Fields: it.Fields, PrevHash: it.PrevHash, Hash: it.Hash}, nil
}
