package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/dynamostore"
	"github.com/mayday/mayday/shared/emailtemplate"
	"github.com/mayday/mayday/shared/settings"
)

// The stack is synthesised once for all tests (each jsii runtime start costs
// seconds); tests read the template as parsed JSON and use the assertions
// package where its matchers say it best.
var (
	template  assertions.Template
	resources map[string]resource
	outputs   map[string]any
	testCfg   = Config{
		Values: DefaultConfig().
			With(settings.Sender, "mayday@contoso.com").
			With(settings.SESConfigurationSet, "mayday-events").
			With(settings.MaxEmergency, "2h").Values,
		CallbackPool: []PoolNumber{
			{Country: "GB", Number: "+442071230001"},
			{Country: "US", Number: "+14255550001"},
			{Country: "US", Number: "+14255550002"},
		},
		AlarmEmail: "oncall@contoso.com",
	}
)

type resource struct {
	Type           string
	Properties     map[string]any
	DeletionPolicy string
}

func TestMain(m *testing.M) {
	code := func() int {
		defer jsii.Close()
		dir, err := os.MkdirTemp("", "mayday-infra-assets-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		for _, f := range functionSpecs {
			if err := os.MkdirAll(filepath.Join(dir, f.Name), 0o755); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			if err := os.WriteFile(filepath.Join(dir, f.Name, "bootstrap"), []byte("#!/bin/sh\n# "+f.Name+"\n"), 0o755); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(dir, "cdk.out"))})
		stack := NewMaydayStack(app, "Mayday", &MaydayStackProps{Config: testCfg, AssetDir: dir})
		template = assertions.Template_FromStack(stack, nil)
		b, err := json.Marshal(template.ToJSON())
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		var doc struct {
			Resources map[string]resource
			Outputs   map[string]any
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		resources, outputs = doc.Resources, doc.Outputs
		return m.Run()
	}()
	os.Exit(code)
}

// check runs an assertions call; a failing assertion panics.
func check(t *testing.T, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("assertion failed: %v", r)
		}
	}()
	f()
}

