package awsfake_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mayday/mayday/shared/testkit/awsfake"
)

var creds = credentials.NewStaticCredentialsProvider("local", "local", "")

func TestSQS(t *testing.T) {
	f := awsfake.NewSQS()
	defer f.Close()
	c := sqs.New(sqs.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(f.URL)})
	ctx := context.Background()
	url, _ := f.CreateQueue("q")
	// The SDK checks the MD5 of what it sent and received.
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(`{"a":1}`),
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{"K": {DataType: aws.String("String"), StringValue: aws.String("v")}}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, VisibilityTimeout: 60,
		MessageAttributeNames: []string{"All"}})
	if err != nil || len(got.Messages) != 1 || aws.ToString(got.Messages[0].Body) != `{"a":1}` ||
		aws.ToString(got.Messages[0].MessageAttributes["K"].StringValue) != "v" {
		t.Fatalf("receive: %+v %v", got, err)
	}
	// Hidden while in flight.
	if again, _ := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url}); len(again.Messages) != 0 {
		t.Fatalf("an in-flight message was received again")
	}
	h := got.Messages[0].ReceiptHandle
	if _, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: h}); err != nil {
		t.Fatal(err)
	}
	again, _ := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url})
	if len(again.Messages) != 1 {
		t.Fatalf("visible again: %d messages", len(again.Messages))
	}
	if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: again.Messages[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Messages(url)); n != 0 {
		t.Fatalf("%d messages after delete", n)
	}
	var missing *sqstypes.QueueDoesNotExist
	if _, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(f.URL + "/123456789012/nope")}); !errors.As(err, &missing) {
		t.Fatalf("unknown queue: %v", err)
	}
}

func TestSecrets(t *testing.T) {
	f := awsfake.NewSecrets()
	defer f.Close()
	const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:w-AbCdEf"
	f.Put(arn, "w", "one")
	c := secretsmanager.New(secretsmanager.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(f.URL)})
	ctx := context.Background()
	var created []time.Time
	get := func(stage string) (string, error) {
		in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)}
		if stage != "" {
			in.VersionStage = aws.String(stage)
		}
		out, err := c.GetSecretValue(ctx, in)
		if err != nil {
			return "", err
		}
		created = append(created, aws.ToTime(out.CreatedDate))
		return aws.ToString(out.SecretString), nil
	}
	var nf *smtypes.ResourceNotFoundException
	if v, err := get(""); v != "one" || err != nil {
		t.Fatalf("current: %q %v", v, err)
	}
	if _, err := get("AWSPREVIOUS"); !errors.As(err, &nf) {
		t.Fatalf("previous before a rotation: %v", err)
	}
	time.Sleep(5 * time.Millisecond)
	f.Put(arn, "w", "two")
	if v, err := get("AWSPREVIOUS"); v != "one" || err != nil {
		t.Fatalf("previous: %q %v", v, err)
	}
	if v, err := get("AWSCURRENT"); v != "two" || err != nil {
		t.Fatalf("current after rotation: %q %v", v, err)
	}
	// CreatedDate is when each version became current (a rotation window
	// is measured from it).
	if len(created) != 3 || !created[0].Equal(created[1]) || !created[2].After(created[1]) {
		t.Fatalf("CreatedDate of current, previous, new current: %v", created)
	}
}

func TestEventBridge(t *testing.T) {
	f := awsfake.NewEventBridge()
	defer f.Close()
	q := awsfake.NewSQS()
	defer q.Close()
	f.SQS = q
	dlqURL, dlqARN := q.CreateQueue("dlq")
	var mu sync.Mutex
	delivered := map[string]int{}
	f.Deliver = func(target string, _ []byte) error {
		mu.Lock()
		defer mu.Unlock()
		if target == "broken" {
			return fmt.Errorf("function not found")
		}
		delivered[target]++
		return nil
	}
	f.AddBus("bus")
	if err := f.AddRule("bus", "r1", `{"source":["mayday"],"detail-type":["A","B"]}`, []awsfake.Target{{ARN: "fn-ab"}}); err != nil {
		t.Fatal(err)
	}
	if err := f.AddRule("bus", "r2", `{"source":["mayday"],"detail-type":["B"]}`, []awsfake.Target{{ARN: "broken", DLQ: dlqARN}}); err != nil {
		t.Fatal(err)
	}
	c := eventbridge.New(eventbridge.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(f.URL)})
	entry := func(bus, dt string) ebtypes.PutEventsRequestEntry {
		return ebtypes.PutEventsRequestEntry{EventBusName: aws.String(bus), Source: aws.String("mayday"), DetailType: aws.String(dt), Detail: aws.String(`{"callId":"c-1"}`)}
	}
	out, err := c.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		entry("bus", "A"), entry("bus", "B"), entry("bus", "C"), entry("nope", "A")}})
	if err != nil {
		t.Fatal(err)
	}
	if out.FailedEntryCount != 1 || aws.ToString(out.Entries[3].ErrorCode) != "ResourceNotFoundException" {
		t.Fatalf("entries: %+v", out.Entries)
	}
	if delivered["fn-ab"] != 2 || len(delivered) != 1 {
		t.Fatalf("delivered %v", delivered)
	}
	dl, _ := sqs.New(sqs.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(q.URL)}).ReceiveMessage(context.Background(),
		&sqs.ReceiveMessageInput{QueueUrl: &dlqURL, MessageAttributeNames: []string{"All"}})
	if len(dl.Messages) != 1 || aws.ToString(dl.Messages[0].MessageAttributes["TARGET_ARN"].StringValue) != "broken" ||
		aws.ToString(dl.Messages[0].MessageAttributes["RULE_ARN"].StringValue) != "r2" {
		t.Fatalf("dead letters: %+v", dl.Messages)
	}
	if n := len(f.Events()); n != 3 {
		t.Fatalf("%d events recorded, want 3", n)
	}
}
