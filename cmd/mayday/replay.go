package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mayday/mayday/shared/awsclients"
	"github.com/mayday/mayday/shared/redrive"
)

var replayCommand = &command{
	name: "replay", operator: true,
	args:    "-queue URL [-dry-run] [-lambda-endpoint URL]",
	summary: "re-drive failed events from a failure queue through the function they were for",
	about: `Reads every message of the queue once: a Lambda on-failure destination record
(a function that kept failing: its event and the function's ARN) or an
EventBridge or EventBridge Scheduler dead-letter message (an event, or an
escalation schedule's input, that could not be handed to its target:
TARGET_ARN). Each event is invoked again, synchronously, on its
function; the message is deleted only when that invocation succeeded, and left
in the queue (visible again at once) when it failed. Replaying an event twice
changes nothing: every consumer is idempotent.

Prints one line per message (message id, function, event id and detail-type:
no personal data) and a summary. Exits 1 when an invocation failed again.`,
	otherEnv: []otherVar{awsCredentials,
		{"AWS_ENDPOINT_URL_SQS", "SQS endpoint (a local stand-in)"},
		{"AWS_ENDPOINT_URL_LAMBDA", "Lambda endpoint (a local stand-in); -lambda-endpoint overrides it"}},
	run: runReplay,
}

func runReplay(ctx context.Context, c *call, args []string) error {
	queue := c.flags.String("queue", "", "the failure queue's URL (the stack's failed-invocations queue output, or a rule's DLQ)")
	dry := c.flags.Bool("dry-run", false, "list what would be replayed; invoke and delete nothing")
	endpoint := c.flags.String("lambda-endpoint", "", "invoke the functions at this Lambda endpoint")
	args, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(args) != 0 {
		return c.usageErrorf("unexpected arguments %q", args)
	}
	if *queue == "" {
		return c.usageErrorf("-queue is required")
	}
	cfg, err := awsclients.Load(ctx)
	if err != nil {
		return err
	}
	lc := lambda.NewFromConfig(cfg, func(o *lambda.Options) {
		if *endpoint != "" {
			o.BaseEndpoint = aws.String(*endpoint)
		}
	})
	log := slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	sum, err := redrive.Replay(ctx, redrive.Options{SQS: sqs.NewFromConfig(cfg), Lambda: lc, QueueURL: *queue,
		DryRun: *dry, Out: c.stdout, Log: log})
	fmt.Fprintf(c.stdout, "replayed %d, failed %d, left %d\n", sum.Replayed, sum.Failed, sum.Left)
	if err != nil {
		return err
	}
	if sum.Failed > 0 {
		return fmt.Errorf("%d event(s) failed again and are still in the queue", sum.Failed)
	}
	return nil
}
