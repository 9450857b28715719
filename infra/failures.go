package main

import (
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/httpapi"
)

// Lambda's asynchronous invocation of the event consumers. EventBridge's
// retries and DLQ cover only the hand-off: once Lambda has accepted the
// event, a handler that errors or times out is retried by Lambda, then the
// event goes to the on-failure destination. Retries: the most Lambda allows
// (two, about one and three minutes after the failure), every handler being
// idempotent. Event age: an event Lambda could not run for an hour
// (throttled, the function's concurrency exhausted) goes to the destination
// too, where the alarm sees it, rather than waiting out Lambda's six hours.
const (
	asyncRetryAttempts = 2
	asyncMaxEventAgeH  = 1
)

// FailedInvocationsOutput is the stack output naming the queue of failed
// asynchronous invocations (`mayday replay` reads it).
const FailedInvocationsOutput = "FailedInvocationsQueueUrl"

// newFailedInvocations gives every deployed function invoked
// asynchronously (an Event trigger: a rule's target, or a schedule's) an
// asynchronous-invocation config and an on-failure destination: one queue
// for all of them. One queue, not one per function, because each record
// Lambda writes names the function it failed in (requestContext.functionArn)
// with the original event (requestPayload): one place to look, one alarm,
// and replay re-invokes the function the record names. Functions are found
// by their trigger, so a function added as an event consumer is covered.
func newFailedInvocations(stack awscdk.Stack, topic awssns.ITopic, fns map[string]awslambda.Function) awssqs.Queue {
	queue := awssqs.NewQueue(stack, jsii.String("FailedInvocations"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(dlqRetentionDays)),
	})
	nagDeadLetterQueue(queue)
	var targets []string
	for _, f := range functions.All {
		if _, ok := fns[f.Name]; ok && f.Trigger == functions.Event {
			targets = append(targets, f.Name)
		}
	}
	sort.Strings(targets)
	for _, name := range targets {
		// Per function, beside the queue's alarm: one failure record that
		// waits for replay must not hide a later failure of another function.
		// AsyncEventsDropped counts each event Lambda gave up on, sent to the
		// on-failure destination or not.
		addAlarm(stack, topic, constructID(name)+"AsyncFailedAlarm",
			"Mayday: "+name+" failed on an event after Lambda's retries (or could not run it within an hour); the event is in the failed-invocations queue. Fix the cause, then `mayday replay` (docs/DEPLOY.md).",
			fns[name].Metric(jsii.String("AsyncEventsDropped"), &awscloudwatch.MetricOptions{
				Period: awscdk.Duration_Minutes(jsii.Number(1)), Statistic: jsii.String("Sum")}))
		fns[name].ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
			RetryAttempts: jsii.Number(asyncRetryAttempts),
			MaxEventAge:   awscdk.Duration_Hours(jsii.Number(asyncMaxEventAgeH)),
			OnFailure:     awslambdadestinations.NewSqsDestination(queue),
		})
	}
	awscdk.NewCfnOutput(stack, jsii.String(FailedInvocationsOutput), &awscdk.CfnOutputProps{
		Description: jsii.String("SQS queue of events the event consumers failed on after Lambda's retries (mayday replay)"),
		Value:       queue.QueueUrl(),
	})
	return queue
}

// newFailureAlarms raises an alarm on each new message in the failed-invocations
// queue, and on any 5xx answer of an HTTP function: a failed secret read or
// a store outage answers 503 from an invocation that succeeded, which the
// Errors alarm never sees. The 5xx are counted by a metric filter on the
// function's access log line (httpapi: message, route, status; no personal
// data).
func newFailureAlarms(stack awscdk.Stack, topic awssns.ITopic, failed awssqs.Queue, fns map[string]awslambda.Function) {
	minute := awscdk.Duration_Minutes(jsii.Number(1))
	addAlarm(stack, topic, "FailedInvocationsAlarm",
		"Mayday: an event consumer failed on an event after Lambda's retries; the event is in the failed-invocations queue. Fix the cause, then `mayday replay` (docs/DEPLOY.md).",
		newMessages(failed))

	var http []string
	for _, name := range httpapi.HTTPFunctions() {
		if _, ok := fns[name]; ok {
			http = append(http, name)
		}
	}
	sort.Strings(http)
	namespace := "Mayday/" + *stack.StackName()
	for _, name := range http {
		metricName := constructID(name) + "5xx"
		filter := awslogs.NewMetricFilter(stack, jsii.String(metricName+"Filter"), &awslogs.MetricFilterProps{
			LogGroup:        fns[name].LogGroup(),
			FilterPattern:   awslogs.FilterPattern_Literal(jsii.String(server5xxPattern)),
			MetricNamespace: jsii.String(namespace),
			MetricName:      jsii.String(metricName),
			MetricValue:     jsii.String("1"),
		})
		addAlarm(stack, topic, metricName+"Alarm",
			"Mayday: "+name+" answered 5xx (secret unreadable, store unavailable, or a bug): webhooks are failing while the function's Errors stay at 0. Check its logs.",
			filter.Metric(&awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String("Sum")}))
	}
}

// server5xxPattern matches the access line of a request answered 5xx, in
// the functions' JSON log format (lambdacontext: msg becomes "message").
var server5xxPattern = `{ $.message = "` + httpapi.AccessLogMessage + `" && $.status >= 500 }`
