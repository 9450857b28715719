package awscount_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/mayday/mayday/shared/awscount"
)

func TestCountsCallsAndAttempts(t *testing.T) {
	fails := 1 // the first request gets a 500, which the SDK retries
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		if fails > 0 {
			fails--
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"__type":"com.amazonaws.dynamodb#InternalServerError","message":"boom"}`))
			return
		}
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()

	c := awscount.New()
	c.Label = func(service, operation string, input any) string {
		if in, ok := input.(*dynamodb.GetItemInput); ok {
			return in.Key["pk"].(*types.AttributeValueMemberS).Value
		}
		return ""
	}
	client := dynamodb.New(dynamodb.Options{
		Region:                          "us-east-1",
		BaseEndpoint:                    aws.String(srv.URL),
		Credentials:                     credentials.NewStaticCredentialsProvider("k", "s", ""),
		DisableValidateResponseChecksum: true,
		APIOptions:                      []func(*middleware.Stack) error{awscount.Middleware(c)},
	})
	ctx := context.Background()
	key := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "AGENT#a"}}
	for range 2 {
		if _, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: key}); err != nil {
			t.Fatal(err)
		}
	}
	before := c.Snapshot()
	if _, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("t")}); err != nil {
		t.Fatal(err)
	}
	s := c.Snapshot()
	if got := s.Calls["DynamoDB.GetItem"]; got != 2 {
		t.Errorf("GetItem calls = %d, want 2 (%v)", got, s)
	}
	if got := s.Attempts["DynamoDB.GetItem"]; got != 3 {
		t.Errorf("GetItem attempts = %d, want 3 (one retry)", got)
	}
	if got := s.Labelled["DynamoDB.GetItem AGENT#a"]; got != 2 {
		t.Errorf("labelled = %v", s.Labelled)
	}
	if s.Time["DynamoDB.GetItem"] <= 0 || s.LabelledTime["DynamoDB.GetItem AGENT#a"] != s.Time["DynamoDB.GetItem"] {
		t.Errorf("time = %v, labelled %v", s.Time, s.LabelledTime)
	}
	d := s.Sub(before)
	if d.Total() != 1 || d.Calls["DynamoDB.DescribeTable"] != 1 || d.TotalTime() != s.Time["DynamoDB.DescribeTable"] {
		t.Errorf("Sub = %v (time %v)", d, d.Time)
	}
	if two := d.Add(d); two.Total() != 2 || two.TotalTime() != 2*d.TotalTime() {
		t.Errorf("Add = %v", two)
	}
	c.Add("EventBridge", "PutEvents", 2)
	if got := c.Snapshot().Total(); got != 5 {
		t.Errorf("Total after Add = %d, want 5", got)
	}
	c.Reset()
	if got := c.Snapshot().Total(); got != 0 {
		t.Errorf("Total after Reset = %d", got)
	}
}
