package main

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/events"
)

// Delivery settings of every rule target: EventBridge retries a failed
// delivery (throttling, a function error) with backoff, up to these limits,
// then moves the event to the target's dead-letter queue.
const (
	targetRetryAttempts = 8
	targetMaxEventAgeH  = 2
	dlqRetentionDays    = 14
)

// ruleDelivery is what the alarms need to know about one rule.
type ruleDelivery struct {
	Rule events.Rule
	DLQ  awssqs.Queue
	// LogGroup is the target of log-group rules (operator alarm, audit).
	LogGroup awslogs.LogGroup
}

// newBus is the custom bus every Mayday event goes through.
func newBus(stack awscdk.Stack) awsevents.EventBus {
	return awsevents.NewEventBus(stack, jsii.String("Bus"), &awsevents.EventBusProps{
		Description: jsii.String("Mayday emergency-call events (source " + events.Source + ")"),
	})
}

// newRules creates one EventBridge rule per entry of events.Rules — the
// same definition the local bus applies — each with its own dead-letter
// queue. Pattern rules are on the custom bus; schedule rules on the default
// bus (schedules only run there).
func newRules(stack awscdk.Stack, bus awsevents.EventBus, fns map[string]awslambda.Function) []ruleDelivery {
	var out []ruleDelivery
	for _, r := range events.Rules {
		if r.Bus == events.DefaultBus && fns[r.Target] == nil {
			continue // an AWS service's events, for a consumer not deployed
		}
		id := constructID(r.Name)
		dlq := awssqs.NewQueue(stack, jsii.String(id+"DLQ"), &awssqs.QueueProps{
			Encryption:      awssqs.QueueEncryption_SQS_MANAGED, // EventBridge can write to SSE-SQS queues; a KMS-encrypted DLQ needs a key policy
			EnforceSSL:      jsii.Bool(true),
			RetentionPeriod: awscdk.Duration_Days(jsii.Number(dlqRetentionDays)),
		})
		d := ruleDelivery{Rule: r, DLQ: dlq}
		props := &awsevents.RuleProps{
			RuleName:    nil, // generated: several stacks can share an account
			Description: jsii.String(r.Description),
		}
		switch {
		case r.Pattern != "" && r.Schedule == "":
			pattern := parsePattern(r)
			if r.Bus != events.DefaultBus {
				props.EventBus = bus
			}
			props.EventPattern = eventPattern(pattern)
			rule := awsevents.NewRule(stack, jsii.String(id), props)
			// The CfnRule carries events' pattern verbatim, whatever fields
			// it uses, so CDK never has a second copy of it.
			rule.Node().DefaultChild().(awsevents.CfnRule).AddPropertyOverride(jsii.String("EventPattern"), pattern)
			d.LogGroup = addTarget(stack, rule, r, dlq, fns)
		case r.Schedule != "" && r.Pattern == "":
			props.Schedule = awsevents.Schedule_Expression(jsii.String(r.Schedule))
			rule := awsevents.NewRule(stack, jsii.String(id), props)
			d.LogGroup = addTarget(stack, rule, r, dlq, fns)
		default:
			panic(fmt.Sprintf("events rule %s: want exactly one of Pattern and Schedule", r.Name))
		}
		out = append(out, d)
	}
	return out
}

// parsePattern decodes a rule's pattern JSON.
func parsePattern(r events.Rule) map[string]any {
	var p map[string]any
	if err := json.Unmarshal([]byte(r.Pattern), &p); err != nil {
		panic(fmt.Sprintf("events rule %s: pattern: %v", r.Name, err))
	}
	return p
}

// eventPattern gives the L2 rule a pattern to validate (source and
// detail-type when present); the exact pattern is set by the override.
func eventPattern(p map[string]any) *awsevents.EventPattern {
	strs := func(key string) *[]*string {
		list, _ := p[key].([]any)
		var out []*string
		for _, v := range list {
			if s, ok := v.(string); ok {
				out = append(out, jsii.String(s))
			}
		}
		if len(out) == 0 {
			return nil
		}
		return &out
	}
	ep := &awsevents.EventPattern{Source: strs("source"), DetailType: strs("detail-type")}
	if ep.Source == nil && ep.DetailType == nil {
		ep.Source = &[]*string{jsii.String(events.Source)}
	}
	return ep
}

// addTarget maps an events target to its AWS target, with retries, maximum
// event age and the dead-letter queue. Log-group targets return their group.
func addTarget(stack awscdk.Stack, rule awsevents.Rule, r events.Rule, dlq awssqs.Queue, fns map[string]awslambda.Function) awslogs.LogGroup {
	retries := jsii.Number(targetRetryAttempts)
	maxAge := awscdk.Duration_Hours(jsii.Number(targetMaxEventAgeH))
	switch r.Target {
	case events.TargetLeaseAllocation, events.TargetNotification, events.TargetPresenceRestore,
		events.TargetCallHistory, events.TargetLeaseExpiry, events.TargetConnectEvents:
		fn, ok := fns[r.Target]
		if !ok {
			panic(fmt.Sprintf("events rule %s: no function for target %s", r.Name, r.Target))
		}
		rule.AddTarget(awseventstargets.NewLambdaFunction(fn, &awseventstargets.LambdaFunctionProps{
			DeadLetterQueue: dlq, RetryAttempts: retries, MaxEventAge: maxAge,
		}))
		return nil
	case events.TargetOperatorAlarm, events.TargetAudit:
		// EventBridge writes to groups named /aws/events/... The audit
		// trail outlives the stack; the operator-alarm group only feeds
		// the alarms' metric filters.
		removal := awscdk.RemovalPolicy_DESTROY
		if r.Target == events.TargetAudit {
			removal = awscdk.RemovalPolicy_RETAIN
		}
		group := awslogs.NewLogGroup(stack, jsii.String(constructID(r.Target)+"Events"), &awslogs.LogGroupProps{
			LogGroupName:  jsii.String(fmt.Sprintf("/aws/events/%s/%s", *stack.StackName(), r.Target)),
			Retention:     awslogs.RetentionDays_ONE_YEAR,
			RemovalPolicy: removal,
		})
		rule.AddTarget(awseventstargets.NewCloudWatchLogGroup(group, &awseventstargets.LogGroupProps{
			DeadLetterQueue: dlq, RetryAttempts: retries, MaxEventAge: maxAge,
			InstallLatestAwsSdk: jsii.Bool(false), // deploys offline-safe; the bundled SDK has PutResourcePolicy
		}))
		return group
	default:
		panic(fmt.Sprintf("events rule %s: unknown target %q", r.Name, r.Target))
	}
}
