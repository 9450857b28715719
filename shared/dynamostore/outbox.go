package dynamostore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mayday/mayday/shared/mayday"
)

// The transactional outbox: an event a write makes true is an item of its
// own (pk OUTBOX#<eventId>, sk OUTBOX) put in the same TransactWriteItems as
// the write. The table's stream carries the item's INSERT to the outbox
// publisher; its deterministic key makes a repeated write a MODIFY (or no
// record at all), which the publisher's filter drops.

// Outbox item key and the attributes the stream filter matches.
const (
	OutboxPrefix  = "OUTBOX#"
	OutboxSortKey = "OUTBOX"
	// AttrOutboxRegion is the region whose write recorded the event: only
	// that region's publisher publishes it, never a replica's.
	AttrOutboxRegion = "region"
)

// outboxItem is a recorded event (pk OUTBOX#<eventId>, sk OUTBOX).
type outboxItem struct {
	EventID    string    `dynamodbav:"eventId"`
	DetailType string    `dynamodbav:"detailType"`
	Detail     string    `dynamodbav:"detail"`
	CreatedAt  time.Time `dynamodbav:"createdAt"`
	Region     string    `dynamodbav:"region"`
	ExpiresAt  time.Time `dynamodbav:"expiresAt"`
}

// outboxPuts are the Puts of evs in a transaction. They are unconditional:
// an event recorded already is the same event, and its Put is no INSERT.
func (st *Store) outboxPuts(evs []mayday.OutboxEvent) ([]types.TransactWriteItem, error) {
	out := make([]types.TransactWriteItem, 0, len(evs))
	for _, e := range evs {
		item, err := attributevalue.MarshalMap(outboxItem{EventID: e.ID, DetailType: e.DetailType, Detail: string(e.Detail),
			CreatedAt: e.CreatedAt, Region: st.Region, ExpiresAt: e.ExpiresAt})
		if err != nil {
			return nil, fmt.Errorf("outbox %s: %w", e.DetailType, err)
		}
		item[AttrPK], item[AttrSK] = str(OutboxPrefix+e.ID), str(OutboxSortKey)
		for k, v := range ttl(e.ExpiresAt) {
			item[k] = v
		}
		out = append(out, types.TransactWriteItem{Put: &types.Put{TableName: &st.table, Item: item}})
	}
	return out, nil
}

// OutboxEventOf reads a recorded event from its item (a stream record's
// new image): the event and the region that recorded it. ok is false for
// an item that is no recorded event.
func OutboxEventOf(item map[string]types.AttributeValue) (e mayday.OutboxEvent, region string, ok bool, err error) {
	pk, _ := item[AttrPK].(*types.AttributeValueMemberS)
	if pk == nil || !strings.HasPrefix(pk.Value, OutboxPrefix) {
		return e, "", false, nil
	}
	var it outboxItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return e, "", true, fmt.Errorf("outbox item: %w", err)
	}
	return mayday.OutboxEvent{ID: it.EventID, DetailType: it.DetailType, Detail: []byte(it.Detail),
		CreatedAt: it.CreatedAt, ExpiresAt: it.ExpiresAt}, it.Region, true, nil
}

// FromStreamImage converts a Lambda stream record's image to the SDK's
// attribute values. Outbox items hold strings and numbers only; the other
// types are converted too, so any image reads.
func FromStreamImage(image map[string]lambdaevents.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(image))
	for k, v := range image {
		av, err := fromStreamValue(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

func fromStreamValue(v lambdaevents.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case lambdaevents.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case lambdaevents.DataTypeNumber:
		if _, err := strconv.ParseFloat(v.Number(), 64); err != nil {
			return nil, fmt.Errorf("number: %w", err)
		}
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case lambdaevents.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case lambdaevents.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case lambdaevents.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case lambdaevents.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case lambdaevents.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case lambdaevents.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case lambdaevents.DataTypeList:
		var l []types.AttributeValue
		for _, e := range v.List() {
			av, err := fromStreamValue(e)
			if err != nil {
				return nil, err
			}
			l = append(l, av)
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case lambdaevents.DataTypeMap:
		m, err := FromStreamImage(v.Map())
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	return nil, fmt.Errorf("unknown attribute type %v", v.DataType())
}

// RecordedEvent reads the outbox item of event id (strongly consistent):
// what the stream carried or will carry to the publisher.
func (st *Store) RecordedEvent(ctx context.Context, id string) (mayday.OutboxEvent, bool, error) {
	item, err := st.getItem(ctx, key(OutboxPrefix+id, OutboxSortKey))
	if err != nil || item == nil {
		return mayday.OutboxEvent{}, false, err
	}
	e, _, _, err := OutboxEventOf(item)
	return e, err == nil, err
}
