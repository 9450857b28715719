package main

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/settings"
)

const (
	connectInstance = "arn:aws:connect:us-west-2:111122223333:instance/aaaaaaaa-bbbb-cccc-dddd-111111111111"
	connectDND      = "22222222-bbbb-4bbb-8bbb-222222222222"
	connectRoutable = "11111111-aaaa-4aaa-8aaa-111111111111"
)

// rulesDeployed is what a configuration deploys of events.Rules: the rules
// of the functions it deploys, and of the log groups.
func rulesDeployed(cfg Config) []events.Rule {
	deployed := map[string]bool{}
	for _, f := range deployedSpecs(cfg) {
		deployed[f.Name] = true
	}
	return events.RulesTo(func(target string) bool { return deployed[target] || toLogGroup(target) }, cfg.Get(settings.ConnectInstanceARN))
}

// TestNoConnectWithoutInstance: the stack of the other tests has no
// Connect instance, and nothing of Connect: no functions, no rule on the
// default bus, no integration, no permission, no Connect IAM action.
func TestNoConnectWithoutInstance(t *testing.T) {
	for id, r := range resources {
		switch r.Type {
		case "AWS::Lambda::Function":
			if d, _ := r.Properties["Description"].(string); strings.Contains(d, "Connect") {
				t.Errorf("function %s: %s", id, d)
			}
		case "AWS::Connect::IntegrationAssociation":
			t.Errorf("integration %s without an instance", id)
		case "AWS::Lambda::Permission":
			if r.Properties["Principal"] == "connect.amazonaws.com" {
				t.Errorf("permission %s for Connect", id)
			}
		case "AWS::Events::Rule":
			if b, _ := json.Marshal(r.Properties["EventPattern"]); strings.Contains(string(b), events.ConnectSource) {
				t.Errorf("rule %s on Connect's events", id)
			}
		}
	}
	for id, sts := range statements() {
		for _, st := range sts {
			for _, a := range strList(st["Action"]) {
				if strings.HasPrefix(a, "connect:") {
					t.Errorf("%s: %s", id, a)
				}
			}
		}
	}
}

// synthConnect synthesises the stack for a Connect instance.
func synthConnect(t *testing.T) (assertions.Template, map[string]resource) {
	t.Helper()
	return synth(t, "MaydayConnect", testCfg.With(settings.ConnectInstanceARN, connectInstance).
		With(settings.ConnectDNDStatus, connectDND).With(settings.ConnectRoutableStatus, connectRoutable))
}

// synth synthesises the stack with cfg, over assets of every function (the
// Connect functions' too, which the shared template's directory lacks),
// and returns its template and resources.
func synth(t *testing.T, name string, cfg Config) (assertions.Template, map[string]resource) {
	t.Helper()
	dir := t.TempDir()
	for _, f := range append(slices.Clone(functionSpecs), connectFunctionSpecs...) {
		if err := os.MkdirAll(filepath.Join(dir, f.Name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name, "bootstrap"), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var tpl assertions.Template
	check(t, func() {
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(dir, "cdk.out"))})
		tpl = assertions.Template_FromStack(NewMaydayStack(app, name, &MaydayStackProps{Config: cfg, AssetDir: dir}), nil)
	})
	var doc struct{ Resources map[string]resource }
	check(t, func() {
		b, err := json.Marshal(tpl.ToJSON())
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
	})
	return tpl, doc.Resources
}

