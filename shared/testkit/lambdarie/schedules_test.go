package lambdarie

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/aws/smithy-go"

	"github.com/mayday/mayday/shared/testkit/awsfake"
)

const (
	group         = "Group-x"
	schedulerRole = "arn:aws:iam::123456789012:role/SchedulerRole"
	otherRole     = "arn:aws:iam::123456789012:role/OtherRole"
	// The scheduler role's dead-letter queue.
	deadLetters    = "https://sqs.us-east-1.amazonaws.com/123456789012/Dead"
	deadLettersARN = "arn:aws:sqs:us-east-1:123456789012:Dead"
)

// escalationDeployment is testdata/escalation.template.json's resources
// as deploy makes them, its functions stand-ins that record their
// payloads, and its gates.
func escalationDeployment(t *testing.T) (*Deployment, func() []string) {
	raw, err := os.ReadFile("testdata/escalation.template.json")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := ParseTemplate(raw)
	if err != nil {
		t.Fatal(err)
	}
	d := &Deployment{Template: tpl, functions: map[string]*deployed{}, Physical: map[string]Physical{
		"Group": {Ref: group}, "Esc": {Ref: "Esc", Attrs: map[string]string{"Arn": ARN("Esc")}},
		"Notify": {Ref: "Notify", Attrs: map[string]string{"Arn": ARN("Notify")}},
		"Dead":   {Ref: deadLetters, Attrs: map[string]string{"Arn": deadLettersARN}}}}
	for _, r := range []string{"EscRole", "NotifyRole", "SchedulerRole", "OtherRole"} {
		d.Physical[r] = Physical{Ref: r, Attrs: map[string]string{"Arn": "arn:aws:iam::123456789012:role/" + r}}
	}
	d.Scheduler = awsfake.NewScheduler("us-east-1", group)
	d.SMS = awsfake.NewSMS("+12065550199")
	sqs := awsfake.NewSQS()
	d.Lambda = NewLambda(sqs)
	t.Cleanup(func() { d.Close(); d.Lambda.Close(); sqs.Close(); d.SMS.Close(); d.Scheduler.Close() })
	var mu sync.Mutex
	var got []string
	for _, id := range []string{"Esc", "Notify"} {
		d.functions[id] = &deployed{env: map[string]string{}}
		d.Lambda.Add(id, func(_ context.Context, p []byte) ([]byte, error) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, id+" "+string(p))
			return []byte("null"), nil
		}, AsyncConfig{})
	}
	if err := d.gates([]string{"Esc", "Notify"}); err != nil {
		t.Fatal(err)
	}
	return d, func() []string {
		d.Lambda.Wait()
		mu.Lock()
		defer mu.Unlock()
		return got
	}
}

var testCreds = credentials.NewStaticCredentialsProvider("local", "local", "")

func schedulerAs(d *Deployment, fn string) *scheduler.Client {
	return scheduler.New(scheduler.Options{Region: "us-east-1", Credentials: testCreds, Retryer: aws.NopRetryer{},
		BaseEndpoint: aws.String(d.functions[fn].env["AWS_ENDPOINT_URL_SCHEDULER"])})
}

func schedule(name, grp, role, target string, at time.Time) *scheduler.CreateScheduleInput {
	return &scheduler.CreateScheduleInput{Name: aws.String(name), GroupName: aws.String(grp),
		ScheduleExpression: aws.String("at(" + at.UTC().Format("2006-01-02T15:04:05") + ")"), ScheduleExpressionTimezone: aws.String("UTC"),
		FlexibleTimeWindow: &schtypes.FlexibleTimeWindow{Mode: schtypes.FlexibleTimeWindowModeOff}, ActionAfterCompletion: schtypes.ActionAfterCompletionDelete,
		Target: &schtypes.Target{Arn: aws.String(target), RoleArn: aws.String(role), Input: aws.String(`{"alertId":"` + name + `"}`)}}
}

