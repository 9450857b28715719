package local

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
)

// TestStreamRelayTrimmedShard: an iterator answered TrimmedDataAccess (as
// DynamoDB Local answers one taken on an empty shard, once records arrive)
// is replaced, and the records are relayed; the old one is not tried
// again and again.
func TestStreamRelayTrimmedShard(t *testing.T) {
	var (
		mu        sync.Mutex
		iterators []string // GetShardIterator's types, in order
		reads     = map[string]int{}
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		body, _ := io.ReadAll(r.Body)
		var in map[string]any
		_ = json.Unmarshal(body, &in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		switch op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDBStreams_20120810."); op {
		case "DescribeStream":
			_, _ = io.WriteString(w, `{"StreamDescription":{"StreamArn":"arn:s","Shards":[{"ShardId":"shard-1"}]}}`)
		case "GetShardIterator":
			iterators = append(iterators, in["ShardIteratorType"].(string))
			_, _ = io.WriteString(w, `{"ShardIterator":"it-`+string(rune('0'+len(iterators)))+`"}`)
		case "GetRecords":
			it := in["ShardIterator"].(string)
			reads[it]++
			switch it {
			case "it-1":
				w.Header().Set("X-Amzn-ErrorType", "TrimmedDataAccessException")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, `{"__type":"com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException","message":"The operation attempted to read past the oldest stream record in a shard."}`)
			case "it-2":
				_, _ = io.WriteString(w, `{"Records":[{"eventID":"e1","eventName":"INSERT","awsRegion":"us-east-1","dynamodb":{"SequenceNumber":"100","Keys":{"pk":{"S":"OUTBOX#c-1/Emergency Call Started"}}}}],"NextShardIterator":"it-next"}`)
			default:
				_, _ = io.WriteString(w, `{"Records":[],"NextShardIterator":"it-next"}`)
			}
		default:
			t.Errorf("unexpected %s", op)
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	r := &StreamRelay{arn: "arn:s", Region: "us-east-1", Poll: time.Millisecond,
		client: dynamodbstreams.New(dynamodbstreams.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
			Credentials: aws.AnonymousCredentials{}})}
	got := make(chan string, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go r.Run(ctx, func(_ context.Context, ev lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error) {
		for _, rec := range ev.Records {
			select {
			case got <- rec.Change.SequenceNumber:
			default:
			}
		}
		return lambdaevents.DynamoDBEventResponse{}, nil
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	select {
	case seq := <-got:
		if seq != "100" {
			t.Fatalf("relayed %s, want 100", seq)
		}
	case <-ctx.Done():
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("nothing relayed: iterators %v, reads %v", iterators, reads)
	}
	cancel()
	mu.Lock()
	defer mu.Unlock()
	if reads["it-1"] != 1 || len(iterators) < 2 || iterators[1] != "TRIM_HORIZON" {
		t.Fatalf("the trimmed iterator was read %d times; iterators %v", reads["it-1"], iterators)
	}
}
