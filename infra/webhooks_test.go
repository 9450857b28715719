package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
)

// TestFunctionURLs: exactly four Function URLs — the two public webhooks,
// the IAM-authorised admin API and agent state — in RESPONSE_STREAM mode
// (lambdaurl), and the outputs an operator needs.
func TestFunctionURLs(t *testing.T) {
	fns := functionIDs(t)
	typ := jsii.String("AWS::Lambda::Url")
	check(t, func() {
		template.ResourceCountIs(typ, jsii.Number(6))
		for fn, auth := range map[string]string{functions.DialDetection: "NONE", functions.PriorityCallbackRouting: "NONE", functions.AdminAPI: "AWS_IAM", functions.AgentState: "AWS_IAM",
			functions.AuditAPI: "AWS_IAM", functions.AlertAck: "NONE"} {
			template.HasResourceProperties(typ, &map[string]any{
				"AuthType":          auth,
				"InvokeMode":        "RESPONSE_STREAM",
				"TargetFunctionArn": getAttOf(fns[fn], "Arn"),
			})
		}
		for _, k := range []string{"DialDetectionWebhookUrl", "CallbackRoutingWebhookUrl", "AdminUrl", "AgentStateUrl", "TableName", "BusName", "WebhookSecretArn",
			"AuditUrl", "AuditRoleArn", "RecordTableName"} {
			template.HasOutput(jsii.String(k), &map[string]any{"Value": assertions.Match_AnyValue()})
		}
	})
}

// TestWebhookSecretRead: no function carries a layer (the Parameters and
// Secrets extension is gone: its CDK region map breaks the deploy in
// regions it does not list); the webhook functions read the secret with the
// SDK, allowed GetSecretValue on that secret, with the rotation overlap set.
func TestWebhookSecretRead(t *testing.T) {
	secret := logicalID(t, "AWS::SecretsManager::Secret", "WebhookSecret")
	check(t, func() {
		template.AllResourcesProperties(jsii.String("AWS::Lambda::Function"), &map[string]any{"Layers": assertions.Match_Absent()})
	})
	for name, id := range functionIDs(t) {
		if name != functions.DialDetection && name != functions.PriorityCallbackRouting {
			continue
		}
		t.Run(name, func(t *testing.T) {
			hasProperties(t, "AWS::Lambda::Function", id, map[string]any{
				"Environment": map[string]any{"Variables": map[string]any{
					"MAYDAY_WEBHOOK_SECRET_ARN": refOf(secret), "MAYDAY_WEBHOOK_SECRET_OVERLAP": "24h"}},
			})
			role := getAtt(resources[id].Properties["Role"], "Arn")
			found := false
			for pid, r := range resources {
				roles, _ := r.Properties["Roles"].([]any)
				if r.Type != "AWS::IAM::Policy" || !slices.ContainsFunc(roles, func(v any) bool { return ref(v) == role }) {
					continue
				}
				for _, st := range statements()[pid] {
					if slices.Contains(strList(st["Action"]), "secretsmanager:GetSecretValue") && ref(st["Resource"]) == secret {
						found = true
					}
				}
			}
			if !found {
				t.Errorf("%s may not read the webhook secret", name)
			}
		})
	}
}

// TestRegionCheck: a region without Function URLs (so without response
// streaming) fails the synth with the reason; others pass.
func TestRegionCheck(t *testing.T) {
	for _, tc := range []struct {
		region string
		fails  bool
	}{{"eu-central-2", true}, {"me-central-1", true}, {"ap-southeast-5", true}, {"ap-southeast-6", true},
		{"ap-southeast-7", true}, {"ap-east-2", true}, {"us-east-1", false}, {"eu-west-2", false}} {
		if got := regionProblem(tc.region); (got != "") != tc.fails || tc.fails && !strings.Contains(got, "Function URLs") {
			t.Errorf("%s: %q", tc.region, got)
		}
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "eu-central-2 has no Lambda Function URLs") {
			t.Errorf("synth in eu-central-2: %v, want a panic naming the reason", r)
		}
	}()
	app := awscdk.NewApp(nil)
	NewMaydayStack(app, "Zurich", &MaydayStackProps{Config: testCfg, AssetDir: assetDir,
		StackProps: awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-central-2")}}})
}

// TestRegionUnknownWarns: the env-agnostic stack says the check did not run.
func TestRegionUnknownWarns(t *testing.T) {
	check(t, func() {
		annotations.HasWarning(jsii.String("/Mayday"), assertions.Match_StringLikeRegexp(jsii.String("region unknown at synth")))
	})
}
