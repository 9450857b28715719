package main

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/events"
)

// TestRulesMatchEventsPackage: one rule per events.Rules entry, with events'
// pattern verbatim on the custom bus (or the sweep schedule on the default
// bus), one target — the function, or the log group, events names — with
// the delivery retries and the rule's own encrypted dead-letter queue.
func TestRulesMatchEventsPackage(t *testing.T) {
	check(t, func() {
		template.ResourceCountIs(jsii.String("AWS::Events::Rule"), jsii.Number(float64(len(rulesDeployed(testCfg)))))
	})
	fns := functionIDs(t)
	bus := resourceID(t, "AWS::Events::EventBus")
	for _, r := range rulesDeployed(testCfg) {
		t.Run(r.Name, func(t *testing.T) {
			id := logicalID(t, "AWS::Events::Rule", constructID(r.Name))
			dlq := logicalID(t, "AWS::SQS::Queue", constructID(r.Name)+"DLQ")
			var arn any
			switch r.Target {
			case events.TargetOperatorAlarm, events.TargetAudit:
				group := logicalID(t, "AWS::Logs::LogGroup", constructID(r.Target)+"Events")
				arn = map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{":log-group:", refOf(group)})}}
			default:
				fn, ok := fns[r.Target]
				if !ok {
					t.Fatalf("target %s is not a function of the stack", r.Target)
				}
				arn = getAttOf(fn, "Arn")
			}
			props := map[string]any{
				"Targets": []any{assertions.Match_ObjectLike(&map[string]any{
					"Arn": arn,
					"RetryPolicy": assertions.Match_ObjectEquals(&map[string]any{
						"MaximumRetryAttempts": 8, "MaximumEventAgeInSeconds": 7200}),
					"DeadLetterConfig": assertions.Match_ObjectEquals(&map[string]any{"Arn": getAttOf(dlq, "Arn")}),
				})},
			}
			if r.Pattern != "" {
				var want any
				if err := json.Unmarshal([]byte(r.Pattern), &want); err != nil {
					t.Fatal(err)
				}
				props["EventPattern"] = assertions.Match_Exact(want)
				props["EventBusName"] = refOf(bus)
				props["ScheduleExpression"] = assertions.Match_Absent()
			} else {
				if r.Schedule != "rate(1 minute)" {
					t.Errorf("events' schedule %q, want %q", r.Schedule, "rate(1 minute)")
				}
				props["ScheduleExpression"] = r.Schedule
				props["EventBusName"] = assertions.Match_Absent() // the default bus
			}
			hasProperties(t, "AWS::Events::Rule", id, props)
			hasProperties(t, "AWS::SQS::Queue", dlq, map[string]any{
				"SqsManagedSseEnabled": true, "MessageRetentionPeriod": 14 * 24 * 3600})
		})
	}
}
