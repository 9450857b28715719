package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/functions"
)

// TestAsyncInvocationFailures: every function that is a rule target, and
// alert-escalation (which the escalation schedules invoke), has an
// EventInvokeConfig (2 retries, 1 hour) with the failed-invocations queue
// as its on-failure destination, may send to it, and the queue is
// encrypted, alarmed and named by the FailedInvocationsQueueUrl output.
func TestAsyncInvocationFailures(t *testing.T) {
	fns := functionIDs(t)
	queue := logicalID(t, "AWS::SQS::Queue", "FailedInvocations")
	// The rules' function targets, and what Scheduler invokes.
	targets := map[string]bool{functions.AlertEscalation: true}
	for _, r := range rulesDeployed(testCfg) {
		if _, ok := fns[r.Target]; ok {
			targets[r.Target] = true
		}
	}
	if len(targets) < 5 {
		t.Fatalf("only %d function targets: %v", len(targets), targets)
	}
	typ := jsii.String("AWS::Lambda::EventInvokeConfig")
	check(t, func() { template.ResourceCountIs(typ, jsii.Number(float64(len(targets)))) })
	for name := range targets {
		t.Run(name, func(t *testing.T) {
			check(t, func() {
				template.HasResourceProperties(typ, &map[string]any{
					"FunctionName":             refOf(fns[name]),
					"Qualifier":                "$LATEST",
					"MaximumRetryAttempts":     2,
					"MaximumEventAgeInSeconds": 3600,
					"DestinationConfig": assertions.Match_ObjectEquals(&map[string]any{
						"OnFailure": map[string]any{"Destination": getAttOf(queue, "Arn")}}),
				})
				// Its own alarm on new failures, beside the shared queue's.
				template.ResourcePropertiesCountIs(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
					"Namespace": "AWS/Lambda", "MetricName": "AsyncEventsDropped", "Statistic": "Sum", "Threshold": 0,
					"Dimensions": []any{map[string]any{"Name": "FunctionName", "Value": refOf(fns[name])}}}, jsii.Number(1))
			})
			sendsToQueue := false
			role := getAtt(resources[fns[name]].Properties["Role"], "Arn")
			for pid, r := range resources {
				roles, _ := r.Properties["Roles"].([]any)
				if r.Type != "AWS::IAM::Policy" || len(roles) != 1 || ref(roles[0]) != role {
					continue
				}
				for _, st := range statements()[pid] {
					if getAtt(st["Resource"], "Arn") == queue {
						sendsToQueue = true
					}
				}
			}
			if !sendsToQueue {
				t.Errorf("%s's role may not send to the failed-invocations queue", name)
			}
		})
	}
	hasProperties(t, "AWS::SQS::Queue", queue, map[string]any{"SqsManagedSseEnabled": true, "MessageRetentionPeriod": 14 * 24 * 3600})
	check(t, func() {
		template.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
			"Namespace": "AWS/SQS", "MetricName": "NumberOfMessagesSent", "Statistic": "Sum",
			"Dimensions": []any{map[string]any{"Name": "QueueName", "Value": getAttOf(queue, "QueueName")}}})
		template.HasOutput(jsii.String(FailedInvocationsOutput), &map[string]any{"Value": refOf(queue)})
	})
	// The HTTP functions are not asynchronous targets.
	for _, name := range []string{functions.DialDetection, functions.PriorityCallbackRouting, functions.AdminAPI, functions.AgentState} {
		check(t, func() {
			template.ResourcePropertiesCountIs(typ, &map[string]any{"FunctionName": refOf(fns[name])}, jsii.Number(0))
		})
	}
}

// TestDeadLetterQueuePolicies: every rule's DLQ lets events.amazonaws.com
// send, only from that rule (aws:SourceArn), log-group targets included;
// each DLQ is named by an output for replay.
func TestDeadLetterQueuePolicies(t *testing.T) {
	for _, r := range rulesDeployed(testCfg) {
		t.Run(r.Name, func(t *testing.T) {
			rule := logicalID(t, "AWS::Events::Rule", constructID(r.Name))
			dlq := logicalID(t, "AWS::SQS::Queue", constructID(r.Name)+"DLQ")
			check(t, func() {
				template.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), &map[string]any{
					"Queues": []any{refOf(dlq)},
					"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
						"Effect":    "Allow",
						"Principal": map[string]any{"Service": "events.amazonaws.com"},
						"Action":    "sqs:SendMessage",
						"Resource":  getAttOf(dlq, "Arn"),
						"Condition": map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": getAttOf(rule, "Arn")}},
					})})},
				})
				template.HasOutput(jsii.String(constructID(r.Name)+"DeadLetterQueueUrl"), &map[string]any{"Value": refOf(dlq)})
			})
		})
	}
}

