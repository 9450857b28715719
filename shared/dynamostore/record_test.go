package dynamostore_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mayday/mayday/shared/dynamostore"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/testkit/recordtest"
)

// newRecordTable creates a record table of its own for the test.
func newRecordTable(t *testing.T) (*dynamodb.Client, string) {
	t.Helper()
	return newTableOf(t, "mayday-record-test-", dynamostore.CreateRecordTable)
}

func TestRecordContract(t *testing.T) {
	c, table := newRecordTable(t)
	r := dynamostore.NewRecord(c, table, 400*24*time.Hour)
	recordtest.Run(t, func(*testing.T) mayday.RecordStore { return r }, recordtest.Features{
		SinceLags: true, // a global secondary index
		Tamper: func(t *testing.T, callID string, seq int, fn func(*mayday.RecordEntry)) {
			// Rewrite the item's content as a principal allowed UpdateItem
			// could (no function is).
			entries, err := r.ReadRecord(context.Background(), callID)
			if err != nil || len(entries) < seq {
				t.Fatalf("read %s: %d entries, %v", callID, len(entries), err)
			}
			e := entries[seq-1]
			fn(&e)
			fields, err := attributevalue.Marshal(e.Fields)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: aws.String(table),
				Key: map[string]types.AttributeValue{"callId": &types.AttributeValueMemberS{Value: callID},
					"seq": &types.AttributeValueMemberN{Value: strconv.Itoa(seq)}},
				UpdateExpression:         aws.String("SET #kind = :k, #at = :a, #fields = :f, #hash = :h"),
				ExpressionAttributeNames: map[string]string{"#kind": "kind", "#at": "at", "#fields": "fields", "#hash": "hash"},
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":k": &types.AttributeValueMemberS{Value: e.Kind},
					":a": &types.AttributeValueMemberS{Value: e.At.UTC().Format(mayday.RecordTimeFormat)},
					":f": fields, ":h": &types.AttributeValueMemberS{Value: e.Hash}}})
			if err != nil {
				t.Fatal(err)
			}
		},
	})
}

// TestRecordItemLayout pins an entry's item: its keys, the by-day index
// attributes and the TTL from the retention.
func TestRecordItemLayout(t *testing.T) {
	c, table := newRecordTable(t)
	r := dynamostore.NewRecord(c, table, 48*time.Hour)
	rec := time.Date(2026, 12, 6, 9, 30, 0, 120, time.UTC)
	e := mayday.RecordEntry{CallID: "call-1", Seq: 1, ID: "i", Kind: mayday.RecordDialReceived, At: rec, RecordedAt: rec,
		Source: "Emergency Call Started", Fields: map[string]string{"dialedNumber": "911"}, PrevHash: mayday.GenesisHash}
	e.Hash = e.ComputeHash()
	if err := r.AppendEntry(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table),
		Key: map[string]types.AttributeValue{"callId": &types.AttributeValueMemberS{Value: "call-1"},
			"seq": &types.AttributeValueMemberN{Value: "1"}}})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"day":        "2026-12-06",
		"daySk":      "2026-12-06T09:30:00.000000120Z#call-1#0000000001",
		"recordedAt": "2026-12-06T09:30:00.000000120Z",
		"kind":       "dial-received",
		"hash":       e.Hash,
		"prevHash":   mayday.GenesisHash,
	} {
		if got, _ := attrS(out.Item, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if ttl, _ := attrN(t, out.Item, "ttl"); ttl != rec.Add(48*time.Hour).Unix() {
		t.Errorf("ttl = %d, want recordedAt + 48h", ttl)
	}
	got, err := r.ReadRecord(context.Background(), "call-1")
	if err != nil || len(got) != 1 || mayday.Verify(got) != nil {
		t.Fatalf("read back %+v, %v; verify %v", got, err, mayday.Verify(got))
	}
}
