package faults_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"

	"github.com/mayday/mayday/shared/testkit/faults"
)

const maxAttempts = 3

// fakeAWS answers the three services' operations the tests call with empty
// successes, counting the requests that reached it, by operation.
type fakeAWS struct {
	mu       sync.Mutex
	requests map[string]int
	entries  [][]string // PutEvents: the detail-types of each request
}

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := r.Header.Get("X-Amz-Target")
	if i := strings.LastIndex(op, "."); i >= 0 {
		op = op[i+1:]
	}
	if op == "" && strings.HasSuffix(r.URL.Path, "/outbound-emails") {
		op = "SendEmail"
	}
	var body struct{ Entries []struct{ DetailType string } }
	_ = json.NewDecoder(r.Body).Decode(&body)
	f.mu.Lock()
	if f.requests == nil {
		f.requests = map[string]int{}
	}
	f.requests[op]++
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	switch op {
	case "PutEvents":
		var types []string
		var out struct {
			FailedEntryCount int
			Entries          []map[string]string
		}
		for i, e := range body.Entries {
			types = append(types, e.DetailType)
			out.Entries = append(out.Entries, map[string]string{"EventId": fmt.Sprintf("ev-%d-%d", len(f.entries), i)})
		}
		f.entries = append(f.entries, types)
		f.mu.Unlock()
		_ = json.NewEncoder(w).Encode(out)
		return
	case "SendEmail":
		f.mu.Unlock()
		_, _ = w.Write([]byte(`{"MessageId":"m-1"}`))
		return
	}
	f.mu.Unlock()
	_, _ = w.Write([]byte(`{}`))
}

func (f *fakeAWS) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[op]
}

type clients struct {
	ddb *dynamodb.Client
	eb  *eventbridge.Client
	ses *sesv2.Client
	srv *fakeAWS
}

func newClients(t *testing.T, plan *faults.Plan) clients {
	t.Helper()
	srv := &fakeAWS{}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = maxAttempts
				o.MaxBackoff = 5 * time.Millisecond
				o.RateLimiter = ratelimit.None
			})
		},
		BaseEndpoint: aws.String(hs.URL),
	}
	cfg.APIOptions = append(cfg.APIOptions, faults.Middleware(plan))
	return clients{
		ddb: dynamodb.NewFromConfig(cfg),
		eb:  eventbridge.NewFromConfig(cfg),
		ses: sesv2.NewFromConfig(cfg),
		srv: srv,
	}
}

func getItem(ctx context.Context, c clients) error {
	_, err := c.ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"),
		Key: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "k"}}})
	return err
}

func putItem(ctx context.Context, c clients) error {
	_, err := c.ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"),
		Item: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "k"}}})
	return err
}

func sendEmail(ctx context.Context, c clients) error {
	_, err := c.ses.SendEmail(ctx, &sesv2.SendEmailInput{FromEmailAddress: aws.String("a@example.com"),
		Destination: &sestypes.Destination{ToAddresses: []string{"b@example.com"}},
		Content: &sestypes.EmailContent{Template: &sestypes.Template{TemplateName: aws.String("T"),
			TemplateData: aws.String("{}")}}})
	return err
}

func putEvents(n int) func(context.Context, clients) error {
	return func(ctx context.Context, c clients) error {
		_, err := putEventsOut(ctx, c, n)
		return err
	}
}

