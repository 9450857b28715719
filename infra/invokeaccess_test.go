package main

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
)

// TestFunctionURLInvokePermissions: Function URLs created since October
// 2025 need lambda:InvokeFunction besides lambda:InvokeFunctionUrl. The two
// public webhooks' resource policies allow both to anyone (the function
// only through its URL); the admin URL allows neither publicly; the
// operators' managed policy (output AdminInvokePolicyArn) grants both on
// the admin function alone, the desktop backend's (AgentStateInvokePolicyArn)
// on agent-state alone.
func TestFunctionURLInvokePermissions(t *testing.T) {
	fns := functionIDs(t)
	perm := jsii.String("AWS::Lambda::Permission")
	check(t, func() {
		for _, fn := range []string{functions.DialDetection, functions.PriorityCallbackRouting} {
			template.HasResourceProperties(perm, &map[string]any{
				"Action": "lambda:InvokeFunctionUrl", "Principal": "*", "FunctionUrlAuthType": "NONE",
				"FunctionName": getAttOf(fns[fn], "Arn"),
			})
			template.HasResourceProperties(perm, &map[string]any{
				"Action": "lambda:InvokeFunction", "Principal": "*", "InvokedViaFunctionUrl": true,
				"FunctionName": getAttOf(fns[fn], "Arn"),
			})
		}
		template.ResourcePropertiesCountIs(perm, &map[string]any{
			"Principal": "*", "FunctionName": getAttOf(fns[functions.AdminAPI], "Arn"),
		}, jsii.Number(0))
		template.ResourceCountIs(jsii.String("AWS::IAM::ManagedPolicy"), jsii.Number(2))
		for policy, fn := range map[string]string{"AdminInvokePolicy": functions.AdminAPI, "AgentStateInvokePolicy": functions.AgentState} {
			arn := getAttOf(fns[fn], "Arn")
			template.HasResource(jsii.String("AWS::IAM::ManagedPolicy"), &map[string]any{"Properties": map[string]any{
				"PolicyDocument": map[string]any{"Statement": []any{
					map[string]any{"Sid": "FunctionUrl", "Effect": "Allow", "Action": "lambda:InvokeFunctionUrl", "Resource": arn,
						"Condition": map[string]any{"StringEquals": map[string]any{"lambda:FunctionUrlAuthType": "AWS_IAM"}}},
					map[string]any{"Sid": "FunctionUrlInvoke", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": arn},
				}},
				"Roles": assertions.Match_Absent(), "Users": assertions.Match_Absent(), "Groups": assertions.Match_Absent(),
			}})
			template.HasOutput(jsii.String(policy+"Arn"), &map[string]any{"Value": map[string]any{"Ref": logicalID(t, "AWS::IAM::ManagedPolicy", policy)}})
		}
	})
}
