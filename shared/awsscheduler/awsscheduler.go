// Package awsscheduler is the EventBridge Scheduler adapter of the
// mayday.EscalationScheduler port: each alert's escalation is a one-time
// schedule (an at() expression, deleted after it runs) that invokes the
// alert-escalation function with {"alertId": ...}, deleted when the alert
// is acknowledged first.
package awsscheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	"github.com/mayday/mayday/shared/mayday"
)

// API is what the adapter calls of the Scheduler client.
type API interface {
	CreateSchedule(ctx context.Context, in *scheduler.CreateScheduleInput, opts ...func(*scheduler.Options)) (*scheduler.CreateScheduleOutput, error)
	DeleteSchedule(ctx context.Context, in *scheduler.DeleteScheduleInput, opts ...func(*scheduler.Options)) (*scheduler.DeleteScheduleOutput, error)
}

// Escalations schedules escalations in Group (its own schedule group, so
// that the functions' IAM names only its schedules), targeting TargetARN
// (the alert-escalation function) through RoleARN (the role Scheduler
// assumes, allowed only to invoke it and to send to DeadLetterARN, the
// queue a schedule that could not invoke it lands in, alarmed and
// replayable).
type Escalations struct {
	Client        API
	Group         string
	TargetARN     string
	RoleARN       string
	DeadLetterARN string
}

var _ mayday.EscalationScheduler = (*Escalations)(nil)

// New checks the configuration: a missing piece is a wiring bug.
func New(client API, group, targetARN, roleARN, deadLetterARN string) (*Escalations, error) {
	if client == nil || group == "" || targetARN == "" || roleARN == "" || deadLetterARN == "" {
		return nil, fmt.Errorf("awsscheduler: %w: client, group, target, role and dead-letter queue are all needed", mayday.ErrMissingDependency)
	}
	return &Escalations{Client: client, Group: group, TargetARN: targetARN, RoleARN: roleARN, DeadLetterARN: deadLetterARN}, nil
}

// NewCanceller is the escalations of a function that only cancels them
// (an acknowledgement): the group is enough, and scheduling fails.
func NewCanceller(client API, group string) (*Escalations, error) {
	if client == nil || group == "" {
		return nil, fmt.Errorf("awsscheduler: %w: client and group are needed", mayday.ErrMissingDependency)
	}
	return &Escalations{Client: client, Group: group}, nil
}

// ScheduleName is the alert's schedule: one per alert, so that a
// redelivered alert finds it there (ConflictException) and an
// acknowledgement can name it.
func ScheduleName(alertID string) string { return "escalate-" + alertID }

// AtExpression is Scheduler's one-time expression for t, in UTC, rounded
// up to the second (at() has no finer grain; never early).
func AtExpression(t time.Time) string {
	t = t.UTC()
	if r := t.Truncate(time.Second); r.Before(t) {
		t = r.Add(time.Second)
	}
	return "at(" + t.Format("2006-01-02T15:04:05") + ")"
}

// ScheduleEscalation creates the alert's one-time schedule; one that
// exists already is left as it is.
func (e *Escalations) ScheduleEscalation(ctx context.Context, alertID string, at time.Time) error {
	if e.TargetARN == "" || e.RoleARN == "" {
		return fmt.Errorf("escalation %s: %w: this function only cancels escalations", alertID, mayday.ErrMissingDependency)
	}
	input, err := json.Marshal(mayday.EscalationInput{AlertID: alertID})
	if err != nil {
		return fmt.Errorf("escalation %s: input: %w", alertID, err)
	}
	_, err = e.Client.CreateSchedule(ctx, &scheduler.CreateScheduleInput{
		Name:                       aws.String(ScheduleName(alertID)),
		GroupName:                  aws.String(e.Group),
		ScheduleExpression:         aws.String(AtExpression(at)),
		ScheduleExpressionTimezone: aws.String("UTC"),
		FlexibleTimeWindow:         &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
		ActionAfterCompletion:      types.ActionAfterCompletionDelete,
		// The same token for the same alert: a retried create is one.
		ClientToken: aws.String(alertID),
		Description: aws.String("Escalate the security desk alert " + alertID + " if unacknowledged"),
		Target: &types.Target{Arn: aws.String(e.TargetARN), RoleArn: aws.String(e.RoleARN), Input: aws.String(string(input)),
			// An escalation late by more than a few minutes is still an
			// escalation; one retried for a day is not.
			RetryPolicy:      &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(5), MaximumEventAgeInSeconds: aws.Int32(600)},
			DeadLetterConfig: &types.DeadLetterConfig{Arn: aws.String(e.DeadLetterARN)}},
	})
	var conflict *types.ConflictException
	if errors.As(err, &conflict) {
		return nil // scheduled by an earlier delivery
	}
	if err != nil {
		return fmt.Errorf("%w: escalation %s: create schedule: %w", mayday.ErrUnavailable, alertID, err)
	}
	return nil
}

// CancelEscalation deletes the alert's schedule; one already run (and
// deleted after completion) or never made is no error.
func (e *Escalations) CancelEscalation(ctx context.Context, alertID string) error {
	_, err := e.Client.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{
		Name: aws.String(ScheduleName(alertID)), GroupName: aws.String(e.Group)})
	var missing *types.ResourceNotFoundException
	if errors.As(err, &missing) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: escalation %s: delete schedule: %w", mayday.ErrUnavailable, alertID, err)
	}
	return nil
}
