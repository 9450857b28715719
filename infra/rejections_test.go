package main

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
)

// TestRejectionAlarms: each Function URL's function has a metric filter on
// its 401/403 access lines, and alarms on it, on a webhook URL's
// Url4xxCount and on its Throttles, each to the alarm topic.
func TestRejectionAlarms(t *testing.T) {
	fns := functionIDs(t)
	topic := resourceID(t, "AWS::SNS::Topic")
	alarm := jsii.String("AWS::CloudWatch::Alarm")
	for _, name := range []string{functions.DialDetection, functions.PriorityCallbackRouting, functions.AdminAPI, functions.AgentState, functions.AlertAck} {
		t.Run(name, func(t *testing.T) {
			group := ref(resources[fns[name]].Properties["LoggingConfig"].(map[string]any)["LogGroup"])
			metric := assertions.NewCapture(nil)
			check(t, func() {
				template.HasResourceProperties(jsii.String("AWS::Logs::MetricFilter"), &map[string]any{
					"LogGroupName":  refOf(group),
					"FilterPattern": `{ $.message = "http" && ($.status = 401 || $.status = 403) }`,
					"MetricTransformations": []any{map[string]any{
						"MetricNamespace": "Mayday/Mayday", "MetricName": metric, "MetricValue": "1"}},
				})
				template.ResourcePropertiesCountIs(alarm, &map[string]any{
					"Namespace": "Mayday/Mayday", "MetricName": metric.AsString(), "Statistic": "Sum",
					"AlarmActions": []any{refOf(topic)}}, jsii.Number(1))
			})
			for _, m := range []string{"Url4xxCount", "Throttles"} {
				want := 1
				if m == "Url4xxCount" && (name == functions.AdminAPI || name == functions.AgentState || name == functions.AlertAck) {
					want = 0 // operators' and desktops' 400/404s, an old link's 403, a 429, are no alarm
				}
				check(t, func() {
					template.ResourcePropertiesCountIs(alarm, &map[string]any{
						"Namespace": "AWS/Lambda", "MetricName": m, "Statistic": "Sum", "Threshold": 0,
						"Dimensions":   []any{map[string]any{"Name": "FunctionName", "Value": refOf(fns[name])}},
						"AlarmActions": []any{refOf(topic)}}, jsii.Number(want))
				})
			}
		})
	}
	// Only the HTTP functions: the event consumers are not throttled by
	// a platform's traffic.
	check(t, func() {
		template.ResourcePropertiesCountIs(alarm, &map[string]any{"MetricName": "Throttles"}, jsii.Number(5))
	})
}
