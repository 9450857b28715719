package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// newOutputs prints what an operator configures elsewhere: the webhook URLs
// for the telephony platform (full route URLs), the admin base URL, the
// secret to fetch the signing key from, and the table and bus names.
func newOutputs(stack awscdk.Stack, table awsdynamodb.TableV2, bus awsevents.EventBus, w webhooks) {
	out := func(id, description string, value *string) {
		awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{
			Description: jsii.String(description), Value: value})
	}
	// Function URLs end with "/".
	route := func(u awslambda.FunctionUrl, path string) *string {
		return awscdk.Fn_Join(jsii.String(""), &[]*string{u.Url(), jsii.String(path[1:])})
	}
	out("DialDetectionWebhookUrl", "Telephony call-lifecycle webhook (POST, signed)", route(w.DialDetection, "/v1/telephony/events"))
	out("CallbackRoutingWebhookUrl", "Telephony inbound-routing webhook (POST, signed)", route(w.CallbackRouting, "/v1/telephony/inbound"))
	out("AdminUrl", "Admin and agent-state API base URL (IAM/SigV4, service lambda)", w.Admin.Url())
	out("AgentStateUrl", "The agent desktop's read-only state route alone, GET /v1/agents/{agentId}/state (IAM/SigV4, service lambda)", w.AgentState.Url())
	out("TableName", "DynamoDB table", table.TableName())
	out("BusName", "EventBridge bus", bus.EventBusName())
	out("WebhookSecretArn", "Secrets Manager secret holding the webhook HMAC key", w.Secret.SecretArn())
}

// newDeliveryOutputs names, for `mayday replay` and operators, each rule's
// dead-letter queue (<Rule>DeadLetterQueueUrl; each message carries the
// RULE_ARN and TARGET_ARN it was meant for) and the log groups of the
// log-group targets (<Target>LogGroupName; the audit group's name is unique
// to the stack's creation).
func newDeliveryOutputs(stack awscdk.Stack, delivery []ruleDelivery) {
	for _, d := range delivery {
		awscdk.NewCfnOutput(stack, jsii.String(constructID(d.Rule.Name)+"DeadLetterQueueUrl"), &awscdk.CfnOutputProps{
			Description: jsii.String("Dead-letter queue of rule " + d.Rule.Name + " (target " + d.Rule.Target + ")"),
			Value:       d.DLQ.QueueUrl(),
		})
		if d.LogGroup != nil {
			awscdk.NewCfnOutput(stack, jsii.String(constructID(d.Rule.Target)+"LogGroupName"), &awscdk.CfnOutputProps{
				Description: jsii.String("Log group of the " + d.Rule.Target + " events"),
				Value:       d.LogGroup.LogGroupName(),
			})
		}
	}
}