// ofType returns the logical ids of the resources of a type, sorted.
func ofType(typ string) []string {
	var ids []string
	for id, r := range resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// logicalID finds the single resource of typ whose logical id is the
// construct id plus CDK's 8-hex-digit suffix.
func logicalID(t *testing.T, typ, constructID string) string {
	t.Helper()
	re := regexp.MustCompile("^" + regexp.QuoteMeta(constructID) + "[0-9A-F]{8}$")
	var found []string
	for _, id := range ofType(typ) {
		if re.MatchString(id) {
			found = append(found, id)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s %s: found %v, want exactly one", typ, constructID, found)
	}
	return found[0]
}

// functionIDs maps each Mayday function name to its logical id.
func functionIDs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range functionSpecs {
		out[f.Name] = logicalID(t, "AWS::Lambda::Function", constructID(f.Name))
	}
	return out
}

// getAtt returns the logical id of {"Fn::GetAtt": [id, attr]}, or "".
func getAtt(v any, attr string) string {
	m, _ := v.(map[string]any)
	ga, _ := m["Fn::GetAtt"].([]any)
	if len(ga) == 2 && ga[1] == attr {
		s, _ := ga[0].(string)
		return s
	}
	return ""
}

// ref returns the logical id of {"Ref": id}, or "".
func ref(v any) string {
	m, _ := v.(map[string]any)
	s, _ := m["Ref"].(string)
	return s
}

func strList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func TestFunctions(t *testing.T) {
	check(t, func() {
		template.ResourcePropertiesCountIs(jsii.String("AWS::Lambda::Function"), &map[string]any{
			"Runtime":       "provided.al2023",
			"Architectures": []string{"arm64"},
			"Handler":       "bootstrap",
			"LoggingConfig": assertions.Match_ObjectLike(&map[string]any{"LogFormat": "JSON"}),
		}, jsii.Number(8))
	})
	ids := functionIDs(t)
	// Any other function is CDK's provider for AwsCustomResource (pool
	// seeding, log-group resource policies), shared by all of them.
	if n := len(ofType("AWS::Lambda::Function")); n != len(ids)+1 {
		t.Errorf("%d Lambda functions, want the %d of Mayday + 1 custom-resource provider", n, len(ids))
	}
	for _, f := range functionSpecs {
		p := resources[ids[f.Name]].Properties
		wantTimeout := 30.0
		if f.Name == fnDialDetection || f.Name == fnCallbackRouting || f.Name == fnAdmin {
			wantTimeout = 10
		}
		if p["Timeout"] != wantTimeout || p["MemorySize"] != 256.0 {
			t.Errorf("%s: timeout %v memory %v", f.Name, p["Timeout"], p["MemorySize"])
		}
	}
}

func TestTable(t *testing.T) {
	ids := ofType("AWS::DynamoDB::GlobalTable")
	if len(ids) != 1 {
		t.Fatalf("tables: %v", ids)
	}
	tbl := resources[ids[0]]
	if tbl.DeletionPolicy != "Retain" {
		t.Errorf("DeletionPolicy = %q, want Retain", tbl.DeletionPolicy)
	}
	check(t, func() {
		template.HasResourceProperties(jsii.String("AWS::DynamoDB::GlobalTable"), &map[string]any{
			"BillingMode": "PAY_PER_REQUEST",
			"KeySchema": []any{
				map[string]any{"AttributeName": "pk", "KeyType": "HASH"},
				map[string]any{"AttributeName": "sk", "KeyType": "RANGE"},
			},
			"AttributeDefinitions": assertions.Match_ArrayWith(&[]any{
				map[string]any{"AttributeName": "pk", "AttributeType": "S"},
				map[string]any{"AttributeName": "sk", "AttributeType": "S"},
				map[string]any{"AttributeName": "gsi1pk", "AttributeType": "S"},
				map[string]any{"AttributeName": "gsi1sk", "AttributeType": "S"},
				map[string]any{"AttributeName": "gsi2pk", "AttributeType": "S"},
				map[string]any{"AttributeName": "gsi2sk", "AttributeType": "N"},
				map[string]any{"AttributeName": "gsi3pk", "AttributeType": "S"},
				map[string]any{"AttributeName": "gsi3sk", "AttributeType": "S"},
			}),
			"TimeToLiveSpecification": map[string]any{"AttributeName": "ttl", "Enabled": true},
			"SSESpecification":        map[string]any{"SSEEnabled": true, "SSEType": "KMS"},
			"Replicas": []any{assertions.Match_ObjectLike(&map[string]any{
				"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
			})},
		})
	})
	gsis := map[string]any{}
	for _, g := range tbl.Properties["GlobalSecondaryIndexes"].([]any) {
		g := g.(map[string]any)
		gsis[g["IndexName"].(string)] = g
	}
	for _, n := range []string{"gsi1", "gsi2", "gsi3"} {
		want := map[string]any{"IndexName": n,
			"KeySchema": []any{
				map[string]any{"AttributeName": n + "pk", "KeyType": "HASH"},
				map[string]any{"AttributeName": n + "sk", "KeyType": "RANGE"},
			},
			"Projection": map[string]any{"ProjectionType": "ALL"}}
		if !reflect.DeepEqual(gsis[n], any(want)) {
			t.Errorf("GSI %s = %v, want %v", n, gsis[n], want)
		}
	}
	if len(gsis) != 3 {
		t.Errorf("GSIs: %v", gsis)
	}
}

// TestTableMatchesDynamoStore compares the deployed table with the schema the
// DynamoDB adapter uses against DynamoDB Local, so the two cannot drift.
func TestTableMatchesDynamoStore(t *testing.T) {
	p := resources[ofType("AWS::DynamoDB::GlobalTable")[0]].Properties
	var want struct {
		AttributeDefinitions   []any
		KeySchema              []any
		GlobalSecondaryIndexes []any
	}
	b, err := json.Marshal(dynamostore.TableInput("t"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	norm := func(v any) string { // compare as sets, ignoring order and SDK nulls
		var items []string
		for _, e := range v.([]any) {
			j, _ := json.Marshal(dropNulls(e))
			items = append(items, string(j))
		}
		sort.Strings(items)
		return strings.Join(items, "\n")
	}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"AttributeDefinitions", p["AttributeDefinitions"], want.AttributeDefinitions},
		{"KeySchema", p["KeySchema"], want.KeySchema},
		{"GlobalSecondaryIndexes", p["GlobalSecondaryIndexes"], want.GlobalSecondaryIndexes},
	} {
		if norm(c.got) != norm(c.want) {
			t.Errorf("%s:\n stack %s\n dynamostore %s", c.name, norm(c.got), norm(c.want))
		}
	}
	if ttl := p["TimeToLiveSpecification"].(map[string]any)["AttributeName"]; ttl != dynamostore.AttrTTL {
		t.Errorf("TTL attribute %v, dynamostore uses %s", ttl, dynamostore.AttrTTL)
	}
}

// dropNulls removes null members (unset SDK fields) recursively.
func dropNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if e != nil {
				out[k] = dropNulls(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = dropNulls(e)
		}
		return out
	}
	return v
}

