package redrive_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mayday/mayday/shared/redrive"
	"github.com/mayday/mayday/shared/testkit/awsfake"
	"github.com/mayday/mayday/shared/testkit/lambdarie"
)

const (
	leaseEvent = `{"version":"0","id":"ev-1","detail-type":"Callback Lease Allocated","source":"mayday","detail":{"callId":"c-1"}}`
	startEvent = `{"version":"0","id":"ev-2","detail-type":"Emergency Call Started","source":"mayday","detail":{"callId":"c-2"}}`
	endEvent   = `{"version":"0","id":"ev-3","detail-type":"Emergency Call Ended","source":"mayday","detail":{"callId":"c-3"}}`
)

// destination is a Lambda on-failure destination record for an event.
func destination(function, event string) string {
	return `{"version":"1.0","timestamp":"2026-11-29T10:00:00.000Z","requestContext":{"requestId":"r-1","functionArn":"` +
		lambdarie.ARN(function) + `:$LATEST","condition":"RetriesExhausted","approximateInvokeCount":3},"requestPayload":` + event +
		`,"responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},"responsePayload":{"errorMessage":"x","errorType":"wrapError"}}`
}

func attrs(target string) map[string]awsfake.MessageAttribute {
	s := func(v string) awsfake.MessageAttribute {
		return awsfake.MessageAttribute{DataType: "String", StringValue: v}
	}
	return map[string]awsfake.MessageAttribute{"RULE_ARN": s("arn:aws:events:us-east-1:123456789012:rule/x"), "TARGET_ARN": s(target),
		"ERROR_CODE": s("SDK_CLIENT_ERROR"), "ERROR_MESSAGE": s("throttled")}
}

// escalationInput is an escalation schedule's input, which its dead-letter
// message carries as its body.
const escalationInput = `{"alertId":"al-0123456789abcdef01234567"}`

// schedulerAttrs are the attributes EventBridge Scheduler sets on a
// dead-letter message: the schedule and its target, why it failed.
func schedulerAttrs(target string) map[string]awsfake.MessageAttribute {
	s := func(v string) awsfake.MessageAttribute {
		return awsfake.MessageAttribute{DataType: "String", StringValue: v}
	}
	return map[string]awsfake.MessageAttribute{"SCHEDULE_ARN": s("arn:aws:scheduler:us-east-1:123456789012:schedule/g/escalate-al-1"),
		"TARGET_ARN": s(target), "ERROR_CODE": s("AWS.Lambda.TooManyRequestsException"), "ERROR_MESSAGE": s("Rate exceeded"),
		"EXHAUSTED_RETRY_CONDITION": s("MaximumRetryAttempts"), "RETRY_ATTEMPTS": s("5")}
}

type message struct {
	body  string
	attrs map[string]awsfake.MessageAttribute
}

