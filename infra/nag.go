package main

// cdk-nag: the AwsSolutions and Serverless packs run on the synthesized
// stack in the tests (nag_test.go); a finding fails them unless it is
// suppressed here, each suppression with the reason it is accepted. They
// are attached where the resource is made (the function constructor, the
// provider), so a function made the same way passes the same way.

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

func suppress(id, reason string, appliesTo ...any) *cdknag.NagPackSuppression {
	s := &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		s.AppliesTo = &appliesTo
	}
	return s
}

// regex is an appliesTo pattern (cdk-nag's RegexAppliesTo).
func regex(re string) any { return map[string]any{"regex": re} }

// nagFunction: what is accepted for every function of the stack. The
// Resource::* it accepts is X-Ray's; TestLeastPrivilege still refuses
// Resource * for the services Mayday grants (DynamoDB, SES, EventBridge,
// Secrets Manager, Lambda, SQS, SNS, Amazon Location).
func nagFunction(fn awslambda.Function) {
	cdknag.NagSuppressions_AddResourceSuppressions(fn, &[]*cdknag.NagPackSuppression{
		suppress("AwsSolutions-IAM4",
			"AWSLambdaBasicExecutionRole only lets the function write its own logs; the AWS managed policy is the documented minimum for Lambda.",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"),
		suppress("AwsSolutions-IAM5",
			"X-Ray's PutTraceSegments/PutTelemetryRecords have no resource-level permissions (Resource *). DynamoDB is granted per function on the table and on named indexes, no wildcard.",
			"Resource::*"),
		suppress("Serverless-LambdaDLQ",
			"A DLQ serves asynchronous invocations only: the HTTP functions are invoked synchronously, and the event consumers' failures go to the on-failure destination of their EventInvokeConfig (the failed-invocations queue), which supersedes a DLQ and keeps the error and the event."),
	}, jsii.Bool(true))
}

// nagDeadLetterQueue: a queue that is itself where failures land.
func nagDeadLetterQueue(q awssqs.Queue) {
	cdknag.NagSuppressions_AddResourceSuppressions(q, &[]*cdknag.NagPackSuppression{
		suppress("AwsSolutions-SQS3", "This queue is itself a dead-letter queue (an EventBridge target's, or Lambda's on-failure destination)."),
		suppress("Serverless-SQSRedrivePolicy", "This queue is itself a dead-letter queue; nothing consumes it but `mayday replay`, which deletes a message only once handled."),
	}, jsii.Bool(true))
}

// nagSeedHandler: the pool-seeding custom resource's handler.
func nagSeedHandler(fn awslambda.Function) {
	cdknag.NagSuppressions_AddResourceSuppressions(fn, &[]*cdknag.NagPackSuppression{
		suppress("AwsSolutions-IAM5", "lambda:InvokeFunction on admin-api and its versions (<arn>:*), as GrantInvoke writes it; no other function.",
			regex(`/^Resource::<AdminApi[0-9A-F]{8}\.Arn>:\*$/g`)),
	}, jsii.Bool(true))
}

// nagProvider: CDK's Provider framework function (the custom resources'
// plumbing, code and runtime chosen by CDK).
func nagProvider(p customresources.Provider) {
	cdknag.NagSuppressions_AddResourceSuppressions(p, &[]*cdknag.NagPackSuppression{
		suppress("AwsSolutions-IAM4", "CDK's Provider framework function: basic execution role, its own logs only.",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"),
		suppress("AwsSolutions-IAM5", "CDK's Provider framework may invoke the onEvent handler and its versions (<arn>:*), nothing else.",
			regex(`/^Resource::<SeedCallbackPoolHandler[0-9A-F]{8}\.Arn>:\*$/g`)),
		suppress("AwsSolutions-L1", "CDK's Provider framework function: its runtime is chosen and updated by the CDK version."),
		suppress("Serverless-LambdaDLQ", "CDK's Provider framework function is invoked synchronously by CloudFormation; a failure fails the deployment."),
		suppress("Serverless-LambdaDefaultMemorySize", "CDK's Provider framework function: CDK sets no memory size; it only relays to the onEvent handler."),
		suppress("Serverless-LambdaTracing", "CDK's Provider framework function: CDK exposes no tracing setting; the onEvent handler it relays to is traced."),
	}, jsii.Bool(true))
}

// nagManuallyRotatedSecret: a key shared with a telephony platform (the
// webhook key, a platform's token) is rotated by hand, by design.
func nagManuallyRotatedSecret(secret awssecretsmanager.Secret, why string) {
	cdknag.NagSuppressions_AddResourceSuppressions(secret, &[]*cdknag.NagPackSuppression{
		suppress("AwsSolutions-SMG4", why+": rotation is an operator's put-secret-value with a window in which the previous value is still accepted (docs/DEPLOY.md), not a rotation function that cannot reach the platform."),
	}, jsii.Bool(true))
}

// nagAlarmTopic: the alarm topic's email subscription.
func nagAlarmTopic(topic awssns.Topic) {
	cdknag.NagSuppressions_AddResourceSuppressions(topic, &[]*cdknag.NagPackSuppression{
		suppress("Serverless-SNSRedrivePolicy", "Email subscription of the alarm topic: an undeliverable notification leaves the alarm in ALARM in CloudWatch, where it is seen; a DLQ of alarm emails would have no reader."),
	}, jsii.Bool(true))
}
