package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/settings"
)

// statements returns every IAM statement of the template: policies and
// inline role policies, with the logical id that holds it. The least-
// privilege checks walk them by hand: "no statement anywhere may ..." reads
// better as a loop than as matchers.
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

// strList is an IAM Action or Resource as a list (one string or many).
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
				case "dynamodb", "ses", "events", "secretsmanager", "lambda", "sqs", "sns", "geo":
					if slices.Contains(strList(st["Resource"]), "*") {
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
		// The admin function reads the Twilio token: testCfg has an account.
		// The email function signs alerts' links and webhook posts.
		if want := f.Name == functions.DialDetection || f.Name == functions.PriorityCallbackRouting || f.Name == functions.PresencePush || f.Name == functions.AdminAPI ||
			f.Name == functions.EmailNotification || f.Name == functions.AlertEscalation || f.Name == functions.AlertAck; secret != want {
			t.Errorf("%s: reads a secret = %v", f.Name, secret)
		}
		_, ses := acts["ses:SendEmail"]
		if ses != (f.Name == functions.EmailNotification || f.Name == functions.AlertEscalation) {
			t.Errorf("%s: ses:SendEmail = %v", f.Name, ses)
		}
		_, put := acts["events:PutEvents"]
		if publishes := f.reads(settings.Bus); put != publishes {
			t.Errorf("%s: events:PutEvents = %v, want it where the function reads %s (%v)", f.Name, put, settings.Bus.Env, publishes)
		}
		// Every function that reads the table's name may read its items;
		// the others touch only the stream or the record's table.
		if _, read := acts["dynamodb:GetItem"]; read != f.reads(settings.Table) {
			t.Errorf("%s: dynamodb:GetItem = %v, want it where the function reads %s", f.Name, read, settings.Table.Env)
		}
		for a := range acts {
			if strings.HasPrefix(a, "ses:") && a != "ses:SendEmail" {
				t.Errorf("%s: SES action %s", f.Name, a)
			}
		}
	}
	// ses:SendEmail: one statement, on the sender address and domain
	// identities, the template and the configuration set, nothing else.
	emailRole := roleOf(functions.EmailNotification)
	if n := len(actionsOf(emailRole)["ses:SendEmail"]); n != 1 {
		t.Errorf("%d ses:SendEmail statements for %s, want 1", n, functions.EmailNotification)
	}
	sesARN := func(resource string) map[string]any {
		return map[string]any{"Fn::Join": []any{"", []any{"arn:", refOf("AWS::Partition"), ":ses:", refOf("AWS::Region"), ":",
			refOf("AWS::AccountId"), ":" + resource}}}
	}
	check(t, func() {
		template.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
			"Roles": []any{refOf(emailRole)},
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectEquals(&map[string]any{
					"Sid":    "SendEmergencyNotification",
					"Effect": "Allow",
					"Action": "ses:SendEmail",
					"Resource": []any{
						sesARN("identity/mayday@contoso.com"),
						sesARN("identity/contoso.com"),
						sesARN("template/EmergencyCallNotification"),
						sesARN("configuration-set/mayday-events"),
					},
				}),
			})},
		})
	})
}