func TestReplay(t *testing.T) {
	tests := []struct {
		name     string
		messages []message
		dryRun   bool
		want     redrive.Summary
		invoked  map[string][]string // function → payloads it received
		left     int                 // messages in the queue after
	}{
		{name: "destination record replayed and deleted",
			messages: []message{{body: destination("Email", leaseEvent)}},
			want:     redrive.Summary{Replayed: 1}, invoked: map[string][]string{"Email": {leaseEvent}}},
		{name: "EventBridge dead letter replayed on its target",
			messages: []message{{body: startEvent, attrs: attrs(lambdarie.ARN("Lease"))}},
			want:     redrive.Summary{Replayed: 1}, invoked: map[string][]string{"Lease": {startEvent}}},
		{name: "Scheduler dead letter (an escalation) replayed on its target",
			messages: []message{{body: escalationInput, attrs: schedulerAttrs(lambdarie.ARN("Escalation"))}},
			want:     redrive.Summary{Replayed: 1}, invoked: map[string][]string{"Escalation": {escalationInput}}},
		{name: "a function that fails again keeps its message",
			messages: []message{{body: destination("Broken", endEvent)}, {body: destination("Email", leaseEvent)}},
			want:     redrive.Summary{Replayed: 1, Failed: 1, Left: 1}, left: 1,
			invoked: map[string][]string{"Broken": {endEvent}, "Email": {leaseEvent}}},
		{name: "unknown function: failed, kept",
			messages: []message{{body: destination("Gone", endEvent)}},
			want:     redrive.Summary{Failed: 1, Left: 1}, left: 1},
		{name: "not a failure record, or not a Lambda target: kept",
			messages: []message{{body: `{"hello":"world"}`},
				{body: endEvent, attrs: attrs("arn:aws:logs:us-east-1:123456789012:log-group:/aws/events/audit")}},
			want: redrive.Summary{Left: 2}, left: 2},
		{name: "dry run invokes and deletes nothing",
			messages: []message{{body: destination("Email", leaseEvent)}, {body: startEvent, attrs: attrs(lambdarie.ARN("Lease"))}},
			dryRun:   true, want: redrive.Summary{Left: 2}, left: 2},
		{name: "more than one batch",
			messages: func() []message {
				var ms []message
				for range 13 {
					ms = append(ms, message{body: destination("Email", leaseEvent)})
				}
				return ms
			}(),
			want: redrive.Summary{Replayed: 13}, invoked: map[string][]string{"Email": repeat(leaseEvent, 13)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := awsfake.NewSQS()
			defer q.Close()
			l := lambdarie.NewLambda(q)
			defer l.Close()
			var mu sync.Mutex
			invoked := map[string][]string{}
			record := func(name string, fail bool) lambdarie.Invoker {
				return func(_ context.Context, payload []byte) ([]byte, error) {
					mu.Lock()
					defer mu.Unlock()
					invoked[name] = append(invoked[name], string(payload))
					if fail {
						return []byte(`{"errorMessage":"notification c-3: send: paused","errorType":"wrapError"}`), nil
					}
					return []byte("null"), nil
				}
			}
			l.Add("Email", record("Email", false), lambdarie.AsyncConfig{})
			l.Add("Lease", record("Lease", false), lambdarie.AsyncConfig{})
			l.Add("Escalation", record("Escalation", false), lambdarie.AsyncConfig{})
			l.Add("Broken", record("Broken", true), lambdarie.AsyncConfig{})
			url, _ := q.CreateQueue("failed")
			for _, m := range tc.messages {
				if err := q.Put(url, m.body, m.attrs); err != nil {
					t.Fatal(err)
				}
			}
			var out strings.Builder
			sum, err := redrive.Replay(context.Background(), redrive.Options{SQS: sqsClient(q.URL), Lambda: lambdaClient(l.URL),
				QueueURL: url, DryRun: tc.dryRun, Out: &out})
			if err != nil || sum != tc.want {
				t.Fatalf("summary %+v, %v; want %+v\n%s", sum, err, tc.want, out.String())
			}
			if len(invoked) != len(tc.invoked) {
				t.Fatalf("invoked %v, want %v", invoked, tc.invoked)
			}
			for fn, want := range tc.invoked {
				if strings.Join(invoked[fn], "\n") != strings.Join(want, "\n") {
					t.Fatalf("%s got %q, want %q", fn, invoked[fn], want)
				}
			}
			if n := len(q.Messages(url)); n != tc.left {
				t.Fatalf("%d messages left, want %d", n, tc.left)
			}
			if strings.Contains(out.String(), "c-1") || strings.Contains(out.String(), "callId") {
				t.Fatalf("output shows event content: %s", out.String())
			}
			// What is left is visible again at once: a second run sees it.
			if tc.left > 0 {
				again, err := redrive.Replay(context.Background(), redrive.Options{SQS: sqsClient(q.URL), QueueURL: url, DryRun: true})
				if err != nil || again.Left != tc.left {
					t.Fatalf("second run: %+v, %v; want %d left", again, err, tc.left)
				}
			}
		})
	}
}

func TestParse(t *testing.T) {
	q := awsfake.NewSQS()
	defer q.Close()
	url, _ := q.CreateQueue("p")
	_ = q.Put(url, destination("Email", leaseEvent), nil)
	_ = q.Put(url, "not json", nil)
	got, err := sqsClient(q.URL).ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10,
		MessageAttributeNames: []string{"All"}})
	if err != nil || len(got.Messages) != 2 {
		t.Fatalf("receive: %v %v", got, err)
	}
	m, err := redrive.Parse(got.Messages[0])
	if err != nil || m.Kind != "destination" || m.Function != lambdarie.ARN("Email") || m.EventID != "ev-1" ||
		m.Detail != "Callback Lease Allocated" || m.Reason != "RetriesExhausted" || string(m.Payload) != leaseEvent {
		t.Fatalf("parse: %+v %v", m, err)
	}
	if _, err := redrive.Parse(got.Messages[1]); !errors.Is(err, redrive.ErrUnknownMessage) {
		t.Fatalf("parse garbage: %v", err)
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

var creds = credentials.NewStaticCredentialsProvider("local", "local", "")

func sqsClient(endpoint string) *sqs.Client {
	return sqs.New(sqs.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(endpoint)})
}

func lambdaClient(endpoint string) *lambda.Client {
	return lambda.New(lambda.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(endpoint)})
}
