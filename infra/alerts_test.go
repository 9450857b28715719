package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/settings"
)

// TestAlertChannels: the function that alerts the desk is given the
// links' key and the webhook posts' key (each its own secret, which no
// other function reads; the webhook key's ARN an output for the
// receivers), and, with an origination identity configured (testCfg),
// exactly sms-voice:SendTextMessage, which no other function has.
func TestAlertChannels(t *testing.T) {
	ids := functionIDs(t)
	links, hook := logicalID(t, "AWS::SecretsManager::Secret", "AlertSecret"), logicalID(t, "AWS::SecretsManager::Secret", "AlertWebhookSecret")
	hasProperties(t, "AWS::Lambda::Function", ids[functions.EmailNotification], map[string]any{"Environment": map[string]any{
		"Variables": assertions.Match_ObjectLike(&map[string]any{
			settings.AlertSecretARN.Env:        refOf(links),
			settings.AlertWebhookSecretARN.Env: refOf(hook),
			settings.SMSOrigination.Env:        testCfg.Get(settings.SMSOrigination),
			settings.AlertSecret.Env:           assertions.Match_Absent(),
		})}})
	check(t, func() {
		template.HasOutput(jsii.String("AlertWebhookSecretArn"), &map[string]any{"Value": refOf(hook)})
	})
	for _, f := range functionSpecs {
		role := getAtt(resources[ids[f.Name]].Properties["Role"], "Arn")
		reads := secretsReadBy(resources, role)
		alerts := f.Name == functions.EmailNotification
		// The escalation signs the same links, the page verifies them.
		linked := alerts || f.Name == functions.AlertEscalation || f.Name == functions.AlertAck
		for _, s := range []string{links, hook} {
			if want := alerts || linked && s == links; slices.Contains(reads, s) != want {
				t.Errorf("%s reads %s = %v, want %v", f.Name, s, !want, want)
			}
		}
		if alerts && len(reads) != 2 || linked && !alerts && len(reads) != 1 {
			t.Errorf("%s reads secrets %v, want the alert keys it signs or verifies with only", f.Name, reads)
		}
	}

	smsARN := func(resource string) map[string]any {
		return map[string]any{"Fn::Join": []any{"", []any{"arn:", refOf("AWS::Partition"), ":sms-voice:", refOf("AWS::Region"), ":",
			refOf("AWS::AccountId"), ":" + resource + "/*"}}}
	}
	emailRole := getAtt(resources[ids[functions.EmailNotification]].Properties["Role"], "Arn")
	escalationRole := getAtt(resources[ids[functions.AlertEscalation]].Properties["Role"], "Arn")
	check(t, func() {
		template.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
			"Roles": []any{refOf(emailRole)},
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectEquals(&map[string]any{
					"Sid": "SendSecurityDeskText", "Effect": "Allow", "Action": "sms-voice:SendTextMessage",
					"Resource": []any{smsARN("phone-number"), smsARN("pool"), smsARN("sender-id"), smsARN("opt-out-list"), smsARN("configuration-set")},
				}),
			})},
		})
	})
	for id, sts := range statements() {
		for _, st := range sts {
			for _, a := range strList(st["Action"]) {
				if strings.HasPrefix(a, "sms-voice:") && (a != "sms-voice:SendTextMessage" || !slices.ContainsFunc(
					resources[id].Properties["Roles"].([]any), func(r any) bool { return ref(r) == emailRole || ref(r) == escalationRole })) {
					t.Errorf("%s: %s", id, a)
				}
			}
		}
	}
}

// TestSendTextScopedToAnARN: an origination identity given as its ARN is
// the only identity the function may send from.
func TestSendTextScopedToAnARN(t *testing.T) {
	arn := "arn:aws:sms-voice:us-east-1:123456789012:pool/pool-0123456789abcdef"
	cfg := testCfg
	cfg.Values = DefaultConfig().With(settings.MaxEmergency, "2h").With(settings.SMSOrigination, arn).Values
	cfg.AllowPlaceholderSender, cfg.AllowNoAlarmEmail = true, true
	tpl := presencePushTemplate(t, "smsarn", cfg)
	check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{
					"Sid":      "SendSecurityDeskText",
					"Resource": assertions.Match_ArrayWith(&[]any{arn}),
				}),
			})},
		})
	})
	if n := count(t, tpl, "AWS::IAM::Policy", map[string]any{"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
		assertions.Match_ObjectLike(&map[string]any{"Sid": "SendSecurityDeskText",
			"Resource": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{"Fn::Join": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ArrayWith(&[]any{":pool/*"})})})})}),
	})}}); n != 0 {
		t.Error("an origination ARN still allows every pool of the account")
	}
}

