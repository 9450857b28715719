package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
)

// TestHeartbeat: an alarm fires when lease-expiry has fewer than one
// invocation in 5 minutes, missing data included (a stopped schedule sends
// none).
func TestHeartbeat(t *testing.T) {
	fn := functionIDs(t)[functions.LeaseExpiry]
	check(t, func() {
		template.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
			"Namespace": "AWS/Lambda", "MetricName": "Invocations", "Statistic": "Sum", "Period": 300,
			"Dimensions":         []any{map[string]any{"Name": "FunctionName", "Value": refOf(fn)}},
			"Threshold":          1,
			"ComparisonOperator": "LessThanThreshold",
			"TreatMissingData":   "breaching",
			"AlarmActions":       []any{refOf(resourceID(t, "AWS::SNS::Topic"))},
		})
	})
}

// TestDashboard: one dashboard, with a widget per concern and the status
// of every alarm of the stack.
func TestDashboard(t *testing.T) {
	body := assertions.NewCapture(nil)
	check(t, func() {
		template.ResourceCountIs(jsii.String("AWS::CloudWatch::Dashboard"), jsii.Number(1))
		template.HasResourceProperties(jsii.String("AWS::CloudWatch::Dashboard"), &map[string]any{"DashboardBody": body})
	})
	// The body is an Fn::Join of strings and the alarms' ARNs.
	b, err := json.Marshal(body.AsObject())
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, title := range []string{"Alarms", "Dial answers", "Emergency dials by caller ID", "Callback leases", "Emails", "Failures", "Throttles"} {
		if !strings.Contains(text, `\"title\":\"`+title) {
			t.Errorf("dashboard has no %q widget", title)
		}
	}
	for _, id := range ofType("AWS::CloudWatch::Alarm") {
		if !strings.Contains(text, `"`+id+`"`) {
			t.Errorf("dashboard's alarm widget lacks %s", id)
		}
	}
	for _, source := range []string{"lease", "ecbn", "agent", "default", "none"} {
		if !strings.Contains(text, `[\"Mayday/Mayday\",\"EmergencyDials\",\"CallerIdSource\",\"`+source+`\"`) {
			t.Errorf("dashboard does not graph emergency dials presenting %s", source)
		}
	}
	check(t, func() {
		template.HasResourceProperties(jsii.String("AWS::Logs::MetricFilter"), &map[string]any{
			"LogGroupName":  refOf(ref(resources[functionIDs(t)[functions.DialDetection]].Properties["LoggingConfig"].(map[string]any)["LogGroup"])),
			"FilterPattern": startedPattern,
			"MetricTransformations": []any{map[string]any{"MetricNamespace": "Mayday/Mayday", "MetricName": "EmergencyDials", "MetricValue": "1",
				"Dimensions": []any{map[string]any{"Key": "CallerIdSource", "Value": "$.callerIdSource"}}}},
		})
	})
	if len(ofType("AWS::CloudWatch::Alarm")) < 20 {
		t.Errorf("only %d alarms", len(ofType("AWS::CloudWatch::Alarm")))
	}
}
