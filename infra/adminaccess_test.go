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
// only through its URL); the admin URL allows neither publicly, and the
// operators' managed policy (output AdminInvokePolicyArn) grants both on
// the admin function alone.
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
		admin := getAttOf(fns[functions.AdminAPI], "Arn")
		template.ResourceCountIs(jsii.String("AWS::IAM::ManagedPolicy"), jsii.Number(1))
		template.HasResourceProperties(jsii.String("AWS::IAM::ManagedPolicy"), &map[string]any{
			"PolicyDocument": map[string]any{"Statement": []any{
				map[string]any{"Sid": "AdminFunctionUrl", "Effect": "Allow", "Action": "lambda:InvokeFunctionUrl", "Resource": admin,
					"Condition": map[string]any{"StringEquals": map[string]any{"lambda:FunctionUrlAuthType": "AWS_IAM"}}},
				map[string]any{"Sid": "AdminFunctionUrlInvoke", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": admin},
			}},
			"Roles": assertions.Match_Absent(), "Users": assertions.Match_Absent(), "Groups": assertions.Match_Absent(),
		})
		template.HasOutput(jsii.String("AdminInvokePolicyArn"), &map[string]any{"Value": map[string]any{"Ref": assertions.Match_AnyValue()}})
	})
}
