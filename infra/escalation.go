package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/settings"
)

// alertDesk is what acknowledges and escalates the security desk's alerts.
type alertDesk struct {
	// URL is alert-ack's public Function URL, the alerts' links' base
	// unless alertBaseUrl names another (a custom domain in front of it).
	URL awslambda.FunctionUrl
	// SchedulerRole is the role Scheduler assumes to invoke
	// alert-escalation.
	SchedulerRole awsiam.Role
}

// newAlertDesk wires acknowledgement and escalation: alert-ack's public
// Function URL (auth NONE: the link's signed token authorises), the base
// of the links when the operator sets no alertBaseUrl; a schedule group of
// the one-time escalation schedules, and the role Scheduler assumes to
// invoke alert-escalation (and nothing else); email-notification may
// create schedules there and pass that role; alert-ack may delete them (an
// acknowledgement; the console's, through admin-api, leaves the schedule
// to fire and find the alert acknowledged). The alert key is read where links are
// signed or verified. No dependency runs back: the links' base is
// alert-ack's URL, which needs nothing of the functions that send them.
func newAlertDesk(stack awscdk.Stack, cfg Config, fns map[string]awslambda.Function) alertDesk {
	ack, esc, notify := fns[functions.AlertAck], fns[functions.AlertEscalation], fns[functions.EmailNotification]
	url := ack.AddFunctionUrl(&awslambda.FunctionUrlOptions{AuthType: awslambda.FunctionUrlAuthType_NONE, InvokeMode: urlInvokeMode})
	if cfg.Get(settings.AlertBaseURL) == "" {
		for _, fn := range []awslambda.Function{notify, esc} {
			fn.AddEnvironment(jsii.String(settings.AlertBaseURL.Env), url.Url(), nil)
		}
	}
	// L1: the group's Ref is its name, a reference the settings check
	// finds (the L2 resolves it to a literal at synth).
	group := awsscheduler.NewCfnScheduleGroup(stack, jsii.String("EscalationSchedules"), &awsscheduler.CfnScheduleGroupProps{})
	groupName := group.Ref()
	role := awsiam.NewRole(stack, jsii.String("EscalationSchedulerRole"), &awsiam.RoleProps{
		Description: jsii.String("Mayday: EventBridge Scheduler invokes alert-escalation when an alert is due"),
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()}}}),
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("InvokeAlertEscalation"), Actions: jsii.Strings("lambda:InvokeFunction"),
		Resources: &[]*string{esc.FunctionArn()},
	}))
	schedules := stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("scheduler"), Resource: jsii.String("schedule"),
		ResourceName: awscdk.Fn_Join(jsii.String(""), &[]*string{groupName, jsii.String("/*")}), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME})
	notify.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("ScheduleEscalation"), Actions: jsii.Strings("scheduler:CreateSchedule"), Resources: &[]*string{schedules}}))
	notify.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("PassEscalationRole"), Actions: jsii.Strings("iam:PassRole"), Resources: &[]*string{role.RoleArn()},
		Conditions: &map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "scheduler.amazonaws.com"}}}))
	for _, env := range []struct {
		s settings.Setting
		v *string
	}{{settings.EscalationGroup, groupName}, {settings.EscalationFunctionARN, esc.FunctionArn()},
		{settings.EscalationRoleARN, role.RoleArn()}} {
		notify.AddEnvironment(jsii.String(env.s.Env), env.v, nil)
	}
	ack.AddEnvironment(jsii.String(settings.EscalationGroup.Env), groupName, nil)
	ack.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("CancelEscalation"), Actions: jsii.Strings("scheduler:DeleteSchedule"), Resources: &[]*string{schedules}}))
	why := "scheduler:CreateSchedule/DeleteSchedule only, on the schedules of Mayday's own escalation group: one schedule per alert, named when it is sent, so no narrower ARN exists."
	for _, fn := range []awslambda.Function{notify, ack} {
		cdknag.NagSuppressions_AddResourceSuppressions(fn, &[]*cdknag.NagPackSuppression{
			suppress("AwsSolutions-IAM5", why, regex(`/^Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule\/.*\/\*$/g`)),
		}, jsii.Bool(true))
	}
	return alertDesk{URL: url, SchedulerRole: role}
}

// EscalationDeadLettersOutput is the stack output naming the queue of
// escalations Scheduler could not hand to alert-escalation.
const EscalationDeadLettersOutput = "EscalationDeadLetterQueueUrl"

// newEscalationDeadLetters is the queue an escalation schedule delivers to
// when Scheduler could not invoke alert-escalation after its retries
// (throttled, not allowed, gone): alarmed on each new message, and
// replayable by `mayday replay` (a Scheduler dead-letter message names its
// target in TARGET_ARN and carries the schedule's input). What fails once
// alert-escalation runs goes to the failed-invocations queue, as every
// asynchronously invoked function's does.
func newEscalationDeadLetters(stack awscdk.Stack, topic awssns.ITopic, desk alertDesk, fns map[string]awslambda.Function) {
	queue := awssqs.NewQueue(stack, jsii.String("EscalationDeadLetters"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(dlqRetentionDays)),
	})
	nagDeadLetterQueue(queue)
	queue.GrantSendMessages(desk.SchedulerRole)
	fns[functions.EmailNotification].AddEnvironment(jsii.String(settings.EscalationDeadLetterARN.Env), queue.QueueArn(), nil)
	addAlarm(stack, topic, "EscalationDeadLettersAlarm",
		"Mayday: EventBridge Scheduler could not invoke alert-escalation for an unacknowledged security desk alert; its next tier was not alerted. The schedule's input is in the escalation dead-letter queue: fix the cause, then `mayday replay` (docs/DEPLOY.md).",
		newMessages(queue))
	awscdk.NewCfnOutput(stack, jsii.String(EscalationDeadLettersOutput), &awscdk.CfnOutputProps{
		Description: jsii.String("SQS queue of escalations EventBridge Scheduler could not hand to alert-escalation (mayday replay)"),
		Value:       queue.QueueUrl(),
	})
}
