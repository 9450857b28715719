package main

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/settings"
)

// newAlertChannels gives the function that alerts the security desk what
// it needs beyond email: the key that signs the acknowledgement links, the
// key that signs the webhook posts (its ARN an output: the receivers verify
// with it, and must not hold the links' key), and, with an SMS origination
// identity configured, sms-voice:SendTextMessage from it.
func newAlertChannels(stack awscdk.Stack, cfg Config, fns map[string]awslambda.Function) {
	fn, ok := fns[functions.EmailNotification]
	if !ok {
		return
	}
	for _, k := range []struct {
		id, description, output, why string
		env                          settings.Setting
	}{
		{"AlertSecret", "Mayday: HMAC-SHA256 key that signs the security-desk alerts' acknowledgement links", "",
			"A rotation invalidates the links of alerts under way; operators rotate between emergencies", settings.AlertSecretARN},
		{"AlertWebhookSecret", "Mayday: HMAC-SHA256 key that signs the alerts POSTed to sites' notifyWebhook URLs", "AlertWebhookSecretArn",
			"The key is shared with the webhook receivers, which must be given the new value", settings.AlertWebhookSecretARN},
	} {
		s := awssecretsmanager.NewSecret(stack, jsii.String(k.id), &awssecretsmanager.SecretProps{
			Description: jsii.String(k.description),
			GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
				PasswordLength:     jsii.Number(64),
				ExcludePunctuation: jsii.Bool(true),
				IncludeSpace:       jsii.Bool(false),
			},
		})
		nagManuallyRotatedSecret(s, k.why)
		if k.output != "" {
			awscdk.NewCfnOutput(stack, jsii.String(k.output), &awscdk.CfnOutputProps{
				Description: jsii.String("Secrets Manager secret holding the alert webhooks' HMAC key (X-Mayday-Signature)"), Value: s.SecretArn()})
		}
		fn.AddEnvironment(jsii.String(k.env.Env), s.SecretArn(), nil)
		s.GrantRead(fn, nil)
		if k.env.Env == settings.AlertSecretARN.Env {
			// The escalation signs the same links; the page verifies them.
			for _, other := range []string{functions.AlertEscalation, functions.AlertAck} {
				fns[other].AddEnvironment(jsii.String(k.env.Env), s.SecretArn(), nil)
				s.GrantRead(fns[other], nil)
			}
		}
	}
	if origination := cfg.Get(settings.SMSOrigination); origination != "" {
		grantSendText(stack, fn, origination)
		grantSendText(stack, fns[functions.AlertEscalation], origination)
	}
}

// grantSendText allows exactly sms-voice:SendTextMessage, on the resources
// End User Messaging authorises a send against: the origination identity
// (its ARN when configured as one; else, since a number or id does not
// name its ARN's type, the account's phone numbers, pools and sender ids
// in the region), the opt-out lists and the configuration sets.
func grantSendText(stack awscdk.Stack, fn awslambda.Function, origination string) {
	arn := func(resource string) *string {
		return stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("sms-voice"), Resource: jsii.String(resource),
			ResourceName: jsii.String("*"), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME})
	}
	identities := []*string{arn("phone-number"), arn("pool"), arn("sender-id")}
	if strings.HasPrefix(origination, "arn:") {
		identities = []*string{jsii.String(origination)}
	}
	resources := append(identities, arn("opt-out-list"), arn("configuration-set"))
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("SendSecurityDeskText"),
		Actions:   jsii.Strings("sms-voice:SendTextMessage"),
		Resources: &resources,
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(fn, &[]*cdknag.NagPackSuppression{
		suppress("AwsSolutions-IAM5", "sms-voice:SendTextMessage only, in this account and region: a phone number or sender id as configured does not name its resource's ARN, and a send is authorised against the opt-out lists and configuration sets too; configure the identity's ARN to narrow it to that identity.",
			regex(`/^Resource::arn:<AWS::Partition>:sms-voice:<AWS::Region>:<AWS::AccountId>:(phone-number|pool|sender-id|opt-out-list|configuration-set)\/\*$/g`)),
	}, jsii.Bool(true))
}
