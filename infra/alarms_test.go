package main

import (
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/events"
)

// TestAlarms: every alarm but the heartbeat goes to the one topic and fires
// on any datapoint above 0; one alarm per dead-letter queue, one per function's errors, and
// one per operator event detail-type, on the metric its filter counts.
func TestAlarms(t *testing.T) {
	alarm := jsii.String("AWS::CloudWatch::Alarm")
	topic := resourceID(t, "AWS::SNS::Topic")
	check(t, func() {
		// All but the heartbeat, which fires on too few invocations, and
		// the outbox publisher's iterator age, over a minute behind.
		template.ResourcePropertiesCountIs(alarm, &map[string]any{
			"AlarmActions":       []any{refOf(topic)},
			"Threshold":          0,
			"ComparisonOperator": "GreaterThanThreshold",
		}, jsii.Number(float64(len(ofType("AWS::CloudWatch::Alarm"))-2)))
	})

	// One per DLQ, on that queue.
	dlqAlarm := func(dims any) *map[string]any {
		return &map[string]any{"Namespace": "AWS/SQS", "MetricName": "NumberOfMessagesSent", "Statistic": "Sum", "Dimensions": dims}
	}
	check(t, func() {
		// The rules' DLQs, the failed-invocations queue, the outbox
		// publisher's failures queue and the escalations' dead letters.
		template.ResourceCountIs(jsii.String("AWS::SQS::Queue"), jsii.Number(float64(len(rulesDeployed(testCfg))+3)))
		template.ResourcePropertiesCountIs(alarm, dlqAlarm(assertions.Match_AnyValue()), jsii.Number(float64(len(rulesDeployed(testCfg))+3)))
	})
	for _, r := range rulesDeployed(testCfg) {
		dlq := logicalID(t, "AWS::SQS::Queue", constructID(r.Name)+"DLQ")
		check(t, func() {
			template.ResourcePropertiesCountIs(alarm,
				dlqAlarm([]any{map[string]any{"Name": "QueueName", "Value": getAttOf(dlq, "QueueName")}}), jsii.Number(1))
		})
	}

	// One per function's errors.
	errorsAlarm := func(dims any) *map[string]any {
		return &map[string]any{"Namespace": "AWS/Lambda", "MetricName": "Errors", "Dimensions": dims}
	}
	check(t, func() {
		template.ResourcePropertiesCountIs(alarm, errorsAlarm(assertions.Match_AnyValue()), jsii.Number(float64(len(functionSpecs))))
	})
	for _, fn := range functionIDs(t) {
		check(t, func() {
			template.ResourcePropertiesCountIs(alarm,
				errorsAlarm([]any{map[string]any{"Name": "FunctionName", "Value": refOf(fn)}}), jsii.Number(1))
		})
	}

	// Operator events: a metric filter per detail-type, each with an alarm.
	var detailTypes []string
	for _, r := range rulesDeployed(testCfg) {
		if r.Target == events.TargetOperatorAlarm {
			detailTypes = append(detailTypes, detailTypesOf(r)...)
		}
	}
	for _, dt := range []string{events.CallbackPoolExhausted, events.EmergencyDialUnsupported} {
		if !slices.Contains(detailTypes, dt) {
			t.Errorf("%q is not an operator-alarm detail-type (%v)", dt, detailTypes)
		}
	}
	for _, dt := range detailTypes {
		t.Run(dt, func(t *testing.T) {
			namespace, metric := assertions.NewCapture(nil), assertions.NewCapture(nil)
			check(t, func() {
				template.HasResourceProperties(jsii.String("AWS::Logs::MetricFilter"), &map[string]any{
					"FilterPattern": `{ $.detail-type = "` + dt + `" }`,
					"MetricTransformations": []any{assertions.Match_ObjectLike(&map[string]any{
						"MetricNamespace": namespace, "MetricName": metric, "MetricValue": "1"})},
				})
				template.ResourcePropertiesCountIs(alarm, &map[string]any{
					"Namespace": namespace.AsString(), "MetricName": metric.AsString()}, jsii.Number(1))
			})
		})
	}

	check(t, func() {
		template.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), &map[string]any{
			"Protocol": "email", "Endpoint": testCfg.AlarmEmail, "TopicArn": refOf(topic)})
	})
}