// TestAlertDesk: alert-ack's public URL is the links' base; the
// escalation schedules live in the stack's group, created by
// email-notification (passing only the scheduler's role), deleted by
// alert-ack; the role Scheduler assumes may only invoke
// alert-escalation; alert-ack touches only alert items.
func TestAlertDesk(t *testing.T) {
	ids := functionIDs(t)
	url := logicalID(t, "AWS::Lambda::Url", "AlertAckFunctionUrl")
	group := resourceID(t, "AWS::Scheduler::ScheduleGroup")
	role := logicalID(t, "AWS::IAM::Role", "EscalationSchedulerRole")
	hasProperties(t, "AWS::Lambda::Url", url, map[string]any{"AuthType": "NONE", "TargetFunctionArn": getAttOf(ids[functions.AlertAck], "Arn")})
	for _, fn := range []string{functions.EmailNotification, functions.AlertEscalation} {
		hasProperties(t, "AWS::Lambda::Function", ids[fn], map[string]any{"Environment": map[string]any{
			"Variables": assertions.Match_ObjectLike(&map[string]any{settings.AlertBaseURL.Env: getAttOf(url, "FunctionUrl")})}})
	}
	hasProperties(t, "AWS::Lambda::Function", ids[functions.EmailNotification], map[string]any{"Environment": map[string]any{
		"Variables": assertions.Match_ObjectLike(&map[string]any{
			settings.EscalationGroup.Env:       refOf(group),
			settings.EscalationFunctionARN.Env: getAttOf(ids[functions.AlertEscalation], "Arn"),
			settings.EscalationRoleARN.Env:     getAttOf(role, "Arn"),
		})}})
	hasProperties(t, "AWS::IAM::Role", role, map[string]any{"AssumeRolePolicyDocument": map[string]any{
		"Statement": []any{assertions.Match_ObjectLike(&map[string]any{"Principal": map[string]any{"Service": "scheduler.amazonaws.com"},
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": refOf("AWS::AccountId")}}})}}})
	// Who may touch schedules, pass the role, invoke the escalation.
	want := map[string][]string{
		"scheduler:CreateSchedule": {functions.EmailNotification},
		"scheduler:DeleteSchedule": {functions.AlertAck},
		"iam:PassRole":             {functions.EmailNotification},
	}
	roleOf := map[string]string{}
	for name, id := range ids {
		roleOf[getAtt(resources[id].Properties["Role"], "Arn")] = name
	}
	got := map[string][]string{}
	invokers := 0
	for id, sts := range statements() {
		for _, st := range sts {
			for _, a := range strList(st["Action"]) {
				if a == "lambda:InvokeFunction" && strings.Contains(fmt.Sprint(st["Resource"]), ids[functions.AlertEscalation]) {
					invokers++
					if !slices.ContainsFunc(resources[id].Properties["Roles"].([]any), func(r any) bool { return ref(r) == role }) {
						t.Errorf("%s may invoke alert-escalation", id)
					}
				}
				if _, ok := want[a]; !ok {
					continue
				}
				for _, r := range resources[id].Properties["Roles"].([]any) {
					got[a] = append(got[a], roleOf[ref(r)])
				}
				if a == "iam:PassRole" && getAtt(st["Resource"], "Arn") != role {
					t.Errorf("passes %v", st["Resource"])
				}
			}
		}
	}
	for a, fns := range want {
		slices.Sort(got[a])
		if !slices.Equal(got[a], fns) {
			t.Errorf("%s allowed to %v, want %v", a, got[a], fns)
		}
	}
	if invokers != 1 {
		t.Errorf("%d statements invoke alert-escalation, want the scheduler role's only", invokers)
	}
	if acc := functionTableAccess[functions.AlertAck]; len(acc.Indexes) != 0 || len(acc.Items) != 2 ||
		!slices.Equal(acc.Items[getItem], []string{alertItems}) || !slices.Equal(acc.Items[putItem], []string{alertItems, outboxItems}) {
		t.Errorf("alert-ack's table access %+v, want the alert items (and the acknowledgement's event) only", acc)
	}
}

// TestEscalationDeadLetters: an escalation Scheduler could not hand to
// alert-escalation lands in its own encrypted queue, which only the
// scheduler's role may send to, which email-notification names in the
// schedules it creates, which raises an alarm on each new message and
// which the stack's output names for `mayday replay`.
func TestEscalationDeadLetters(t *testing.T) {
	ids := functionIDs(t)
	queue := logicalID(t, "AWS::SQS::Queue", "EscalationDeadLetters")
	role := logicalID(t, "AWS::IAM::Role", "EscalationSchedulerRole")
	hasProperties(t, "AWS::SQS::Queue", queue, map[string]any{"SqsManagedSseEnabled": true, "MessageRetentionPeriod": 14 * 24 * 3600})
	hasProperties(t, "AWS::Lambda::Function", ids[functions.EmailNotification], map[string]any{"Environment": map[string]any{
		"Variables": assertions.Match_ObjectLike(&map[string]any{settings.EscalationDeadLetterARN.Env: getAttOf(queue, "Arn")})}})
	check(t, func() {
		template.ResourcePropertiesCountIs(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
			"Namespace": "AWS/SQS", "MetricName": "NumberOfMessagesSent", "Statistic": "Sum", "Threshold": 0,
			"Dimensions": []any{map[string]any{"Name": "QueueName", "Value": getAttOf(queue, "QueueName")}}}, jsii.Number(1))
		template.HasOutput(jsii.String(EscalationDeadLettersOutput), &map[string]any{"Value": refOf(queue)})
	})
	var senders []string
	for id, sts := range statements() {
		for _, st := range sts {
			if slices.Contains(strList(st["Action"]), "sqs:SendMessage") && getAtt(st["Resource"], "Arn") == queue {
				for _, r := range resources[id].Properties["Roles"].([]any) {
					senders = append(senders, ref(r))
				}
			}
		}
	}
	if !slices.Equal(senders, []string{role}) {
		t.Errorf("roles that may send to the escalation dead letters: %v, want the scheduler's (%s) only", senders, role)
	}
}