// TestOneLogsResourcePolicy: one CloudWatch Logs resource policy (an
// account allows 10 per region) lets EventBridge write to every log-group
// target; no custom resource writes others.
func TestOneLogsResourcePolicy(t *testing.T) {
	var groups []string
	for _, r := range rulesDeployed(testCfg) {
		if r.Target == events.TargetOperatorAlarm || r.Target == events.TargetAudit {
			groups = append(groups, "ARN:"+logicalID(t, "AWS::Logs::LogGroup", constructID(r.Target)+"Events"))
		}
	}
	check(t, func() {
		template.ResourceCountIs(jsii.String("AWS::Logs::ResourcePolicy"), jsii.Number(1))
		template.ResourceCountIs(jsii.String("Custom::CloudwatchLogResourcePolicy"), jsii.Number(0))
	})
	// The document is a Fn::Join of JSON around the groups' ARNs.
	id := resourceID(t, "AWS::Logs::ResourcePolicy")
	join, _ := resources[id].Properties["PolicyDocument"].(map[string]any)["Fn::Join"].([]any)
	if len(join) != 2 {
		t.Fatalf("policy document %v", resources[id].Properties["PolicyDocument"])
	}
	var doc strings.Builder
	for _, p := range join[1].([]any) {
		if s, ok := p.(string); ok {
			doc.WriteString(s)
		} else {
			doc.WriteString("ARN:" + getAtt(p, "Arn"))
		}
	}
	var policy struct {
		Statement []struct {
			Effect    string
			Principal map[string]string
			Action    []string
			Resource  []string
		}
	}
	if err := json.Unmarshal([]byte(doc.String()), &policy); err != nil {
		t.Fatalf("%v: %s", err, doc.String())
	}
	if len(policy.Statement) != 1 {
		t.Fatalf("statements %+v", policy.Statement)
	}
	st := policy.Statement[0]
	if st.Effect != "Allow" || st.Principal["Service"] != "events.amazonaws.com" ||
		!reflect.DeepEqual(st.Action, []string{"logs:CreateLogStream", "logs:PutLogEvents"}) || !reflect.DeepEqual(st.Resource, groups) {
		t.Errorf("statement %+v, want EventBridge writing to %v", st, groups)
	}
}

// TestAuditLogGroupRetryable: the retained audit group's name carries the
// stack's id (unique to each creation), so a rolled-back first deploy's
// retained group never blocks the retry.
func TestAuditLogGroupRetryable(t *testing.T) {
	group := logicalID(t, "AWS::Logs::LogGroup", constructID(events.TargetAudit)+"Events")
	check(t, func() {
		template.HasResource(jsii.String("AWS::Logs::LogGroup"), &map[string]any{
			"DeletionPolicy": "Retain",
			"Properties": map[string]any{
				"RetentionInDays": 365,
				"LogGroupName": map[string]any{"Fn::Join": []any{"", []any{
					"/aws/events/Mayday/" + events.TargetAudit + "-",
					map[string]any{"Fn::Select": []any{2, map[string]any{"Fn::Split": []any{"/", refOf("AWS::StackId")}}}},
				}}},
			},
		})
		template.HasOutput(jsii.String(constructID(events.TargetAudit)+"LogGroupName"), &map[string]any{"Value": refOf(group)})
	})
}

// TestWebhook5xxAlarms: a metric filter on each HTTP function's log group
// counts its access lines with a 5xx status, with an alarm on it.
func TestWebhook5xxAlarms(t *testing.T) {
	fns := functionIDs(t)
	for _, name := range []string{functions.DialDetection, functions.PriorityCallbackRouting, functions.AdminAPI, functions.AgentState} {
		t.Run(name, func(t *testing.T) {
			group := ref(resources[fns[name]].Properties["LoggingConfig"].(map[string]any)["LogGroup"])
			check(t, func() {
				template.HasResourceProperties(jsii.String("AWS::Logs::MetricFilter"), &map[string]any{
					"LogGroupName":  refOf(group),
					"FilterPattern": `{ $.message = "http" && $.status >= 500 }`,
					"MetricTransformations": []any{map[string]any{
						"MetricNamespace": "Mayday/Mayday", "MetricName": constructID(name) + "5xx", "MetricValue": "1"}},
				})
				template.ResourcePropertiesCountIs(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
					"Namespace": "Mayday/Mayday", "MetricName": constructID(name) + "5xx", "Threshold": 0}, jsii.Number(1))
			})
		})
	}
}