func putEventsOut(ctx context.Context, c clients, n int) (*eventbridge.PutEventsOutput, error) {
	in := &eventbridge.PutEventsInput{}
	for i := range n {
		in.Entries = append(in.Entries, ebtypes.PutEventsRequestEntry{Source: aws.String("mayday"),
			DetailType: aws.String(fmt.Sprintf("E%d", i)), Detail: aws.String("{}"), EventBusName: aws.String("b")})
	}
	return c.eb.PutEvents(ctx, in)
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// TestFaults: each fault, on the operation it names, with the SDK retryer
// (3 attempts) doing what it does with the real failure.
func TestFaults(t *testing.T) {
	type check func(t *testing.T, err error, c clients, p *faults.Plan, took time.Duration)
	isErr := func(want func(error) bool, what string) check {
		return func(t *testing.T, err error, _ clients, _ *faults.Plan, _ time.Duration) {
			if err == nil || !want(err) {
				t.Errorf("err = %v, want %s", err, what)
			}
		}
	}
	tests := []struct {
		name    string
		fault   faults.Fault
		call    func(context.Context, clients) error
		op      string
		timeout time.Duration
		wantErr bool
		// attempts the plan saw, faults injected, requests that reached the
		// server
		attempts, injected, served int
		check                      check
	}{
		{name: "throttle twice then success", fault: faults.Fault{Service: "DynamoDB", Operation: "GetItem", Kind: faults.Throttle, Times: 2},
			call: getItem, op: "GetItem", attempts: 3, injected: 2, served: 1},
		{name: "throttle persistent", fault: faults.Fault{Service: "DynamoDB", Operation: "PutItem", Kind: faults.Throttle},
			call: putItem, op: "PutItem", wantErr: true, attempts: 3, injected: 3, served: 0,
			check: isErr(func(err error) bool { return errorCode(err) == "ThrottlingException" }, "ThrottlingException")},
		{name: "provisioned throughput exceeded is modeled", fault: faults.Fault{Service: "DynamoDB", Operation: "PutItem",
			Kind: faults.Throttle, Code: "ProvisionedThroughputExceededException"},
			call: putItem, op: "PutItem", wantErr: true, attempts: 3, injected: 3,
			check: isErr(func(err error) bool {
				var pte *ddbtypes.ProvisionedThroughputExceededException
				return errors.As(err, &pte)
			}, "*types.ProvisionedThroughputExceededException")},
		{name: "5xx once then success", fault: faults.Fault{Service: "SESv2", Operation: "SendEmail", Kind: faults.ServerError, Times: 1},
			call: sendEmail, op: "SendEmail", attempts: 2, injected: 1, served: 1},
		{name: "5xx persistent", fault: faults.Fault{Service: "SESv2", Operation: "SendEmail", Kind: faults.ServerError},
			call: sendEmail, op: "SendEmail", wantErr: true, attempts: 3, injected: 3,
			check: isErr(func(err error) bool { return httpStatus(err) == 500 && errorCode(err) == "InternalServerError" }, "HTTP 500")},
		{name: "503 on EventBridge", fault: faults.Fault{Service: "EventBridge", Kind: faults.ServerError, Status: 503, Code: "ServiceUnavailable"},
			call: putEvents(1), op: "PutEvents", wantErr: true, attempts: 3, injected: 3,
			check: isErr(func(err error) bool { return httpStatus(err) == 503 }, "HTTP 503")},
		{name: "400 that is not retryable", fault: faults.Fault{Service: "DynamoDB", Kind: faults.ServerError, Status: 400, Code: "ValidationException"},
			call: getItem, op: "GetItem", wantErr: true, attempts: 1, injected: 1,
			check: isErr(func(err error) bool { return errorCode(err) == "ValidationException" }, "ValidationException")},
		{name: "delay", fault: faults.Fault{Service: "DynamoDB", Operation: "GetItem", Kind: faults.Delay, Duration: 50 * time.Millisecond, Times: 1},
			call: getItem, op: "GetItem", attempts: 1, injected: 1, served: 1,
			check: func(t *testing.T, _ error, _ clients, _ *faults.Plan, took time.Duration) {
				if took < 50*time.Millisecond {
					t.Errorf("took %v, want ≥ 50ms", took)
				}
			}},
		{name: "delay beyond the deadline", fault: faults.Fault{Service: "DynamoDB", Kind: faults.Delay, Duration: time.Second},
			call: getItem, op: "GetItem", timeout: 50 * time.Millisecond, wantErr: true, attempts: 1, injected: 1,
			check: isErr(func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }, "deadline exceeded")},
		{name: "timeout once then success", fault: faults.Fault{Service: "SESv2", Kind: faults.Timeout, Duration: 10 * time.Millisecond, Times: 1},
			call: sendEmail, op: "SendEmail", attempts: 2, injected: 1, served: 1},
		{name: "timeout persistent", fault: faults.Fault{Service: "SESv2", Kind: faults.Timeout, Duration: time.Millisecond},
			call: sendEmail, op: "SendEmail", wantErr: true, attempts: 3, injected: 3,
			check: isErr(func(err error) bool {
				var te interface{ Timeout() bool }
				return errors.As(err, &te) && te.Timeout()
			}, "a timeout")},
		{name: "hang until the deadline, not retried", fault: faults.Fault{Service: "DynamoDB", Operation: "GetItem", Kind: faults.Hang},
			call: getItem, op: "GetItem", timeout: 100 * time.Millisecond, wantErr: true, attempts: 1, injected: 1,
			check: func(t *testing.T, err error, _ clients, _ *faults.Plan, took time.Duration) {
				var ce *smithy.CanceledError
				if !errors.As(err, &ce) || !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("err = %v, want a cancelled request", err)
				}
				// The deadline is set just before the clock starts, so
				// the call may end a hair under 100ms.
				if took < 90*time.Millisecond || took > time.Second {
					t.Errorf("took %v, want the 100ms deadline", took)
				}
			}},
		{name: "fault on another operation", fault: faults.Fault{Service: "DynamoDB", Operation: "PutItem", Kind: faults.Throttle},
			call: getItem, op: "GetItem", attempts: 1, injected: 0, served: 1},
		{name: "fault on another service", fault: faults.Fault{Service: "SESv2", Kind: faults.Hang},
			call: putEvents(2), op: "PutEvents", attempts: 1, injected: 0, served: 1},
		{name: "all entries failed", fault: faults.Fault{Service: "EventBridge", Operation: "PutEvents", Kind: faults.FailedEntries, Times: 1},
			call: putEvents(3), op: "PutEvents", attempts: 1, injected: 1, served: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan := faults.NewPlan(tc.fault)
			c := newClients(t, plan)
			ctx := context.Background()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			start := time.Now()
			err := tc.call(ctx, c)
			took := time.Since(start)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tc.wantErr)
			}
			svc := map[string]string{"GetItem": "DynamoDB", "PutItem": "DynamoDB", "SendEmail": "SESv2", "PutEvents": "EventBridge"}[tc.op]
			if got := plan.Attempts(svc, tc.op); got != tc.attempts {
				t.Errorf("attempts = %d, want %d (log %v)", got, tc.attempts, plan.Log())
			}
			if got := plan.Injected(svc, tc.op); got != tc.injected {
				t.Errorf("injected = %d, want %d", got, tc.injected)
			}
			if got := c.srv.count(tc.op); got != tc.served {
				t.Errorf("requests served = %d, want %d", got, tc.served)
			}
			if tc.check != nil {
				tc.check(t, err, c, plan, took)
			}
		})
	}
}

