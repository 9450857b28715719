package awsfake_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/aws/smithy-go"

	"github.com/mayday/mayday/shared/testkit/awsfake"
)

func schedulerClient(f *awsfake.Scheduler, region string) *scheduler.Client {
	return scheduler.New(scheduler.Options{Region: region, Credentials: creds, BaseEndpoint: aws.String(f.URL),
		Retryer: aws.NopRetryer{}})
}

func oneTime(name, group, expr string) *scheduler.CreateScheduleInput {
	return &scheduler.CreateScheduleInput{Name: aws.String(name), GroupName: aws.String(group), ScheduleExpression: aws.String(expr),
		ScheduleExpressionTimezone: aws.String("UTC"), ActionAfterCompletion: schtypes.ActionAfterCompletionDelete,
		FlexibleTimeWindow: &schtypes.FlexibleTimeWindow{Mode: schtypes.FlexibleTimeWindowModeOff},
		Target: &schtypes.Target{Arn: aws.String("arn:aws:lambda:us-east-1:123456789012:function:f"),
			RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), Input: aws.String(`{"alertId":"al-1"}`)}}
}

// TestScheduler: the SDK's CreateSchedule and DeleteSchedule round-trip;
// a name taken is a ConflictException, a schedule not there a
// ResourceNotFoundException; Due lists what is due; what Scheduler
// refuses is refused with its error.
func TestScheduler(t *testing.T) {
	ctx := context.Background()
	f := awsfake.NewScheduler("us-east-1", "g")
	defer f.Close()
	c := schedulerClient(f, "us-east-1")
	out, err := c.CreateSchedule(ctx, oneTime("s1", "g", "at(2026-03-01T10:00:00)"))
	if err != nil || aws.ToString(out.ScheduleArn) != "arn:aws:scheduler:us-east-1:123456789012:schedule/g/s1" {
		t.Fatalf("create: %v %v", out, err)
	}
	var conflict *schtypes.ConflictException
	if _, err := c.CreateSchedule(ctx, oneTime("s1", "g", "at(2026-03-01T11:00:00)")); !errors.As(err, &conflict) {
		t.Fatalf("create of a name taken: %v, want ConflictException", err)
	}
	if _, err := c.CreateSchedule(ctx, oneTime("s2", "g", "at(2026-03-01T10:00:01)")); err != nil {
		t.Fatal(err)
	}
	got := f.Schedules()
	if len(got) != 2 || got[0].Target.Input != `{"alertId":"al-1"}` || got[0].Target.RoleArn != "arn:aws:iam::123456789012:role/r" ||
		got[0].FlexibleWindowMode != "OFF" || got[0].Service != "scheduler" || got[0].Region != "us-east-1" {
		t.Fatalf("schedules held: %+v", got)
	}
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		now  time.Time
		want int
	}{{at.Add(-time.Second), 0}, {at, 1}, {at.Add(time.Second), 2}} {
		if due := f.Due(tc.now); len(due) != tc.want {
			t.Errorf("due at %s: %d, want %d", tc.now, len(due), tc.want)
		}
	}
	if _, err := c.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{Name: aws.String("s1"), GroupName: aws.String("g")}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	var missing *schtypes.ResourceNotFoundException
	if _, err := c.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{Name: aws.String("s1"), GroupName: aws.String("g")}); !errors.As(err, &missing) {
		t.Fatalf("delete of a schedule not there: %v, want ResourceNotFoundException", err)
	}
	if !f.Complete(f.Due(at.Add(time.Second))[0]) || len(f.Schedules()) != 0 || len(f.Deleted()) != 2 {
		t.Fatalf("after completion: held %+v, deleted %+v", f.Schedules(), f.Deleted())
	}

	for _, tc := range []struct {
		name   string
		region string
		in     func(*scheduler.CreateScheduleInput)
		code   string
	}{
		{"signed for another region", "eu-west-1", nil, "InvalidSignatureException"},
		{"a group not there", "us-east-1", func(in *scheduler.CreateScheduleInput) { in.GroupName = aws.String("nope") }, "ResourceNotFoundException"},
		{"a recurring expression", "us-east-1", func(in *scheduler.CreateScheduleInput) { in.ScheduleExpression = aws.String("rate(5 minutes)") }, "ValidationException"},
		{"a malformed at()", "us-east-1", func(in *scheduler.CreateScheduleInput) { in.ScheduleExpression = aws.String("at(2026-03-01 10:00)") }, "ValidationException"},
		{"an empty role", "us-east-1", func(in *scheduler.CreateScheduleInput) { in.Target.RoleArn = aws.String("") }, "ValidationException"},
		{"a flexible window without its maximum", "us-east-1", func(in *scheduler.CreateScheduleInput) {
			in.FlexibleTimeWindow.Mode = schtypes.FlexibleTimeWindowModeFlexible
		}, "ValidationException"},
		{"an unknown time zone", "us-east-1", func(in *scheduler.CreateScheduleInput) { in.ScheduleExpressionTimezone = aws.String("Mars/Base") }, "ValidationException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := oneTime("s3", "g", "at(2026-03-01T10:00:00)")
			if tc.in != nil {
				tc.in(in)
			}
			var api smithy.APIError
			_, err := schedulerClient(f, tc.region).CreateSchedule(ctx, in)
			if !errors.As(err, &api) || api.ErrorCode() != tc.code {
				t.Fatalf("create: %v, want %s", err, tc.code)
			}
		})
	}
	if n := len(f.Schedules()); n != 0 {
		t.Fatalf("%d schedules held after refusals", n)
	}
	// An injected failure answers once.
	f.FailNext(awsfake.LocationError{Status: 500, Type: "InternalServerException"})
	var internal *schtypes.InternalServerException
	if _, err := c.CreateSchedule(ctx, oneTime("s4", "g", "at(2026-03-01T10:00:00)")); !errors.As(err, &internal) {
		t.Fatalf("injected: %v", err)
	}
	if _, err := c.CreateSchedule(ctx, oneTime("s4", "g", "at(2026-03-01T10:00:00)")); err != nil {
		t.Fatalf("after the injected failure: %v", err)
	}
}
