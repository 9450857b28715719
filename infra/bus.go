package main

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawsevents"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/settings"
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

// newRules creates one EventBridge rule per entry of events.Rules whose
// target is deployed (a function of fns, or a log group) — the same
// definition the local bus applies — each with its own dead-letter
// queue. Pattern rules are on the custom bus; schedule rules on the default
// bus (schedules only run there).
func newRules(stack awscdk.Stack, cfg Config, bus awsevents.EventBus, fns map[string]awslambda.Function) []ruleDelivery {
	var out []ruleDelivery
	for _, r := range events.RulesTo(func(target string) bool { return fns[target] != nil || toLogGroup(target) }, cfg.Get(settings.ConnectInstanceARN)) {
		id := constructID(r.Name)
		dlq := awssqs.NewQueue(stack, jsii.String(id+"DLQ"), &awssqs.QueueProps{
			Encryption:      awssqs.QueueEncryption_SQS_MANAGED, // EventBridge can write to SSE-SQS queues; a KMS-encrypted DLQ needs a key policy
			EnforceSSL:      jsii.Bool(true),
			RetentionPeriod: awscdk.Duration_Days(jsii.Number(dlqRetentionDays)),
		})
		nagDeadLetterQueue(dlq)
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
	newEventsLogPolicy(stack, out)
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
	allowRuleToSend(rule, dlq)
	if fn, ok := fns[r.Target]; ok {
		rule.AddTarget(awseventstargets.NewLambdaFunction(fn, &awseventstargets.LambdaFunctionProps{
			DeadLetterQueue: dlq, RetryAttempts: retries, MaxEventAge: maxAge,
		}))
		return nil
	}
	group := eventsLogGroup(stack, r.Target)
	rule.AddTarget(&logGroupTarget{group: group, dlq: dlq})
	return group
}

// toLogGroup reports whether an events target is a log group rather than a
// function.
func toLogGroup(target string) bool {
	return target == events.TargetOperatorAlarm || target == events.TargetAudit
}

// allowRuleToSend lets EventBridge move the rule's undeliverable events to
// its dead-letter queue, and only that rule's (aws:SourceArn). CDK adds the
// same statement (same Sid) for Lambda targets only; the policy document
// drops the duplicate.
func allowRuleToSend(rule awsevents.Rule, dlq awssqs.Queue) {
	dlq.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowEventRule" + *awscdk.Names_NodeUniqueId(rule.Node())),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sqs:SendMessage"),
		Resources:  &[]*string{dlq.QueueArn()},
		Conditions: &map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": rule.RuleArn()}},
	}))
}

// eventsLogGroup is the log group of a log-group target. EventBridge
// targets groups under /aws/events/. The audit trail outlives the stack
// (RETAIN); its name ends with the stack's id, unique to each creation of
// the stack, so a first deploy that rolls back leaves a retained group that
// the retry does not collide with ("already exists"). The operator-alarm
// group only feeds the alarms' metric filters and goes with the stack.
func eventsLogGroup(stack awscdk.Stack, target string) awslogs.LogGroup {
	props := &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(fmt.Sprintf("/aws/events/%s/%s", *stack.StackName(), target)),
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	}
	if target == events.TargetAudit {
		stackUUID := awscdk.Fn_Select(jsii.Number(2), awscdk.Fn_Split(jsii.String("/"), stack.StackId(), nil))
		props.LogGroupName = awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("/aws/events/"), stack.StackName(),
			jsii.String("/" + target + "-"), stackUUID})
		props.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	return awslogs.NewLogGroup(stack, jsii.String(constructID(target)+"Events"), props)
}

// logGroupTarget delivers a rule's events to a log group, with the same
// retries and dead-letter queue as every target. Unlike CDK's
// CloudWatchLogGroup target it adds no resource policy of its own (one
// custom resource and one account-level policy per target, of the 10 a
// region allows): newEventsLogPolicy grants EventBridge all the groups in
// one AWS::Logs::ResourcePolicy.
type logGroupTarget struct {
	group awslogs.LogGroup
	dlq   awssqs.Queue
}

func (t *logGroupTarget) Bind(_ interfacesawsevents.IRuleRef, _ *string) *awsevents.RuleTargetConfig {
	return &awsevents.RuleTargetConfig{
		Arn: awscdk.Stack_Of(t.group).FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("logs"), Resource: jsii.String("log-group"),
			ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME, ResourceName: t.group.LogGroupName()}),
		DeadLetterConfig: &awsevents.CfnRule_DeadLetterConfigProperty{Arn: t.dlq.QueueArn()},
		RetryPolicy: &awsevents.CfnRule_RetryPolicyProperty{
			MaximumRetryAttempts:     jsii.Number(targetRetryAttempts),
			MaximumEventAgeInSeconds: jsii.Number(targetMaxEventAgeH * 3600),
		},
		TargetResource: t.group,
	}
}

// newEventsLogPolicy is the one CloudWatch Logs resource policy letting
// EventBridge write to the log groups of the log-group targets.
func newEventsLogPolicy(stack awscdk.Stack, delivery []ruleDelivery) {
	var arns []*string
	for _, d := range delivery {
		if d.LogGroup != nil {
			arns = append(arns, d.LogGroup.LogGroupArn())
		}
	}
	if len(arns) == 0 {
		return
	}
	awslogs.NewResourcePolicy(stack, jsii.String("EventsToLogGroupsPolicy"), &awslogs.ResourcePolicyProps{
		PolicyStatements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil)},
			Actions:    jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
			Resources:  &arns,
		})},
	})
}