// TestFailedEntries: the failed entries are reported in their places and
// not sent; the others are sent.
func TestFailedEntries(t *testing.T) {
	plan := faults.NewPlan(faults.Fault{Service: "EventBridge", Operation: "PutEvents", Kind: faults.FailedEntries,
		Entries: 2, Times: 1, Code: "InternalFailure"})
	c := newClients(t, plan)
	out, err := putEventsOut(context.Background(), c, 5)
	if err != nil {
		t.Fatal(err)
	}
	if out.FailedEntryCount != 2 || len(out.Entries) != 5 {
		t.Fatalf("FailedEntryCount %d, %d entries; want 2 of 5", out.FailedEntryCount, len(out.Entries))
	}
	for i, e := range out.Entries {
		failed := i < 2
		if failed != (aws.ToString(e.ErrorCode) == "InternalFailure") || failed == (e.EventId != nil) {
			t.Errorf("entry %d = code %q id %q", i, aws.ToString(e.ErrorCode), aws.ToString(e.EventId))
		}
	}
	if got := fmt.Sprint(c.srv.entries); got != "[[E2 E3 E4]]" {
		t.Errorf("sent %s, want [[E2 E3 E4]]", got)
	}
	// Spent: the next call goes through whole.
	out, err = putEventsOut(context.Background(), c, 2)
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("second call: %v, %+v", err, out)
	}
	if plan.Attempts("EventBridge", "PutEvents") != 2 || plan.Injected("EventBridge", "PutEvents") != 1 {
		t.Errorf("attempts %d injected %d, want 2 and 1", plan.Attempts("EventBridge", "PutEvents"), plan.Injected("EventBridge", "PutEvents"))
	}
}