// TestConnectWithInstance: with connectInstanceArn, both functions, with
// what they read; Connect may invoke connect-flow from that instance only;
// the function is associated with the instance; the default-bus rule feeds
// connect-events with the retries and dead-letter queue of every rule; and
// the Connect actions are granted to connect-flow, on the instance's users
// and agent statuses, and to lease-expiry, DescribeContact on its contacts,
// alone.
func TestConnectWithInstance(t *testing.T) {
	tpl, res := synthConnect(t)
	idOf := func(typ, construct string) string {
		t.Helper()
		var found []string
		for id, r := range res {
			if r.Type == typ && strings.HasPrefix(id, construct) && len(id) == len(construct)+8 {
				found = append(found, id)
			}
		}
		if len(found) != 1 {
			t.Fatalf("%s %s: %v", typ, construct, found)
		}
		return found[0]
	}
	flow, consumer := idOf("AWS::Lambda::Function", constructID(functions.ConnectFlow)), idOf("AWS::Lambda::Function", constructID(functions.ConnectEvents))
	check(t, func() {
		tpl.ResourcePropertiesCountIs(jsii.String("AWS::Lambda::Function"), &map[string]any{"Runtime": "provided.al2023"},
			jsii.Number(float64(len(functionSpecs)+len(connectFunctionSpecs))))
		// Connect invokes connect-flow directly: a throttle is a call unhandled.
		tpl.ResourcePropertiesCountIs(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
			"Namespace": "AWS/Lambda", "MetricName": "Throttles",
			"Dimensions": []any{map[string]any{"Name": "FunctionName", "Value": refOf(flow)}}}, jsii.Number(1))
	})
	if got := res[flow].Properties["Timeout"]; got != float64(8) {
		t.Errorf("connect-flow timeout %v, want 8 (Connect's limit)", got)
	}
	for _, fn := range []struct{ name, id string }{{functions.ConnectFlow, flow}, {functions.ConnectEvents, consumer}} {
		vars, _ := res[fn.id].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
		deployed := map[string]string{}
		for k, v := range vars {
			if s, ok := v.(string); ok {
				deployed[k] = s
			} else {
				deployed[k] = "resource"
			}
		}
		if _, err := coldstart.Read(fn.name, func(k string) (string, bool) { v, ok := deployed[k]; return v, ok }); err != nil {
			t.Errorf("%s: cold start with the deployed environment: %v", fn.name, err)
		}
		_, has := vars[settings.ConnectInstanceARN.Env]
		if want := fn.name == functions.ConnectFlow; has != want || want && (vars[settings.ConnectInstanceARN.Env] != connectInstance ||
			vars[settings.ConnectRoutableStatus.Env] != connectRoutable) {
			t.Errorf("%s: Connect settings %v", fn.name, vars)
		}
	}
	check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), &map[string]any{
			"Action": "lambda:InvokeFunction", "Principal": "connect.amazonaws.com",
			"FunctionName": getAttOf(flow, "Arn"), "SourceArn": connectInstance, "SourceAccount": "111122223333"})
		tpl.ResourcePropertiesCountIs(jsii.String("AWS::Lambda::Permission"), &map[string]any{"Principal": "connect.amazonaws.com"}, jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("AWS::Connect::IntegrationAssociation"), &map[string]any{
			"InstanceId": connectInstance, "IntegrationType": "LAMBDA_FUNCTION", "IntegrationArn": getAttOf(flow, "Arn")})
	})

	var rule events.Rule
	for _, r := range events.Rules {
		if r.Target == functions.ConnectEvents {
			rule = r
		}
	}
	var pattern map[string]any
	if err := json.Unmarshal([]byte(rule.Pattern), &pattern); err != nil {
		t.Fatal(err)
	}
	// The default bus carries every instance of the account: the rule
	// matches the configured one's contacts only.
	pattern["detail"].(map[string]any)["instanceArn"] = []any{connectInstance}
	ruleID, dlq := idOf("AWS::Events::Rule", constructID(rule.Name)), idOf("AWS::SQS::Queue", constructID(rule.Name)+"DLQ")
	check(t, func() {
		one := assertions.Template_FromJSON(&map[string]any{"Resources": map[string]any{ruleID: (*tpl.ToJSON())["Resources"].(map[string]any)[ruleID]}},
			&assertions.TemplateParsingOptions{SkipCyclicalDependenciesCheck: jsii.Bool(true)})
		one.HasResourceProperties(jsii.String("AWS::Events::Rule"), &map[string]any{
			"EventPattern": assertions.Match_Exact(pattern),
			"EventBusName": assertions.Match_Absent(), // the default bus, where Connect puts its events
			"Targets": []any{assertions.Match_ObjectLike(&map[string]any{
				"Arn":              getAttOf(consumer, "Arn"),
				"RetryPolicy":      assertions.Match_ObjectEquals(&map[string]any{"MaximumRetryAttempts": 8, "MaximumEventAgeInSeconds": 7200}),
				"DeadLetterConfig": assertions.Match_ObjectEquals(&map[string]any{"Arn": getAttOf(dlq, "Arn")}),
			})},
		})
	})

	// Connect actions: connect-flow's role, and lease expiry's to describe
	// contacts (the reconciliation of lost disconnects), scoped to the instance.
	flowRole := getAtt(res[flow].Properties["Role"], "Arn")
	expiryRole := getAtt(res[idOf("AWS::Lambda::Function", constructID(functions.LeaseExpiry))].Properties["Role"], "Arn")
	grants := grantsByRole(res, "connect:")
	_, okFlow := grants[flowRole]
	if _, okExpiry := grants[expiryRole]; !okFlow || !okExpiry || len(grants) != 2 {
		t.Errorf("Connect actions granted by role: %v, want connect-flow's and lease-expiry's roles only", grants)
	}
	// connect-flow moves an agent to the routable status, to no other.
	flowGrants := maps.Clone(agentStatusGrants)
	flowGrants["connect:PutUserStatus"] = []string{connectInstance + "/agent/*", connectInstance + "/agent-state/" + connectRoutable}
	flowGrants["connect:DescribeAgentStatus"] = []string{connectInstance + "/agent-state/*"}
	checkGrants(t, "connect-flow", grants[flowRole], flowGrants)
	checkGrants(t, "lease-expiry", grants[expiryRole], map[string][]string{"connect:DescribeContact": {connectInstance + "/contact/*"}})
}

// agentStatusGrants are the Connect actions that look up, read and set an
// agent's status, on the instance's users and agent statuses only.
var agentStatusGrants = map[string][]string{
	"connect:SearchUsers":        {connectInstance, connectInstance + "/agent/*"},
	"connect:GetCurrentUserData": {connectInstance, connectInstance + "/agent/*"},
	"connect:PutUserStatus":      {connectInstance + "/agent/*", connectInstance + "/agent-state/*"},
}

// grantsByRole lists, by role (its logical id), the actions with one of
// prefixes that the policies of res grant, with their resources.
func grantsByRole(res map[string]resource, prefixes ...string) map[string]map[string][]string {
	out := map[string]map[string][]string{}
	for _, r := range res {
		if r.Type != "AWS::IAM::Policy" {
			continue
		}
		roles, _ := r.Properties["Roles"].([]any)
		doc, _ := r.Properties["PolicyDocument"].(map[string]any)
		sts, _ := doc["Statement"].([]any)
		for _, s := range sts {
			st := s.(map[string]any)
			for _, a := range strList(st["Action"]) {
				if !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(a, p) }) {
					continue
				}
				for _, role := range roles {
					id := ref(role)
					if out[id] == nil {
						out[id] = map[string][]string{}
					}
					out[id][a] = append(out[id][a], strList(st["Resource"])...)
				}
			}
		}
	}
	return out
}

// checkGrants: who is granted exactly want.
func checkGrants(t *testing.T, who string, got, want map[string][]string) {
	t.Helper()
	for a, w := range want {
		if !slices.Equal(got[a], w) {
			t.Errorf("%s: %s on %q, want %q", who, a, got[a], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s may: %v, want %v", who, got, want)
	}
}
