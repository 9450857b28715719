package main

import (
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
		for _, s := range []string{links, hook} {
			if slices.Contains(reads, s) != alerts {
				t.Errorf("%s reads %s = %v, want %v", f.Name, s, !alerts, alerts)
			}
		}
		if alerts && len(reads) != 2 {
			t.Errorf("%s reads secrets %v, want the two alert keys only", f.Name, reads)
		}
	}

	smsARN := func(resource string) map[string]any {
		return map[string]any{"Fn::Join": []any{"", []any{"arn:", refOf("AWS::Partition"), ":sms-voice:", refOf("AWS::Region"), ":",
			refOf("AWS::AccountId"), ":" + resource + "/*"}}}
	}
	emailRole := getAtt(resources[ids[functions.EmailNotification]].Properties["Role"], "Arn")
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
					resources[id].Properties["Roles"].([]any), func(r any) bool { return ref(r) == emailRole })) {
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