// TestGates: a function reaches Scheduler and SMS as its role allows —
// creating schedules in its group, passing the one role it may pass,
// texting from a phone number — and is denied the rest.
func TestGates(t *testing.T) {
	d, _ := escalationDeployment(t)
	ctx := context.Background()
	at := time.Now().Add(time.Hour)
	for _, tc := range []struct {
		name, fn string
		in       *scheduler.CreateScheduleInput
		denied   string // the action denied, "" when allowed
	}{
		{"in its group, passing the scheduler role", "Notify", schedule("a", group, schedulerRole, ARN("Esc"), at), ""},
		{"passing another role", "Notify", schedule("b", group, otherRole, ARN("Esc"), at), "iam:PassRole"},
		{"in another group", "Notify", schedule("c", "default", schedulerRole, ARN("Esc"), at), "scheduler:CreateSchedule"},
		{"by a function not allowed to", "Esc", schedule("d", group, schedulerRole, ARN("Esc"), at), "scheduler:CreateSchedule"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(d.Denied())
			_, err := schedulerAs(d, tc.fn).CreateSchedule(ctx, tc.in)
			var api smithy.APIError
			switch {
			case tc.denied == "" && err != nil:
				t.Fatalf("create: %v", err)
			case tc.denied != "" && (!errors.As(err, &api) || api.ErrorCode() != "AccessDeniedException"):
				t.Fatalf("create: %v, want AccessDeniedException", err)
			case tc.denied != "" && (len(d.Denied()) != before+1 || d.Denied()[before].Action != tc.denied):
				t.Fatalf("denials %+v, want %s", d.Denied()[before:], tc.denied)
			}
		})
	}
	if _, err := schedulerAs(d, "Esc").DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{Name: aws.String("a"), GroupName: aws.String(group)}); err == nil {
		t.Fatal("a delete the role does not allow went through")
	}
	for fn, allowed := range map[string]bool{"Notify": true, "Esc": false} {
		c := pinpointsmsvoicev2.New(pinpointsmsvoicev2.Options{Region: "us-east-1", Credentials: testCreds, Retryer: aws.NopRetryer{},
			BaseEndpoint: aws.String(d.functions[fn].env["AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2"])})
		_, err := c.SendTextMessage(ctx, &pinpointsmsvoicev2.SendTextMessageInput{DestinationPhoneNumber: aws.String("+12065550160"),
			OriginationIdentity: aws.String("+12065550199"), MessageBody: aws.String("hello")})
		if (err == nil) != allowed {
			t.Errorf("%s texts: %v, want allowed %v", fn, err, allowed)
		}
	}
}

// TestFireDueSchedules: a due schedule's target is invoked with its Input
// through a role the template made for it, and the schedule deleted; a
// role that does not trust Scheduler from this account, or may not
// invoke the target or send to the schedule's dead-letter queue, fires
// nothing.
func TestFireDueSchedules(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	for _, tc := range []struct {
		name, role, target, dlq string
		err                     string
	}{
		{"the role made for it", schedulerRole, ARN("Esc"), "", ""},
		{"the role made for it, with its dead-letter queue", schedulerRole, ARN("Esc"), deadLettersARN, ""},
		{"a role trusted from another account", otherRole, ARN("Esc"), "", "may not assume it"},
		{"a target the role may not invoke", schedulerRole, ARN("Notify"), "", "lambda:InvokeFunction"},
		{"a dead-letter queue the role may not send to", schedulerRole, ARN("Esc"), "arn:aws:sqs:us-east-1:123456789012:Other", "sqs:SendMessage"},
		{"a role not of the template", "arn:aws:iam::123456789012:role/Elsewhere", ARN("Esc"), "", "not a role of the template"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, invoked := escalationDeployment(t)
			// Created as any caller might: the check is Scheduler's, when it runs.
			c := scheduler.New(scheduler.Options{Region: "us-east-1", Credentials: testCreds, BaseEndpoint: aws.String(d.Scheduler.URL)})
			due := schedule("due", group, tc.role, tc.target, now)
			if tc.dlq != "" {
				due.Target.DeadLetterConfig = &schtypes.DeadLetterConfig{Arn: aws.String(tc.dlq)}
			}
			if _, err := c.CreateSchedule(ctx, due); err != nil {
				t.Fatal(err)
			}
			if _, err := c.CreateSchedule(ctx, schedule("later", group, tc.role, tc.target, now.Add(time.Hour))); err != nil {
				t.Fatal(err)
			}
			n, err := d.FireDueSchedules(now.Add(time.Second))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || n != 0 || len(invoked()) != 0 {
					t.Fatalf("fired %d (%v): %v, want %q", n, invoked(), err, tc.err)
				}
				return
			}
			if err != nil || n != 1 {
				t.Fatalf("fired %d: %v", n, err)
			}
			if got := invoked(); len(got) != 1 || got[0] != `Esc {"alertId":"due"}` {
				t.Fatalf("invoked %q", got)
			}
			if held := d.Scheduler.Schedules(); len(held) != 1 || held[0].Name != "later" {
				t.Fatalf("held after firing: %+v", held)
			}
			if n, _ := d.FireDueSchedules(now.Add(time.Second)); n != 0 {
				t.Fatalf("fired %d again", n)
			}
		})
	}
}
