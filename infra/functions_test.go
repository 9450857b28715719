package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/settings"
)

func TestFunctions(t *testing.T) {
	typ := jsii.String("AWS::Lambda::Function")
	ids := functionIDs(t)
	check(t, func() {
		template.ResourcePropertiesCountIs(typ, &map[string]any{
			"Runtime":       "provided.al2023",
			"Architectures": []string{"arm64"},
			"Handler":       "bootstrap",
			"LoggingConfig": assertions.Match_ObjectLike(&map[string]any{"LogFormat": "JSON"}),
		}, jsii.Number(float64(len(ids))))
		// The Mayday functions and two more: the pool-seeding custom
		// resource's handler and CDK's Provider framework function.
		template.ResourceCountIs(typ, jsii.Number(float64(len(ids)+2)))
		// Traced: all but CDK's framework function (nag.go says why).
		template.ResourcePropertiesCountIs(typ, &map[string]any{"TracingConfig": map[string]any{"Mode": "Active"}},
			jsii.Number(float64(len(ids)+1)))
	})
	for _, f := range functionSpecs {
		t.Run(f.Name, func(t *testing.T) {
			wantTimeout := 30
			if f.Name == functions.DialDetection || f.Name == functions.PriorityCallbackRouting || f.Name == functions.AdminAPI || f.Name == functions.AgentState ||
				f.Name == functions.AuditAPI || f.Name == functions.AlertAck {
				wantTimeout = 10
			}
			hasProperties(t, "AWS::Lambda::Function", ids[f.Name], map[string]any{"Timeout": wantTimeout, "MemorySize": 256,
				"LoggingConfig": assertions.Match_ObjectLike(&map[string]any{"SystemLogLevel": "INFO", "ApplicationLogLevel": "INFO"}),
				"TracingConfig": map[string]any{"Mode": "Active"}, "ReservedConcurrentExecutions": assertions.Match_Absent()})
		})
	}
}

// Every setting a function reads (settings.Functions and settings.Domain)
// is set by the stack, from a resource or the context, or deliberately left
// unset; no other Mayday setting is set; and with exactly that environment the
// function's cold start reads a valid configuration.
func TestFunctionSettingsAreDeployed(t *testing.T) {
	ids := functionIDs(t)
	for _, f := range functionSpecs {
		t.Run(f.Name, func(t *testing.T) {
			vars, _ := resources[ids[f.Name]].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
			reads := append(slices.Clone(settings.Domain), settings.Reads(f.Name, testCfg.lookup)...)
			if len(settings.Functions[f.Name]) == 0 {
				t.Fatalf("no settings declared for %s", f.Name)
			}
			deployed := map[string]string{}
			for _, s := range reads {
				v, set := vars[s.Env]
				switch s.Source {
				case settings.FromResource:
					if ref(v) == "" && getAtt(v, "Arn") == "" && !isSecretRef(v) {
						t.Errorf("%s = %v, want a reference to a resource of the stack", s.Env, v)
					}
					deployed[s.Env] = "resource"
				case settings.FromContext:
					if v != testCfg.Get(s) {
						t.Errorf("%s = %v, want %q from context %s", s.Env, v, testCfg.Get(s), s.Context)
					}
				case settings.IfConfigured:
					if s.Env == settings.AlertBaseURL.Env && testCfg.Get(s) == "" && getAtt(v, "FunctionUrl") != "" {
						break // unset: alert-ack's own URL (TestAlertDesk)
					}
					if want := testCfg.Get(s); want != "" && v != want || want == "" && set {
						t.Errorf("%s = %v, want %q", s.Env, v, want)
					}
				case settings.NotDeployed:
					if set {
						t.Errorf("%s is set; it is never deployed", s.Env)
					}
				}
				if str, ok := v.(string); ok {
					deployed[s.Env] = str
				}
			}
			for k := range vars {
				if strings.HasPrefix(k, "MAYDAY_") && !slices.ContainsFunc(reads, func(s settings.Setting) bool { return s.Env == k }) {
					t.Errorf("%s is set but %s does not read it", k, f.Name)
				}
			}
			fn, err := coldstart.Read(f.Name, func(k string) (string, bool) { v, ok := deployed[k]; return v, ok })
			if err != nil {
				t.Fatalf("cold start with the deployed environment: %v", err)
			}
			if fn.Options.Config.MaxEmergency != 2*time.Hour {
				t.Errorf("watchdog limit = %v, want the context's 2h", fn.Options.Config.MaxEmergency)
			}
		})
	}
}

// isSecretRef: a secret's ARN is a Ref to the secret.
func isSecretRef(v any) bool {
	id := ref(v)
	return id != "" && resources[id].Type == "AWS::SecretsManager::Secret"
}

// TestLogRetention: every function logs to a log group of the stack, and
// every log group has a retention (the custom resources' included).
func TestLogRetention(t *testing.T) {
	for _, id := range ofType("AWS::Lambda::Function") {
		cfg, _ := resources[id].Properties["LoggingConfig"].(map[string]any)
		group := ref(cfg["LogGroup"])
		if resources[group].Type != "AWS::Logs::LogGroup" {
			t.Errorf("function %s logs to %v, not a log group of the stack", id, cfg["LogGroup"])
		}
	}
	for _, id := range ofType("AWS::Logs::LogGroup") {
		if days, _ := resources[id].Properties["RetentionInDays"].(float64); days <= 0 {
			t.Errorf("log group %s has no retention", id)
		}
	}
	check(t, func() { template.ResourceCountIs(jsii.String("Custom::LogRetention"), jsii.Number(0)) })
}