func TestRulesMatchEventsPackage(t *testing.T) {
	if n := len(ofType("AWS::Events::Rule")); n != len(events.Rules) {
		t.Fatalf("%d rules, want one per events.Rules entry (%d)", n, len(events.Rules))
	}
	fns := functionIDs(t)
	bus := ofType("AWS::Events::EventBus")
	if len(bus) != 1 {
		t.Fatalf("buses: %v", bus)
	}
	for _, r := range events.Rules {
		t.Run(r.Name, func(t *testing.T) {
			p := resources[logicalID(t, "AWS::Events::Rule", constructID(r.Name))].Properties
			if r.Pattern != "" {
				var want any
				if err := json.Unmarshal([]byte(r.Pattern), &want); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(p["EventPattern"], want) {
					t.Errorf("EventPattern = %v, want events' %s", p["EventPattern"], r.Pattern)
				}
				if ref(p["EventBusName"]) != bus[0] {
					t.Errorf("EventBusName = %v, want the custom bus", p["EventBusName"])
				}
			} else {
				if p["ScheduleExpression"] != r.Schedule || r.Schedule != "rate(1 minute)" {
					t.Errorf("ScheduleExpression = %v, want %q (events: %q)", p["ScheduleExpression"], "rate(1 minute)", r.Schedule)
				}
				if p["EventBusName"] != nil {
					t.Errorf("schedule on bus %v, want the default bus", p["EventBusName"])
				}
			}
			targets, _ := p["Targets"].([]any)
			if len(targets) != 1 {
				t.Fatalf("targets: %v", targets)
			}
			tg := targets[0].(map[string]any)
			wantRetry := map[string]any{"MaximumRetryAttempts": 8.0, "MaximumEventAgeInSeconds": 7200.0}
			if !reflect.DeepEqual(tg["RetryPolicy"], any(wantRetry)) {
				t.Errorf("RetryPolicy = %v, want %v", tg["RetryPolicy"], wantRetry)
			}
			dlqArn, _ := tg["DeadLetterConfig"].(map[string]any)["Arn"]
			dlq, ok := resources[getAtt(dlqArn, "Arn")]
			if !ok || dlq.Type != "AWS::SQS::Queue" {
				t.Fatalf("DeadLetterConfig = %v, want an SQS queue", tg["DeadLetterConfig"])
			}
			if dlq.Properties["SqsManagedSseEnabled"] != true || dlq.Properties["MessageRetentionPeriod"] != 1209600.0 {
				t.Errorf("DLQ %v: want SSE and 14-day retention", dlq.Properties)
			}
			switch r.Target {
			case events.TargetOperatorAlarm, events.TargetAudit:
				if !strings.Contains(fmt.Sprint(tg["Arn"]), ":log-group:") {
					t.Errorf("target %v, want a log group", tg["Arn"])
				}
			default:
				fn, ok := fns[r.Target]
				if !ok || getAtt(tg["Arn"], "Arn") != fn {
					t.Errorf("target %v, want function %s (%s)", tg["Arn"], r.Target, fn)
				}
			}
		})
	}
}

