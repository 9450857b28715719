package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/dynamostore"
)

// The outbox publisher reads the table's stream (the dial's writes record
// the events they make true as outbox items) through an event source
// mapping:
//   - the filter passes only the INSERT of an outbox item recorded in this
//     region: a rewrite of one (MODIFY), its TTL expiry (REMOVE), every
//     other item, and a global-table replica's copy from another region are
//     dropped before Lambda runs;
//   - from the stream's oldest record (TRIM_HORIZON), so a mapping created
//     or re-created after writes loses none of them;
//   - the handler reports the records it could not publish (batch item
//     failures), and a batch that errors is split (bisect), so only what
//     failed is retried; retries go on while EventBridge is down, bounded by
//     the records' age: an hour, then the record's position goes to the
//     failures queue, whose new messages and the stream's iterator age raise
//     alarms.
const (
	outboxBatchSize     = 10 // PutEvents' entries per request
	outboxMaxRecordAgeH = 1
	outboxRetryAttempts = 10000 // the most Lambda allows: the age bounds the retries
	// outboxIteratorAgeMs is how far behind the stream the publisher may
	// fall before the alarm: emails and restores are then late.
	outboxIteratorAgeMs = 60_000
)

// OutboxFailuresOutput is the stack output naming the queue of stream
// batches the outbox publisher gave up on.
const OutboxFailuresOutput = "OutboxFailuresQueueUrl"

// newOutboxPublisher wires the outbox publisher to the table's stream.
func newOutboxPublisher(stack awscdk.Stack, table awsdynamodb.TableV2, topic awssns.ITopic, fns map[string]awslambda.Function) awssqs.Queue {
	fn := fns[functions.OutboxPublisher]
	queue := awssqs.NewQueue(stack, jsii.String("OutboxFailures"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(dlqRetentionDays)),
	})
	nagDeadLetterQueue(queue)
	filter := map[string]any{
		"eventName": []string{"INSERT"},
		"dynamodb": map[string]any{
			"Keys":     map[string]any{dynamostore.AttrPK: map[string]any{"S": awslambda.FilterRule_BeginsWith(jsii.String(dynamostore.OutboxPrefix))}},
			"NewImage": map[string]any{dynamostore.AttrOutboxRegion: map[string]any{"S": []*string{stack.Region()}}},
		},
	}
	fn.AddEventSource(awslambdaeventsources.NewDynamoEventSource(table, &awslambdaeventsources.DynamoEventSourceProps{
		StartingPosition:        awslambda.StartingPosition_TRIM_HORIZON,
		BatchSize:               jsii.Number(outboxBatchSize),
		BisectBatchOnError:      jsii.Bool(true),
		ReportBatchItemFailures: jsii.Bool(true),
		RetryAttempts:           jsii.Number(outboxRetryAttempts),
		MaxRecordAge:            awscdk.Duration_Hours(jsii.Number(outboxMaxRecordAgeH)),
		OnFailure:               awslambdaeventsources.NewSqsDlq(queue),
		Filters:                 &[]*map[string]any{awslambda.FilterCriteria_Filter(&filter)},
	}))
	addAlarm(stack, topic, "OutboxFailuresAlarm",
		"Mayday: the outbox publisher gave up on stream records (EventBridge failing for an hour): emergency emails or presence restores were not published. Fix the cause, then replay (docs/DEPLOY.md, \"Outbox publisher\").",
		newMessages(queue))
	iterator := awscloudwatch.NewAlarm(stack, jsii.String("OutboxIteratorAgeAlarm"), &awscloudwatch.AlarmProps{
		AlarmDescription: jsii.String("Mayday: the outbox publisher is more than a minute behind the table's stream: emergency emails and presence restores are late (EventBridge failing, or the publisher throttled)."),
		Metric: fn.Metric(jsii.String("IteratorAge"), &awscloudwatch.MetricOptions{
			Period: awscdk.Duration_Minutes(jsii.Number(1)), Statistic: jsii.String("Maximum")}),
		Threshold:          jsii.Number(outboxIteratorAgeMs),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	addAlarmAction(iterator, topic)
	awscdk.NewCfnOutput(stack, jsii.String(OutboxFailuresOutput), &awscdk.CfnOutputProps{
		Description: jsii.String("SQS queue of table stream batches the outbox publisher gave up on (docs/DEPLOY.md: replay)"),
		Value:       queue.QueueUrl(),
	})
	return queue
}
