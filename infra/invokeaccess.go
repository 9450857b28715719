package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
)

// newInvokeAccess makes the identity policies callers of the IAM-authorised
// Function URLs need: the operators' (the console, the curl helper) for
// admin-api, and the desktop backend's for agent-state, the read-only state
// route alone, so a desktop never holds the admin routes' permission.
// Function URLs created since October 2025 require lambda:InvokeFunction
// besides lambda:InvokeFunctionUrl. The stack attaches them to nobody: the operator attaches each to
// the role that needs it.
func newInvokeAccess(stack awscdk.Stack, fns map[string]awslambda.Function) {
	invokePolicy(stack, "AdminInvokePolicy", fns[functions.AdminAPI],
		"Mayday: call the admin API's Function URL (SigV4, service lambda); attach to the operators' role")
	invokePolicy(stack, "AgentStateInvokePolicy", fns[functions.AgentState],
		"Mayday: call the agent-state Function URL (GET /v1/agents/{agentId}/state only); attach to the desktop backend's role")
}

func invokePolicy(stack awscdk.Stack, id string, fn awslambda.Function, description string) {
	arn := fn.FunctionArn()
	policy := awsiam.NewManagedPolicy(stack, jsii.String(id), &awsiam.ManagedPolicyProps{
		Description: jsii.String(description),
		Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:        jsii.String("FunctionUrl"),
				Actions:    jsii.Strings("lambda:InvokeFunctionUrl"),
				Resources:  &[]*string{arn},
				Conditions: &map[string]any{"StringEquals": map[string]any{"lambda:FunctionUrlAuthType": "AWS_IAM"}},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("FunctionUrlInvoke"),
				Actions:   jsii.Strings("lambda:InvokeFunction"),
				Resources: &[]*string{arn},
			}),
		},
	})
	awscdk.NewCfnOutput(stack, jsii.String(id+"Arn"), &awscdk.CfnOutputProps{
		Description: jsii.String(description),
		Value:       policy.ManagedPolicyArn(),
	})
}