func TestFunctionURLs(t *testing.T) {
	fns := functionIDs(t)
	want := map[string]string{fns[fnDialDetection]: "NONE", fns[fnCallbackRouting]: "NONE", fns[fnAdmin]: "AWS_IAM"}
	got := map[string]string{}
	for _, id := range ofType("AWS::Lambda::Url") {
		p := resources[id].Properties
		got[getAtt(p["TargetFunctionArn"], "Arn")] = fmt.Sprint(p["AuthType"])
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("function URLs (function: auth) = %v, want %v", got, want)
	}
	for _, k := range []string{"DialDetectionWebhookUrl", "CallbackRoutingWebhookUrl", "AdminUrl", "TableName", "BusName", "WebhookSecretArn"} {
		if _, ok := outputs[k]; !ok {
			t.Errorf("no output %s", k)
		}
	}
}

// TestSecretsExtension: the webhook functions (and only they) carry the
// Parameters and Secrets extension layer they read the HMAC secret through.
func TestSecretsExtension(t *testing.T) {
	fns := functionIDs(t)
	for name, id := range fns {
		layers := fmt.Sprint(resources[id].Properties["Layers"])
		env := fmt.Sprint(resources[id].Properties["Environment"])
		webhook := name == fnDialDetection || name == fnCallbackRouting
		if has := strings.Contains(layers, "Paramsandsecretslayer") && strings.Contains(layers, "arm64"); has != webhook {
			t.Errorf("%s: extension layer %v (layers %s), want %v", name, has, layers, webhook)
		}
		if webhook && !strings.Contains(env, "SECRETS_MANAGER_TTL") {
			t.Errorf("%s: no extension settings in %s", name, env)
		}
	}
}

func TestEmailTemplate(t *testing.T) {
	d := emailtemplate.Default()
	check(t, func() {
		template.ResourceCountIs(jsii.String("AWS::SES::Template"), jsii.Number(1))
		template.HasResourceProperties(jsii.String("AWS::SES::Template"), &map[string]any{
			"Template": map[string]any{
				"TemplateName": "EmergencyCallNotification",
				"SubjectPart":  d.Subject,
				"HtmlPart":     d.HTML,
				"TextPart":     d.Text,
			},
		})
	})
}

// statements returns every IAM statement of the template: policies and
// inline role policies, with the logical id that holds it.
func statements() map[string][]map[string]any {
	out := map[string][]map[string]any{}
	add := func(id string, doc any) {
		d, _ := doc.(map[string]any)
		switch s := d["Statement"].(type) {
		case []any:
			for _, st := range s {
				out[id] = append(out[id], st.(map[string]any))
			}
		case map[string]any:
			out[id] = append(out[id], s)
		}
	}
	for id, r := range resources {
		switch r.Type {
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
			add(id, r.Properties["PolicyDocument"])
		case "AWS::IAM::Role":
			policies, _ := r.Properties["Policies"].([]any)
			for _, p := range policies {
				add(id, p.(map[string]any)["PolicyDocument"])
			}
		}
	}
	return out
}

