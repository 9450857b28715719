package main

// The stack is synthesised once, here, for every test of the package (each
// jsii runtime start costs seconds). Tests assert with the CDK assertions
// package (HasResourceProperties, Capture, ...) on the whole template or, with
// hasProperties, on one resource by logical id; a few walk the parsed template
// where that is clearer (the IAM statements, the functions' environments).
// Tests are split by concern: table_test.go, functions_test.go,
// webhooks_test.go, rules_test.go, iam_test.go, seed_test.go,
// alarms_test.go, email_test.go, config_test.go, location_test.go.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/shared/settings"
)

var (
	template assertions.Template
	// annotations are the synthesis messages, cdk-nag's findings among them.
	annotations assertions.Annotations
	// resources is the template's Resources, parsed; rawResources the same
	// as plain JSON values (for one-resource templates, hasProperties).
	resources    map[string]resource
	rawResources map[string]any
	// assetDir holds the stand-in bootstraps, for tests that synthesise a
	// stack of their own too.
	assetDir string
	testCfg  = Config{
		Values: DefaultConfig().
			With(settings.Sender, "mayday@contoso.com").
			With(settings.SESConfigurationSet, "mayday-events").
			With(settings.MaxEmergency, "2h").
			With(settings.PresencePlatform, settings.PlatformTaskRouter).
			With(settings.TwilioAccountSID, "AC0123456789abcdef0123456789abcdef").
			With(settings.TwilioOrdinaryURL, "https://voice.contoso.com/twiml/outbound").
			With(settings.CallbackFallback, "client:security-desk").
			With(settings.DefaultCallerID, "US=+12065550100,GB=+442071230000").
			With(settings.TaskRouterWorkspaceSID, "WS0123456789abcdef0123456789abcdef").
			With(settings.TaskRouterDNDActivitySID, "WA0123456789abcdef0123456789abcdef").
			With(settings.SMSOrigination, "+12065550199").Values,
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
		assetDir = dir
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
		applyNagPacks(stack)
		template = assertions.Template_FromStack(stack, nil)
		annotations = assertions.Annotations_FromStack(stack)
		b, err := json.Marshal(template.ToJSON())
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		var doc struct{ Resources map[string]resource }
		var raw struct{ Resources map[string]any }
		if err := json.Unmarshal(b, &doc); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if err := json.Unmarshal(b, &raw); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		resources, rawResources = doc.Resources, raw.Resources
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

// hasProperties is HasResourceProperties for the one resource with logical
// id id, which must be of type typ: the resource alone is matched, so the
// assertion is about it and not about any resource of the type.
func hasProperties(t *testing.T, typ, id string, props map[string]any) {
	t.Helper()
	raw, ok := rawResources[id]
	if !ok {
		t.Fatalf("no resource %s", id)
	}
	check(t, func() {
		one := assertions.Template_FromJSON(&map[string]any{"Resources": map[string]any{id: raw}},
			&assertions.TemplateParsingOptions{SkipCyclicalDependenciesCheck: jsii.Bool(true)})
		one.HasResourceProperties(jsii.String(typ), props)
	})
}

// getAttOf is the pattern {"Fn::GetAtt": [id, attr]}.
func getAttOf(id any, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attr}}
}

// refOf is the pattern {"Ref": id}.
func refOf(id any) map[string]any { return map[string]any{"Ref": id} }

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

// resourceID is the logical id of the one resource of typ (GetResourceId:
// it fails unless exactly one matches).
func resourceID(t *testing.T, typ string) string {
	t.Helper()
	var id *string
	check(t, func() { id = template.GetResourceId(jsii.String(typ), nil) })
	return *id
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
