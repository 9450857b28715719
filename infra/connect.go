package main

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsconnect"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/settings"
)

// newConnect wires the instance to connect-flow: Connect may invoke it (from
// this instance only), the function is associated with the instance so
// contact flows can pick it, and it may look up the instance's agents, read
// their status and the statuses' types (an Offline agent's callback goes to
// the fallback), and move an agent to the routable status and to no other
// (the callback bypass; with no connectRoutableStatusId it moves nobody);
// lease expiry may describe the instance's contacts.
func newConnect(stack awscdk.Stack, cfg Config, fns map[string]awslambda.Function) {
	instance := cfg.Get(settings.ConnectInstanceARN)
	if instance == "" {
		return
	}
	if cfg.Get(settings.ConnectRoutableStatus) == "" {
		awscdk.Annotations_Of(stack).AddWarningV2(jsii.String("mayday:connectRoutableStatusId"),
			jsii.String("no connectRoutableStatusId: a PSAP callback to an agent on Do Not Disturb waits until the agent makes themselves Available"))
	}
	flow := fns[functions.ConnectFlow]
	flow.AddPermission(jsii.String("ConnectInvoke"), &awslambda.Permission{
		Principal:     awsiam.NewServicePrincipal(jsii.String("connect.amazonaws.com"), nil),
		Action:        jsii.String("lambda:InvokeFunction"),
		SourceArn:     jsii.String(instance),
		SourceAccount: jsii.String(arnAccount(instance)),
	})
	awsconnect.NewCfnIntegrationAssociation(stack, jsii.String("ConnectFlowIntegration"), &awsconnect.CfnIntegrationAssociationProps{
		InstanceId:      jsii.String(instance),
		IntegrationType: jsii.String("LAMBDA_FUNCTION"),
		IntegrationArn:  flow.FunctionArn(),
	})
	grantConnectReadAgents(flow, instance)
	if routable := cfg.Get(settings.ConnectRoutableStatus); routable != "" {
		grantConnectPutStatus(flow, instance, instance+"/agent-state/"+routable)
	}
	// Whether a callback's agent is Offline: the type of their status.
	flow.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ConnectReadAgentStatusTypes"),
		Actions:   jsii.Strings("connect:DescribeAgentStatus"),
		Resources: jsii.Strings(instance + "/agent-state/*"),
	}))
	// Contact events are best effort: lease expiry asks Connect whether an
	// open call's contact has disconnected.
	fns[functions.LeaseExpiry].AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ConnectDescribeContacts"),
		Actions:   jsii.Strings("connect:DescribeContact"),
		Resources: jsii.Strings(instance + "/contact/*"),
	}))
	awscdk.NewCfnOutput(stack, jsii.String("ConnectFlowFunctionArn"), &awscdk.CfnOutputProps{
		Description: jsii.String("The function the contact flows' \"Invoke AWS Lambda function\" blocks call (docs/connect/)"),
		Value:       flow.FunctionArn(),
	})
}

// grantConnectAgentStatus lets fn look the instance's users up, read their
// current status and set it to any of the instance's agent statuses
// (agent-state/*): presence push moves an agent to Do Not Disturb and back
// to whatever they were on.
func grantConnectAgentStatus(fn awslambda.Function, instance string) {
	grantConnectReadAgents(fn, instance)
	grantConnectPutStatus(fn, instance, instance+"/agent-state/*")
}

// grantConnectReadAgents lets fn look the instance's users up and read
// their current status (package agentstatus): on the instance and its
// users (agent/*) only.
func grantConnectReadAgents(fn awslambda.Function, instance string) {
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ConnectReadAgents"),
		Actions:   jsii.Strings("connect:SearchUsers", "connect:GetCurrentUserData"),
		Resources: jsii.Strings(instance, instance+"/agent/*"),
	}))
}

// grantConnectPutStatus lets fn put the instance's users on the statuses
// named by statuses (an agent-state ARN or agent-state/*).
func grantConnectPutStatus(fn awslambda.Function, instance, statuses string) {
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ConnectSetAgentStatus"),
		Actions:   jsii.Strings("connect:PutUserStatus"),
		Resources: jsii.Strings(instance+"/agent/*", statuses),
	}))
}

// arnAccount is the account field of an ARN.
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}