func TestLeastPrivilege(t *testing.T) {
	fns := functionIDs(t)
	for id, sts := range statements() {
		for _, st := range sts {
			for _, a := range strList(st["Action"]) {
				if a == "*" || strings.Contains(a, "*") {
					t.Errorf("%s: wildcard action %q", id, a)
				}
				service, _, _ := strings.Cut(a, ":")
				switch service {
				case "dynamodb", "ses", "events", "secretsmanager", "lambda", "sqs", "sns":
					if strList(st["Resource"]) != nil && slicesContains(strList(st["Resource"]), "*") {
						t.Errorf("%s: %s on every resource", id, a)
					}
				}
			}
			if st["NotAction"] != nil || st["NotResource"] != nil {
				t.Errorf("%s: NotAction/NotResource: %v", id, st)
			}
		}
	}
	// Roles carry only the basic execution managed policy (logs), never a
	// managed full-access policy.
	for _, id := range ofType("AWS::IAM::Role") {
		arns, _ := resources[id].Properties["ManagedPolicyArns"].([]any)
		for _, arn := range arns {
			if s := fmt.Sprint(arn); !strings.Contains(s, "service-role/AWSLambdaBasicExecutionRole") {
				t.Errorf("role %s: managed policy %s", id, s)
			}
		}
	}
	// Who may do what: secret read and SES sending only where needed.
	roleOf := func(fn string) string { return getAtt(resources[fns[fn]].Properties["Role"], "Arn") }
	actionsOf := func(role string) map[string][]any {
		out := map[string][]any{}
		for _, id := range ofType("AWS::IAM::Policy") {
			p := resources[id].Properties
			for _, r := range p["Roles"].([]any) {
				if ref(r) != role {
					continue
				}
				for _, st := range statements()[id] {
					for _, a := range strList(st["Action"]) {
						out[a] = append(out[a], st["Resource"])
					}
				}
			}
		}
		return out
	}
	for _, f := range functionSpecs {
		acts := actionsOf(roleOf(f.Name))
		_, secret := acts["secretsmanager:GetSecretValue"]
		if webhook := f.Name == fnDialDetection || f.Name == fnCallbackRouting; secret != webhook {
			t.Errorf("%s: reads the webhook secret = %v", f.Name, secret)
		}
		_, ses := acts["ses:SendEmail"]
		if ses != (f.Name == fnEmailNotification) {
			t.Errorf("%s: ses:SendEmail = %v", f.Name, ses)
		}
		_, put := acts["events:PutEvents"]
		if publishes := f.reads(settings.Bus); put != publishes {
			t.Errorf("%s: events:PutEvents = %v, want it where the function reads %s (%v)", f.Name, put, settings.Bus.Env, publishes)
		}
		if _, rw := acts["dynamodb:UpdateItem"]; !rw {
			t.Errorf("%s: no table access", f.Name)
		}
		for a := range acts {
			if strings.HasPrefix(a, "ses:") && a != "ses:SendEmail" {
				t.Errorf("%s: SES action %s", f.Name, a)
			}
		}
	}
	// ses:SendEmail: the sender address and domain identities, the template
	// and the configuration set, nothing else.
	sendRes := fmt.Sprint(actionsOf(roleOf(fnEmailNotification))["ses:SendEmail"])
	for _, want := range []string{":identity/mayday@contoso.com", ":identity/contoso.com", ":template/EmergencyCallNotification", ":configuration-set/mayday-events"} {
		if !strings.Contains(sendRes, want) {
			t.Errorf("ses:SendEmail resources %s: missing %s", sendRes, want)
		}
	}
	if n := strings.Count(sendRes, ":ses:"); n != 4 {
		t.Errorf("ses:SendEmail resources: %d ARNs, want 4: %s", n, sendRes)
	}
}

