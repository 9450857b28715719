package awsscheduler_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"

	"github.com/mayday/mayday/shared/awsscheduler"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/testkit/awsfake"
)

// newFake is EventBridge Scheduler at its wire contract, in us-west-2,
// holding the escalations' group.
func newFake(t *testing.T) *awsfake.Scheduler {
	f := awsfake.NewScheduler("us-west-2", "mayday-escalations")
	t.Cleanup(f.Close)
	return f
}

func escalations(t *testing.T, f *awsfake.Scheduler) *awsscheduler.Escalations {
	c := scheduler.NewFromConfig(aws.Config{Region: "us-west-2",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(f.URL), Retryer: func() aws.Retryer { return aws.NopRetryer{} }})
	e, err := awsscheduler.New(c, "mayday-escalations", "arn:aws:lambda:us-west-2:123456789012:function:alert-escalation",
		"arn:aws:iam::123456789012:role/scheduler-invokes-escalation", "arn:aws:sqs:us-west-2:123456789012:escalation-dead-letters")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestScheduleEscalation: the one-time schedule as created — an at()
// expression in UTC rounded up to the second, no flexible window, deleted
// after completion, the escalation function invoked with the alert id
// through the role, what could not be invoked sent to the dead-letter
// queue — once however often it is scheduled; cancelled, it
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
	held := f.Schedules()
	if len(held) != 1 || held[0].GroupName != "mayday-escalations" || held[0].Name != "escalate-al-1" {
		t.Fatalf("schedules %+v", held)
	}
	got := held[0]
	var input mayday.EscalationInput
	_ = json.Unmarshal([]byte(got.Target.Input), &input)
	for _, c := range []struct{ what, got, want any }{
		{"expression", got.ScheduleExpression, "at(2026-11-23T05:00:31)"},
		{"timezone", got.ScheduleExpressionTimezone, "UTC"},
		{"after completion", got.ActionAfterCompletion, "DELETE"},
		{"window", got.FlexibleWindowMode, "OFF"},
		{"client token", got.ClientToken, "al-1"},
		{"target", got.Target.Arn, "arn:aws:lambda:us-west-2:123456789012:function:alert-escalation"},
		{"role", got.Target.RoleArn, "arn:aws:iam::123456789012:role/scheduler-invokes-escalation"},
		{"dead-letter queue", got.Target.DeadLetterArn, "arn:aws:sqs:us-west-2:123456789012:escalation-dead-letters"},
		{"input", input.AlertID, "al-1"},
		{"signed for", got.Service + " " + got.Region, "scheduler us-west-2"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if err := e.CancelEscalation(ctx, "al-1"); err != nil {
		t.Fatal(err)
	}
	if left := f.Schedules(); len(left) != 0 {
		t.Fatalf("left %+v", left)
	}
	if err := e.CancelEscalation(ctx, "al-1"); err != nil {
		t.Fatalf("cancel of a schedule gone (run, or cancelled): %v", err)
	}
	f.FailNext(awsfake.LocationError{Status: 500, Type: "InternalServerException"}, awsfake.LocationError{Status: 500, Type: "InternalServerException"})
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
