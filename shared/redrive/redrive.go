// Package redrive re-delivers what landed in a failure queue to the function
// it was meant for: `mayday replay`. A queue message is either a Lambda
// asynchronous-invocation on-failure destination record (the function ran
// and kept failing: the record names the function and carries the event) or
// an EventBridge or EventBridge Scheduler dead-letter message (the event, or
// a schedule's input, could not be handed to its target: the body is what
// was to be delivered, the TARGET_ARN attribute the target).
// Each is invoked again synchronously with the original event, through the
// same handler; the message is deleted only once that invocation succeeded.
// Replaying twice is harmless: every consumer is idempotent.
package redrive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SQS is what redrive needs of the SQS client.
type SQS interface {
	ReceiveMessage(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(context.Context, *sqs.DeleteMessageInput, ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibility(context.Context, *sqs.ChangeMessageVisibilityInput, ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// Lambda is what redrive needs of the Lambda client.
type Lambda interface {
	Invoke(context.Context, *lambda.InvokeInput, ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// Options say what to replay and where.
type Options struct {
	SQS      SQS
	Lambda   Lambda
	QueueURL string
	// DryRun lists what would be replayed, and replays and deletes nothing.
	DryRun bool
	// Out receives one line per message (ids only: no event content).
	Out io.Writer
	Log *slog.Logger
}

// Summary is what a run did.
type Summary struct {
	Replayed int // invoked successfully and deleted
	Failed   int // invoked, failed again: left in the queue
	Left     int // in the queue after the run: failed, not replayable, or listed by a dry run
}

// ErrUnknownMessage: a message is neither a destination record nor an
// EventBridge dead-letter message with a Lambda target.
var ErrUnknownMessage = errors.New("not a replayable failure record")

// Conditions of an EventBridge dead-letter message (message attributes).
const (
	attrTargetARN = "TARGET_ARN"
	attrErrorCode = "ERROR_CODE"
)

// visibility is how long a received message stays hidden during a run (it
// is made visible again at the end unless it was deleted).
const visibility = 120

// Message is one failure record, parsed.
type Message struct {
	ID       string // the SQS message id
	Kind     string // "destination" or "dead-letter"
	Function string // the function to invoke (name or ARN)
	EventID  string // the event's id, when it is an EventBridge event
	Detail   string // the event's detail-type
	Reason   string // why it failed: the destination condition or the DLQ error code
	Payload  []byte // the event, as originally delivered
}

// Parse reads one queue message.
func Parse(m sqstypes.Message) (Message, error) {
	out := Message{ID: aws.ToString(m.MessageId)}
	body := []byte(aws.ToString(m.Body))
	if target, ok := m.MessageAttributes[attrTargetARN]; ok {
		arn := aws.ToString(target.StringValue)
		if !strings.Contains(arn, ":lambda:") || !strings.Contains(arn, ":function:") {
			return out, fmt.Errorf("message %s: dead-letter target %q: %w (only Lambda targets are replayed)", out.ID, arn, ErrUnknownMessage)
		}
		out.Kind, out.Function, out.Payload = "dead-letter", unqualified(arn), body
		if c, ok := m.MessageAttributes[attrErrorCode]; ok {
			out.Reason = aws.ToString(c.StringValue)
		}
	} else {
		var rec struct {
			Version        string `json:"version"`
			RequestContext struct {
				FunctionARN string `json:"functionArn"`
				Condition   string `json:"condition"`
			} `json:"requestContext"`
			RequestPayload json.RawMessage `json:"requestPayload"`
		}
		if err := json.Unmarshal(body, &rec); err != nil || rec.RequestContext.FunctionARN == "" || len(rec.RequestPayload) == 0 {
			return out, fmt.Errorf("message %s: %w (no functionArn and requestPayload, no %s attribute)", out.ID, ErrUnknownMessage, attrTargetARN)
		}
		out.Kind, out.Function, out.Payload = "destination", unqualified(rec.RequestContext.FunctionARN), rec.RequestPayload
		out.Reason = rec.RequestContext.Condition
	}
	var e struct {
		ID         string `json:"id"`
		DetailType string `json:"detail-type"`
	}
	if json.Unmarshal(out.Payload, &e) == nil {
		out.EventID, out.Detail = e.ID, e.DetailType
	}
	return out, nil
}

// unqualified drops the $LATEST qualifier a destination record's ARN
// carries: the function's latest code is what a replay runs.
func unqualified(arn string) string { return strings.TrimSuffix(arn, ":$LATEST") }

// Replay receives every message of the queue once, replays each, and makes
// what it did not delete visible again for the next run.
func Replay(ctx context.Context, o Options) (Summary, error) {
	if o.SQS == nil || o.QueueURL == "" || (o.Lambda == nil && !o.DryRun) {
		return Summary{}, errors.New("redrive: an SQS client, a queue URL and a Lambda client are required")
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	var (
		sum  Summary
		seen = map[string]bool{}
		keep []string // receipt handles of the messages left in the queue
	)
	defer func() {
		// Left messages are visible again at once: a failure is retried
		// by the next replay, not an unrelated two minutes later.
		for _, h := range keep {
			_, _ = o.SQS.ChangeMessageVisibility(context.WithoutCancel(ctx), &sqs.ChangeMessageVisibilityInput{
				QueueUrl: aws.String(o.QueueURL), ReceiptHandle: aws.String(h), VisibilityTimeout: 0})
		}
	}()
	for {
		got, err := o.SQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(o.QueueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			VisibilityTimeout: visibility, MessageAttributeNames: []string{"All"},
		})
		if err != nil {
			return sum, fmt.Errorf("redrive: receive from %s: %w", o.QueueURL, err)
		}
		fresh := 0
		for _, m := range got.Messages {
			id := aws.ToString(m.MessageId)
			if seen[id] {
				continue
			}
			seen[id], fresh = true, fresh+1
			switch replayOne(ctx, o, log, out, m) {
			case replayed:
				sum.Replayed++
				continue
			case failed:
				sum.Failed++
			}
			keep = append(keep, aws.ToString(m.ReceiptHandle))
			sum.Left++
		}
		if fresh == 0 {
			return sum, nil
		}
	}
}

type outcome int

const (
	replayed outcome = iota
	failed           // invoked and failed again
	left             // not invoked: not replayable, or a dry run
)

// replayOne handles one message.
func replayOne(ctx context.Context, o Options, log *slog.Logger, out io.Writer, m sqstypes.Message) outcome {
	msg, err := Parse(m)
	if err != nil {
		log.Warn("message left in the queue", "messageId", msg.ID, "err", err)
		fmt.Fprintf(out, "skip      %s  %v\n", msg.ID, err)
		return left
	}
	line := fmt.Sprintf("%s  %s  %s  event %s (%s)  %s", msg.ID, msg.Kind, msg.Function, msg.EventID, msg.Detail, msg.Reason)
	if o.DryRun {
		fmt.Fprintf(out, "would     %s\n", line)
		return left
	}
	res, err := o.Lambda.Invoke(ctx, &lambda.InvokeInput{
		FunctionName: aws.String(msg.Function), InvocationType: lambdatypes.InvocationTypeRequestResponse, Payload: msg.Payload,
	})
	switch {
	case err != nil:
		log.Error("replay failed: invoke", "messageId", msg.ID, "eventId", msg.EventID, "function", msg.Function, "err", err)
		fmt.Fprintf(out, "failed    %s: %v\n", line, err)
		return failed
	case res.FunctionError != nil:
		log.Error("replay failed: function error", "messageId", msg.ID, "eventId", msg.EventID, "function", msg.Function,
			"functionError", aws.ToString(res.FunctionError), "response", errorType(res.Payload))
		fmt.Fprintf(out, "failed    %s: %s %s\n", line, aws.ToString(res.FunctionError), errorType(res.Payload))
		return failed
	}
	if _, err := o.SQS.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(o.QueueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
		// Replayed but still queued: the next replay runs it again, which
		// the idempotent consumer absorbs.
		log.Error("replayed but not deleted", "messageId", msg.ID, "err", err)
		fmt.Fprintf(out, "replayed  %s (not deleted: %v)\n", line, err)
		return replayed
	}
	log.Info("replayed", "messageId", msg.ID, "eventId", msg.EventID, "function", msg.Function)
	fmt.Fprintf(out, "replayed  %s\n", line)
	return replayed
}

// errorType is the errorType of a function's error payload (its message may
// carry data; the type does not).
func errorType(payload []byte) string {
	var e struct {
		ErrorType string `json:"errorType"`
	}
	_ = json.Unmarshal(payload, &e)
	return e.ErrorType
}