func slicesContains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func TestCallbackPoolSeeding(t *testing.T) {
	admin := functionIDs(t)[fnAdmin]
	seeds := ofType("Custom::AWS")
	if len(seeds) != len(testCfg.CallbackPool) {
		t.Fatalf("%d seeding resources, want %d", len(seeds), len(testCfg.CallbackPool))
	}
	var got []string
	for _, id := range seeds {
		// Create is a Fn::Join of JSON around the function name's Ref.
		parts := resources[id].Properties["Create"].(map[string]any)["Fn::Join"].([]any)[1].([]any)
		var js strings.Builder
		for _, p := range parts {
			if s, ok := p.(string); ok {
				js.WriteString(s)
			} else if ref(p) == admin {
				js.WriteString("ADMIN")
			} else {
				t.Fatalf("%s: unexpected token %v", id, p)
			}
		}
		var call struct {
			Service, Action string
			Parameters      struct{ FunctionName, Payload string }
		}
		if err := json.Unmarshal([]byte(js.String()), &call); err != nil {
			t.Fatalf("%s: %v in %s", id, err, js.String())
		}
		if call.Service != "Lambda" || call.Action != "Invoke" || call.Parameters.FunctionName != "ADMIN" {
			t.Errorf("%s: %+v", id, call)
		}
		var ev struct {
			Version, RawPath, Body string
			IsBase64Encoded        bool
			Headers                map[string]string
			RequestContext         struct{ HTTP struct{ Method, Path string } }
		}
		if err := json.Unmarshal([]byte(call.Parameters.Payload), &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Version != "2.0" || ev.RawPath != "/v1/callback-numbers" || ev.RequestContext.HTTP.Method != "POST" ||
			ev.RequestContext.HTTP.Path != "/v1/callback-numbers" || ev.IsBase64Encoded || ev.Headers["content-type"] != "application/json" {
			t.Errorf("%s: event %+v", id, ev)
		}
		var body struct{ Number, Country string }
		if err := json.Unmarshal([]byte(ev.Body), &body); err != nil {
			t.Fatal(err)
		}
		got = append(got, body.Country+" "+body.Number)
	}
	sort.Strings(got)
	want := []string{"GB +442071230001", "US +14255550001", "US +14255550002"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("seeded %v, want %v", got, want)
	}
	// The seeding policies: lambda:InvokeFunction on the admin function only.
	n := 0
	for id, sts := range statements() {
		for _, st := range sts {
			if !slicesContains(strList(st["Action"]), "lambda:InvokeFunction") {
				continue
			}
			n++
			if len(strList(st["Action"])) != 1 || getAtt(st["Resource"], "Arn") != admin {
				t.Errorf("%s: %v", id, st)
			}
		}
	}
	if n == 0 {
		t.Error("no lambda:InvokeFunction statement for the seeding")
	}
}

func TestAlarms(t *testing.T) {
	alarms := ofType("AWS::CloudWatch::Alarm")
	topics := ofType("AWS::SNS::Topic")
	if len(topics) != 1 {
		t.Fatalf("topics: %v", topics)
	}
	byMetric := map[string][]map[string]any{}
	for _, id := range alarms {
		p := resources[id].Properties
		if ref(p["AlarmActions"].([]any)[0]) != topics[0] || p["Threshold"] != 0.0 || p["ComparisonOperator"] != "GreaterThanThreshold" {
			t.Errorf("alarm %s: %v", id, p)
		}
		byMetric[fmt.Sprint(p["Namespace"], "/", p["MetricName"])] = append(byMetric[fmt.Sprint(p["Namespace"], "/", p["MetricName"])], p)
	}
	// One per DLQ, on that queue.
	dlqs := map[string]bool{}
	for _, a := range byMetric["AWS/SQS/ApproximateNumberOfMessagesVisible"] {
		dlqs[getAtt(a["Dimensions"].([]any)[0].(map[string]any)["Value"], "QueueName")] = true
	}
	if queues := ofType("AWS::SQS::Queue"); len(dlqs) != len(queues) || len(queues) != len(events.Rules) {
		t.Errorf("DLQ alarms on %v, queues %v", dlqs, queues)
	}
	if n := len(byMetric["AWS/Lambda/Errors"]); n != len(functionSpecs) {
		t.Errorf("%d function error alarms, want %d", n, len(functionSpecs))
	}
	// Operator events: a metric filter per detail-type, each with an alarm.
	filters := map[string]string{}
	for _, id := range ofType("AWS::Logs::MetricFilter") {
		p := resources[id].Properties
		mt := p["MetricTransformations"].([]any)[0].(map[string]any)
		filters[fmt.Sprint(p["FilterPattern"])] = fmt.Sprint(mt["MetricNamespace"], "/", mt["MetricName"])
	}
	for _, dt := range []string{events.CallbackPoolExhausted, events.EmergencyDialUnsupported} {
		metric, ok := filters[`{ $.detail-type = "`+dt+`" }`]
		if !ok {
			t.Errorf("no metric filter for %q: %v", dt, filters)
			continue
		}
		if len(byMetric[metric]) != 1 {
			t.Errorf("%q: %d alarms on %s", dt, len(byMetric[metric]), metric)
		}
	}
	check(t, func() {
		template.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), &map[string]any{
			"Protocol": "email", "Endpoint": testCfg.AlarmEmail})
	})
}

