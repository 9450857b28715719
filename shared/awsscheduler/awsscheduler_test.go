package awsscheduler_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"

	"github.com/mayday/mayday/shared/awsscheduler"
	"github.com/mayday/mayday/shared/mayday"
)

// fakeScheduler is EventBridge Scheduler's REST-JSON API as far as the
// adapter uses it: it checks each request's signature scope, method, path
// and body, keeps the schedules by group and name, and answers as the
// service documents (409 ConflictException for a name taken, 404
// ResourceNotFoundException for none).
type fakeScheduler struct {
	t *testing.T
	*httptest.Server
	mu        sync.Mutex
	schedules map[string]map[string]any // "group/name" → the CreateSchedule body
	fail      int                       // answer the next requests 500
}

func newFake(t *testing.T) *fakeScheduler {
	f := &fakeScheduler{t: t, schedules: map[string]map[string]any{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeScheduler) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if auth := r.Header.Get("Authorization"); !strings.Contains(auth, "/us-west-2/scheduler/aws4_request") {
		f.t.Errorf("not signed for scheduler in us-west-2: %q", auth)
	}
	answer := func(status int, errType string) {
		w.Header().Set("Content-Type", "application/json")
		if errType != "" {
			w.Header().Set("X-Amzn-Errortype", errType)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"Message":"`+errType+`"}`)
	}
	if f.fail > 0 {
		f.fail--
		answer(500, "InternalServerException")
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, "/schedules/")
	if !ok {
		f.t.Errorf("path %s", r.URL.Path)
		answer(404, "ResourceNotFoundException")
		return
	}
	switch r.Method {
	case http.MethodPost:
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			f.t.Errorf("body: %v", err)
		}
		key := body["GroupName"].(string) + "/" + name
		if _, taken := f.schedules[key]; taken {
			answer(409, "ConflictException")
			return
		}
		f.schedules[key] = body
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ScheduleArn":"arn:aws:scheduler:us-west-2:123456789012:schedule/`+key+`"}`)
	case http.MethodDelete:
		key := r.URL.Query().Get("groupName") + "/" + name
		if _, there := f.schedules[key]; !there {
			answer(404, "ResourceNotFoundException")
			return
		}
		delete(f.schedules, key)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{}`)
	default:
		f.t.Errorf("method %s", r.Method)
	}
}

func escalations(t *testing.T, f *fakeScheduler) *awsscheduler.Escalations {
	c := scheduler.NewFromConfig(aws.Config{Region: "us-west-2",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(f.URL), Retryer: func() aws.Retryer { return aws.NopRetryer{} }})
	e, err := awsscheduler.New(c, "mayday-escalations", "arn:aws:lambda:us-west-2:123456789012:function:alert-escalation",
		"arn:aws:iam::123456789012:role/scheduler-invokes-escalation")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestScheduleEscalation: the one-time schedule as created — an at()
// expression in UTC rounded up to the second, no flexible window, deleted
// after completion, the escalation function invoked with the alert id
// through the role — once however often it is scheduled; cancelled, it
// is gone, and cancelling again is no error.
func TestScheduleEscalation(t *testing.T) {
	ctx := context.Background()
	f := newFake(t)
	e := escalations(t, f)
	at := time.Date(2026, 11, 22, 21, 0, 30, 250e6, time.FixedZone("PST", -8*3600))
	for range 2 { // a redelivered alert schedules again
		if err := e.ScheduleEscalation(ctx, "al-1", at); err != nil {
			t.Fatal(err)
		}
	}
	got := f.schedules["mayday-escalations/escalate-al-1"]
	if got == nil || len(f.schedules) != 1 {
		t.Fatalf("schedules %v", f.schedules)
	}
	target := got["Target"].(map[string]any)
	var input mayday.EscalationInput
	_ = json.Unmarshal([]byte(target["Input"].(string)), &input)
	for _, c := range []struct{ what, got, want any }{
		{"expression", got["ScheduleExpression"], "at(2026-11-23T05:00:31)"},
		{"timezone", got["ScheduleExpressionTimezone"], "UTC"},
		{"after completion", got["ActionAfterCompletion"], "DELETE"},
		{"window", got["FlexibleTimeWindow"].(map[string]any)["Mode"], "OFF"},
		{"client token", got["ClientToken"], "al-1"},
		{"target", target["Arn"], "arn:aws:lambda:us-west-2:123456789012:function:alert-escalation"},
		{"role", target["RoleArn"], "arn:aws:iam::123456789012:role/scheduler-invokes-escalation"},
		{"input", input.AlertID, "al-1"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if err := e.CancelEscalation(ctx, "al-1"); err != nil {
		t.Fatal(err)
	}
	if len(f.schedules) != 0 {
		t.Fatalf("left %v", f.schedules)
	}
	if err := e.CancelEscalation(ctx, "al-1"); err != nil {
		t.Fatalf("cancel of a schedule gone (run, or cancelled): %v", err)
	}
	f.fail = 2
	if err := e.ScheduleEscalation(ctx, "al-2", at); !errors.Is(err, mayday.ErrUnavailable) {
		t.Fatalf("create on a failing service: %v, want ErrUnavailable", err)
	}
	if err := e.CancelEscalation(ctx, "al-2"); !errors.Is(err, mayday.ErrUnavailable) {
		t.Fatalf("delete on a failing service: %v, want ErrUnavailable", err)
	}
}

func TestAtExpression(t *testing.T) {
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "at(2026-01-02T03:04:05)"},
		{time.Date(2026, 1, 2, 3, 4, 59, 1, time.UTC), "at(2026-01-02T03:05:00)"},
		{time.Date(2026, 12, 31, 23, 59, 59, 500e6, time.UTC), "at(2027-01-01T00:00:00)"},
	} {
		if got := awsscheduler.AtExpression(tc.at); got != tc.want {
			t.Errorf("AtExpression(%s) = %s, want %s", tc.at, got, tc.want)
		}
	}
}
