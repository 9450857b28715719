package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
)

// newAdminAccess is the identity policy an operator's role (the console,
// the curl helper, a desktop backend reading agent state) needs for the
// admin Function URL. Function URLs created since October 2025 require
// lambda:InvokeFunction besides lambda:InvokeFunctionUrl, so a role allowed
// only the latter gets 403 from a newly deployed stack. The stack attaches
// it to nobody: the operator attaches it to their own role or user.
func newAdminAccess(stack awscdk.Stack, fns map[string]awslambda.Function) awsiam.ManagedPolicy {
	admin := fns[functions.AdminAPI].FunctionArn()
	policy := awsiam.NewManagedPolicy(stack, jsii.String("AdminInvokePolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("Mayday: call the admin API's Function URL (SigV4, service lambda); attach to the operators' role"),
		Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:        jsii.String("AdminFunctionUrl"),
				Actions:    jsii.Strings("lambda:InvokeFunctionUrl"),
				Resources:  &[]*string{admin},
				Conditions: &map[string]any{"StringEquals": map[string]any{"lambda:FunctionUrlAuthType": "AWS_IAM"}},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("AdminFunctionUrlInvoke"),
				Actions:   jsii.Strings("lambda:InvokeFunction"),
				Resources: &[]*string{admin},
			}),
		},
	})
	awscdk.NewCfnOutput(stack, jsii.String("AdminInvokePolicyArn"), &awscdk.CfnOutputProps{
		Description: jsii.String("Managed policy to attach to the operators' role: lambda:InvokeFunctionUrl and lambda:InvokeFunction on the admin function"),
		Value:       policy.ManagedPolicyArn(),
	})
	return policy
}
