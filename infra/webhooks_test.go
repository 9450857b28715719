package main

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// TestFunctionURLs: exactly three Function URLs — the two public webhooks and
// the IAM-authorised admin API — in RESPONSE_STREAM mode (lambdaurl), and the
// outputs an operator needs.
func TestFunctionURLs(t *testing.T) {
	fns := functionIDs(t)
	typ := jsii.String("AWS::Lambda::Url")
	check(t, func() {
		template.ResourceCountIs(typ, jsii.Number(3))
		for fn, auth := range map[string]string{fnDialDetection: "NONE", fnCallbackRouting: "NONE", fnAdmin: "AWS_IAM"} {
			template.HasResourceProperties(typ, &map[string]any{
				"AuthType":          auth,
				"InvokeMode":        "RESPONSE_STREAM",
				"TargetFunctionArn": getAttOf(fns[fn], "Arn"),
			})
		}
		for _, k := range []string{"DialDetectionWebhookUrl", "CallbackRoutingWebhookUrl", "AdminUrl", "TableName", "BusName", "WebhookSecretArn"} {
			template.HasOutput(jsii.String(k), &map[string]any{"Value": assertions.Match_AnyValue()})
		}
	})
}

// TestSecretsExtension: the webhook functions and presence push (and only
// they) carry the Parameters and Secrets extension layer (arm64) they read
// their secret through, with its settings (secrets cached for a minute).
func TestSecretsExtension(t *testing.T) {
	for name, id := range functionIDs(t) {
		t.Run(name, func(t *testing.T) {
			if name == fnDialDetection || name == fnCallbackRouting || name == fnPresencePush {
				hasProperties(t, "AWS::Lambda::Function", id, map[string]any{
					"Layers": []any{map[string]any{"Fn::FindInMap": []any{
						assertions.Match_StringLikeRegexp(jsii.String("^Paramsandsecretslayer")),
						assertions.Match_AnyValue(),
						assertions.Match_StringLikeRegexp(jsii.String("arm64")),
					}}},
					"Environment": map[string]any{"Variables": map[string]any{"SECRETS_MANAGER_TTL": "60"}},
				})
				return
			}
			hasProperties(t, "AWS::Lambda::Function", id, map[string]any{
				"Layers":      assertions.Match_Absent(),
				"Environment": map[string]any{"Variables": map[string]any{"SECRETS_MANAGER_TTL": assertions.Match_Absent()}},
			})
		})
	}
}
