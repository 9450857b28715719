package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
)

// TestCallbackPoolSeeding: one custom resource per number of the pool,
// each handing the handler the Function URL event of POST
// /v1/callback-numbers for that number; the handler fails the deploy on a
// non-2xx answer (seedhandler_test.go) and may invoke the admin function
// and nothing else; its logs are kept for three months.
func TestCallbackPoolSeeding(t *testing.T) {
	admin := functionIDs(t)[functions.AdminAPI]
	handler := logicalID(t, "AWS::Lambda::Function", "SeedCallbackPoolHandler")
	typ := jsii.String("Custom::CallbackNumber")
	payload := assertions.NewCapture(nil)
	check(t, func() {
		template.ResourceCountIs(typ, jsii.Number(float64(len(testCfg.CallbackPool))))
		template.AllResourcesProperties(typ, &map[string]any{
			"ServiceToken": assertions.Match_AnyValue(),
			"FunctionName": refOf(admin),
			"Payload":      payload,
		})
	})
	var got []string
	for more := true; more; more = *payload.Next() {
		var ev struct {
			Version, RawPath, Body string
			IsBase64Encoded        bool
			Headers                map[string]string
			RequestContext         struct{ HTTP struct{ Method, Path string } }
		}
		if err := json.Unmarshal([]byte(*payload.AsString()), &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Version != "2.0" || ev.RawPath != "/v1/callback-numbers" || ev.RequestContext.HTTP.Method != "POST" ||
			ev.RequestContext.HTTP.Path != "/v1/callback-numbers" || ev.IsBase64Encoded || ev.Headers["content-type"] != "application/json" {
			t.Errorf("event %+v", ev)
		}
		var body struct{ Number, Country string }
		if err := json.Unmarshal([]byte(ev.Body), &body); err != nil {
			t.Fatal(err)
		}
		got = append(got, body.Country+" "+body.Number)
	}
	slices.Sort(got)
	want := []string{"GB +442071230001", "US +14255550001", "US +14255550002"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("seeded %v, want %v", got, want)
	}
	hasProperties(t, "AWS::Lambda::Function", handler, map[string]any{
		"Handler": "index.handler", "Code": map[string]any{"ZipFile": seedHandler}})
	// lambda:InvokeFunction only on the admin function (and its versions),
	// but for the desktop backends' policy on agent-state
	// (TestFunctionURLInvokePermissions).
	n := 0
	for id, sts := range statements() {
		if strings.HasPrefix(id, "AgentStateInvokePolicy") || strings.HasPrefix(id, "EscalationSchedulerRole") { // TestAlertDesk
			continue
		}
		for _, st := range sts {
			if !slices.Contains(strList(st["Action"]), "lambda:InvokeFunction") || viaFunctionURL(st) {
				continue
			}
			res, ok := st["Resource"].([]any)
			if !ok {
				res = []any{st["Resource"]}
			}
			for _, r := range res {
				if getAtt(r, "Arn") != admin && !strings.Contains(fmt.Sprint(r), admin) && !strings.Contains(fmt.Sprint(r), handler) {
					t.Errorf("%s: invokes %v", id, r)
				}
			}
			n++
		}
	}
	if n == 0 {
		t.Error("no lambda:InvokeFunction statement for the seeding")
	}
}

// viaFunctionURL reports whether a statement allows invoking only through
// a Function URL (the audit role's), which a URL's IAM auth asks for beside
// lambda:InvokeFunctionUrl.
func viaFunctionURL(st map[string]any) bool {
	c, _ := st["Condition"].(map[string]any)
	b, _ := c["Bool"].(map[string]any)
	return b["lambda:InvokedViaFunctionUrl"] == true
}
