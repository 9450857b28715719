package main

import (
	"encoding/json"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/jsii-runtime-go"
)

// callbackNumbersPath is the admin route that adds a number to a pool
// (idempotent on the same number and country).
const callbackNumbersPath = "/v1/callback-numbers"

// seedCallbackPool adds each number of the "callbackPool" context to its pool
// at deploy time, by invoking the admin-api function with the Function URL
// event of POST /v1/callback-numbers — the same validation and store code as
// the admin route and the operator CLI. The custom resource may only invoke
// that one function.
//
// Create and update add the number; delete does nothing: dropping a number
// from the context never takes it out of service behind the operator's back
// (it may be leased to an agent a PSAP is calling back). Remove numbers with
// DELETE /v1/callback-numbers/{number} or the operator CLI.
func seedCallbackPool(stack awscdk.Stack, admin awslambda.Function, pool []PoolNumber) {
	if len(pool) == 0 {
		return
	}
	policy := customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("lambda:InvokeFunction"),
			Resources: &[]*string{admin.FunctionArn()},
		}),
	})
	for _, n := range pool {
		call := &customresources.AwsSdkCall{
			Service: jsii.String("Lambda"),
			Action:  jsii.String("Invoke"),
			Parameters: map[string]any{
				"FunctionName":   admin.FunctionName(),
				"InvocationType": "RequestResponse",
				"Payload":        addNumberEvent(n),
			},
			PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String("callback-number:" + n.Country + ":" + n.Number)),
			// Only the status code: the response payload is not needed and
			// custom resource responses are limited to 4 KiB.
			OutputPaths: jsii.Strings("StatusCode"),
		}
		customresources.NewAwsCustomResource(stack, jsii.String("SeedCallbackNumber"+n.Country+strings.TrimPrefix(n.Number, "+")),
			&customresources.AwsCustomResourceProps{
				OnCreate:            call,
				OnUpdate:            call,
				Policy:              policy,
				InstallLatestAwsSdk: jsii.Bool(false),
				Timeout:             awscdk.Duration_Minutes(jsii.Number(2)),
			})
	}
}

// addNumberEvent is the Lambda Function URL request event (payload format
// 2.0) of POST /v1/callback-numbers {"number","country"}.
func addNumberEvent(n PoolNumber) string {
	body, err := json.Marshal(map[string]string{"number": n.Number, "country": n.Country})
	if err != nil {
		panic(err)
	}
	ev, err := json.Marshal(map[string]any{
		"version":        "2.0",
		"routeKey":       "$default",
		"rawPath":        callbackNumbersPath,
		"rawQueryString": "",
		"headers":        map[string]string{"content-type": "application/json"},
		"requestContext": map[string]any{
			"http": map[string]string{"method": "POST", "path": callbackNumbersPath, "protocol": "HTTP/1.1",
				"sourceIp": "127.0.0.1", "userAgent": "mayday-cdk-seed"},
		},
		"body":            string(body),
		"isBase64Encoded": false,
	})
	if err != nil {
		panic(err)
	}
	return string(ev)
}