// Every setting a function reads (settings.Functions and settings.Domain)
// is set by the stack, from a resource or the context, or deliberately left
// unset; no other Mayday setting is set (the secrets extension has its own);
// and with exactly that environment the
// function's cold start reads a valid configuration.
func TestFunctionSettingsAreDeployed(t *testing.T) {
	ids := functionIDs(t)
	for _, f := range functionSpecs {
		t.Run(f.Name, func(t *testing.T) {
			vars, _ := resources[ids[f.Name]].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
			reads := append(slices.Clone(settings.Domain), settings.Functions[f.Name]...)
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

func TestParsePool(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []PoolNumber
		wantErr bool
	}{
		{"", nil, false},
		{"US=+14255550001,+14255550002;GB=+442071230001", []PoolNumber{
			{"GB", "+442071230001"}, {"US", "+14255550001"}, {"US", "+14255550002"}}, false},
		{" uk = +44 20 7123 0001 ; ", []PoolNumber{{"GB", "+442071230001"}}, false},
		{"US=+14255550001;CA=+14255550001", nil, true}, // the same number in two pools
		{"FR=+33140000000", nil, true},                 // not a supported location
		{"US=14255550001x", nil, true},
		{"+14255550001", nil, true},
	} {
		got, err := ParsePool(tc.in)
		if (err != nil) != tc.wantErr || !tc.wantErr && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParsePool(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestConfigFromContext(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{
		"sender": "alerts@contoso.com", "callbackPool": "DK=+4533123456", "dialPrefix": "", "callbackLease": "90m",
		"maxEmergency": "6h"}})
	c, err := ConfigFromContext(app.Node())
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig().With(settings.Sender, "alerts@contoso.com").With(settings.DialPrefix, "").
		With(settings.CallbackLease, "90m").With(settings.MaxEmergency, "6h")
	want.CallbackPool = []PoolNumber{{"DK", "+4533123456"}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("config %+v, want %+v", c, want)
	}
	if d := DefaultConfig(); d.Get(settings.CallbackLease) != "60m" || d.Get(settings.DialPrefix) != "9" ||
		d.Get(settings.CallbackFallback) != "security-desk" || d.Get(settings.MaxEmergency) != "4h" {
		t.Errorf("defaults %+v, want the settings' defaults", d)
	}
	for _, bad := range []map[string]any{
		{"sender": "not an address"}, {"callbackLease": "an hour"}, {"dialPrefix": "99999"}, {"maxEmergency": "-1h"},
		{"sesConfigurationSet": "not a name!"}, {"alarmEmail": "nobody"},
	} {
		if _, err := ConfigFromContext(awscdk.NewApp(&awscdk.AppProps{Context: &bad}).Node()); err == nil {
			t.Errorf("context %v: no error", bad)
		}
	}
}