// TestLiftReleasesHungAttempts: a hung attempt comes back when the plan is
// lifted, and its retry succeeds.
func TestLiftReleasesHungAttempts(t *testing.T) {
	plan := faults.NewPlan(faults.Fault{Service: "DynamoDB", Kind: faults.Hang})
	c := newClients(t, plan)
	done := make(chan error, 1)
	go func() { done <- getItem(context.Background(), c) }()
	for plan.Injected("DynamoDB", "GetItem") == 0 {
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("returned while hung: %v", err)
	case <-time.After(30 * time.Millisecond):
	}
	plan.Lift()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("after lift: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("still hung after Lift")
	}
	if plan.Attempts("DynamoDB", "GetItem") != 2 || c.srv.count("GetItem") != 1 {
		t.Errorf("attempts %d served %d, want 2 and 1", plan.Attempts("DynamoDB", "GetItem"), c.srv.count("GetItem"))
	}
}

// TestLiftEndsDelays: a slow endpoint that recovers answers at once.
func TestLiftEndsDelays(t *testing.T) {
	plan := faults.NewPlan(faults.Fault{Service: "SESv2", Kind: faults.Delay, Duration: time.Hour})
	c := newClients(t, plan)
	done := make(chan error, 1)
	go func() { done <- sendEmail(context.Background(), c) }()
	for plan.Injected("SESv2", "SendEmail") == 0 {
		time.Sleep(time.Millisecond)
	}
	plan.Lift()
	select {
	case err := <-done:
		if err != nil || c.srv.count("SendEmail") != 1 || plan.Attempts("SESv2", "SendEmail") != 1 {
			t.Fatalf("err %v, served %d, attempts %d; want the delayed attempt sent once", err,
				c.srv.count("SendEmail"), plan.Attempts("SESv2", "SendEmail"))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("still delayed after Lift")
	}
}

// TestTimesAndOrder: faults apply in order, each for its Times, then
// nothing; counts are per operation and in total.
func TestTimesAndOrder(t *testing.T) {
	plan := faults.NewPlan(
		faults.Fault{Service: "DynamoDB", Operation: "GetItem", Kind: faults.Throttle, Times: 1},
		faults.Fault{Service: "DynamoDB", Kind: faults.ServerError, Times: 1},
	)
	c := newClients(t, plan)
	ctx := context.Background()
	if err := getItem(ctx, c); err != nil { // throttle, 500, success
		t.Fatal(err)
	}
	if err := putItem(ctx, c); err != nil { // untouched
		t.Fatal(err)
	}
	var kinds []string
	for _, a := range plan.Log() {
		kinds = append(kinds, a.Operation+":"+string(a.Fault))
	}
	if got := strings.Join(kinds, " "); got != "GetItem:throttle GetItem:server-error GetItem: PutItem:" {
		t.Errorf("log = %s", got)
	}
	if plan.Attempts("", "") != 4 || plan.Injected("DynamoDB", "") != 2 {
		t.Errorf("attempts %d injected %d, want 4 and 2", plan.Attempts("", ""), plan.Injected("DynamoDB", ""))
	}
}

func TestNilPlan(t *testing.T) {
	c := newClients(t, nil)
	if err := getItem(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}
