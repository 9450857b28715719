package main

import (
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// noFunctionURLs are the commercial regions where Lambda offers no Function
// URLs (AWS Lambda Developer Guide, "Lambda function URLs"), so no
// response-streaming URL either: the webhooks serve only through
// RESPONSE_STREAM Function URLs (lambdaurl), and the stack cannot work there.
var noFunctionURLs = []string{
	"ap-south-2",     // Asia Pacific (Hyderabad)
	"ap-southeast-4", // Asia Pacific (Melbourne)
	"ca-west-1",      // Canada West (Calgary)
	"eu-central-2",   // Europe (Zurich)
	"eu-south-2",     // Europe (Spain)
	"il-central-1",   // Israel (Tel Aviv)
	"me-central-1",   // Middle East (UAE)
	"ap-southeast-5", // Asia Pacific (Malaysia)
	"ap-southeast-6", // Asia Pacific (New Zealand)
	"ap-southeast-7", // Asia Pacific (Thailand)
	"ap-east-2",      // Asia Pacific (Taipei)
}

// regionProblem says why the stack cannot work in region, or "".
func regionProblem(region string) string {
	if slices.Contains(noFunctionURLs, region) {
		return "region " + region + " has no Lambda Function URLs (and so no response streaming): " +
			"the telephony webhooks are served only through RESPONSE_STREAM Function URLs. Deploy to another region"
	}
	return ""
}

// checkRegion fails the synth in a region where the stack cannot work. An
// environment-agnostic stack (no region known at synth, e.g. `go run
// ./infra` without the CDK CLI) is warned about: the check then happens at
// deploy time only as CloudFormation failing on AWS::Lambda::Url.
func checkRegion(stack awscdk.Stack) {
	region := *stack.Region()
	if *awscdk.Token_IsUnresolved(jsii.String(region)) {
		awscdk.Annotations_Of(stack).AddWarningV2(jsii.String("mayday:region"),
			jsii.String("region unknown at synth: cannot check that it has Lambda Function URLs with response streaming (not in "+
				strings.Join(noFunctionURLs, ", ")+"); deploy with the CDK CLI, which sets CDK_DEFAULT_REGION"))
		return
	}
	if p := regionProblem(region); p != "" {
		panic("mayday: " + p)
	}
}
