package main

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// TestCallbackPoolSeeding: one custom resource per number of the pool, each
// invoking the admin function with the Function URL event of POST
// /v1/callback-numbers for that number; the custom resources may invoke
// the admin function and nothing else.
func TestCallbackPoolSeeding(t *testing.T) {
	admin := functionIDs(t)[fnAdmin]
	// Create is a Fn::Join of JSON around the function name's Ref.
	parts := assertions.NewCapture(nil)
	check(t, func() {
		template.ResourceCountIs(jsii.String("Custom::AWS"), jsii.Number(float64(len(testCfg.CallbackPool))))
		template.AllResourcesProperties(jsii.String("Custom::AWS"), &map[string]any{
			"Create": map[string]any{"Fn::Join": []any{"", parts}}})
	})
	var got []string
	for more := true; more; more = *parts.Next() {
		var js strings.Builder
		for _, p := range *parts.AsArray() {
			if s, ok := p.(string); ok {
				js.WriteString(s)
			} else if ref(p) == admin {
				js.WriteString("ADMIN")
			} else {
				t.Fatalf("unexpected token %v", p)
			}
		}
		var call struct {
			Service, Action string
			Parameters      struct{ FunctionName, Payload string }
		}
		if err := json.Unmarshal([]byte(js.String()), &call); err != nil {
			t.Fatalf("%v in %s", err, js.String())
		}
		if call.Service != "Lambda" || call.Action != "Invoke" || call.Parameters.FunctionName != "ADMIN" {
			t.Errorf("%+v", call)
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
	// The seeding policies: lambda:InvokeFunction on the admin function only.
	n := 0
	for id, sts := range statements() {
		for _, st := range sts {
			if !slices.Contains(strList(st["Action"]), "lambda:InvokeFunction") {
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
