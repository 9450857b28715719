package main

import (
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/events"
)

// newAlarms raises an alarm, to one SNS topic, on:
//   - any new message in a dead-letter queue (an event that was never
//     handled: a lease, an email or a presence restore may be missing);
//   - any function error;
//   - each operator event, one alarm per detail-type of the operator-alarm
//     rule ("Callback Pool Exhausted", "Emergency Dial Unsupported", ...).
//
// Operator events are counted by metric filters on the operator-alarm log
// group, one per detail-type: the rule's own AWS/Events metrics
// (MatchedEvents, TriggeredRules by RuleName) count all of the rule's
// detail-types together, so they cannot say which event happened. The log
// group gets every matched event as one JSON document; a filter on
// $.detail-type counts each type separately.
func newAlarms(stack awscdk.Stack, cfg Config, fns map[string]awslambda.Function, delivery []ruleDelivery) awssns.Topic {
	topic := awssns.NewTopic(stack, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("Mayday alarms"),
		EnforceSSL:  jsii.Bool(true),
	})
	if cfg.AlarmEmail != "" {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(cfg.AlarmEmail), nil))
	}
	nagAlarmTopic(topic)
	alarm := func(id, description string, metric awscloudwatch.IMetric) {
		addAlarm(stack, topic, id, description, metric)
	}
	minute := awscdk.Duration_Minutes(jsii.Number(1))

	for _, d := range delivery {
		alarm(constructID(d.Rule.Name)+"DLQAlarm",
			"Mayday: an event of rule "+d.Rule.Name+" could not be delivered to "+d.Rule.Target+
				" after retries and is in its dead-letter queue. Fix the cause, then mayday replay (docs/DEPLOY.md).",
			newMessages(d.DLQ))
	}

	names := make([]string, 0, len(fns))
	for name := range fns {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		alarm(constructID(name)+"ErrorsAlarm",
			"Mayday: function "+name+" returned errors. Check its logs.",
			fns[name].MetricErrors(&awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String("Sum")}))
	}

	namespace := "Mayday/" + *stack.StackName()
	for _, d := range delivery {
		if d.Rule.Target != events.TargetOperatorAlarm {
			continue
		}
		for _, detailType := range detailTypesOf(d.Rule) {
			metricName := strings.ReplaceAll(detailType, " ", "")
			filter := d.LogGroup.AddMetricFilter(jsii.String(metricName+"Filter"), &awslogs.MetricFilterOptions{
				FilterPattern:   awslogs.FilterPattern_StringValue(jsii.String("$.detail-type"), jsii.String("="), jsii.String(detailType)),
				MetricNamespace: jsii.String(namespace),
				MetricName:      jsii.String(metricName),
				MetricValue:     jsii.String("1"),
			})
			alarm(metricName+"Alarm", "Mayday operator event: "+detailType+" (see the "+d.Rule.Target+" log group).",
				filter.Metric(&awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String("Sum")}))
		}
	}
	return topic
}

// addAlarm raises an alarm to topic on any datapoint of metric above 0.
func addAlarm(stack awscdk.Stack, topic awssns.ITopic, id, description string, metric awscloudwatch.IMetric) {
	a := awscloudwatch.NewAlarm(stack, jsii.String(id), &awscloudwatch.AlarmProps{
		AlarmDescription:   jsii.String(description),
		Metric:             metric,
		Threshold:          jsii.Number(0),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	addAlarmAction(a, topic)
}

// addAlarmAction sends the alarm's state changes to topic.
func addAlarmAction(a awscloudwatch.Alarm, topic awssns.ITopic) {
	a.AddAlarmAction(awscloudwatchactions.NewSnsAction(topic))
}

// detailTypesOf lists the detail-types a rule's pattern matches.
func detailTypesOf(r events.Rule) []string {
	list, _ := parsePattern(r)["detail-type"].([]any)
	var out []string
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// newMessages counts the messages sent to a queue each minute. The alarm
// watches new messages, not the queue's depth: depth stays above 0 until
// someone drains the queue (14 days), so the alarm would stay in ALARM and
// a second failure would notify nobody; on new messages it returns to OK
// the next minute and fires again on the next failure.
func newMessages(q awssqs.IQueue) awscloudwatch.IMetric {
	return q.MetricNumberOfMessagesSent(&awscloudwatch.MetricOptions{
		Period: awscdk.Duration_Minutes(jsii.Number(1)), Statistic: jsii.String("Sum")})
}
