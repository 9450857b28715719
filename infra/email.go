package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/shared/settings"

	"github.com/mayday/mayday/shared/emailtemplate"
)

// newEmailTemplate is the Emergency Call Notification template, from the
// repo's default files. AWS::SES::Template is the SES v1 resource, but SES
// keeps one set of templates per account and region for both APIs: the SES v2
// SendEmail (Content.Template.TemplateName) and GetEmailTemplate /
// UpdateEmailTemplate use it. Operators edit it with the SES console/API or
// the operator CLI; CloudFormation only rewrites it when the repo's default
// changes.
func newEmailTemplate(stack awscdk.Stack) awsses.CfnTemplate {
	t := emailtemplate.Default()
	return awsses.NewCfnTemplate(stack, jsii.String("NotificationTemplate"), &awsses.CfnTemplateProps{
		Template: &awsses.CfnTemplate_TemplateProperty{
			TemplateName: jsii.String(t.Name),
			SubjectPart:  jsii.String(t.Subject),
			HtmlPart:     jsii.String(t.HTML),
			TextPart:     jsii.String(t.Text),
		},
	})
}

// grantSendEmail allows exactly ses:SendEmail with the sender identity (the
// address or its domain, whichever is verified), the template and, when
// set, the configuration set — the resources SES authorises a templated
// SES v2 SendEmail against.
func grantSendEmail(stack awscdk.Stack, fn awslambda.Function, cfg Config) {
	arn := func(resource, name string) *string {
		return stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ses"),
			Resource: jsii.String(resource), ResourceName: jsii.String(name)})
	}
	resources := []*string{
		arn("identity", cfg.Get(settings.Sender)),
		arn("identity", cfg.SenderDomain()),
		arn("template", emailtemplate.Default().Name),
	}
	if set := cfg.Get(settings.SESConfigurationSet); set != "" {
		resources = append(resources, arn("configuration-set", set))
	}
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("SendEmergencyNotification"),
		Actions:   jsii.Strings("ses:SendEmail"),
		Resources: &resources,
	}))
}
