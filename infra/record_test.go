package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
)

// TestRecordTable: the record has a table of its own, kept (RETAIN,
// deletion protection, point-in-time recovery), keyed by call and
// sequence, with the by-day index the export reads and TTL for retention.
func TestRecordTable(t *testing.T) {
	key := func(name, typ string) map[string]any { return map[string]any{"AttributeName": name, "KeyType": typ} }
	typ := jsii.String("AWS::DynamoDB::Table")
	check(t, func() {
		template.ResourceCountIs(typ, jsii.Number(1))
		template.HasResource(typ, &map[string]any{"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
		template.HasResourceProperties(typ, &map[string]any{
			"KeySchema": assertions.Match_Exact([]any{key("callId", "HASH"), key("seq", "RANGE")}),
			"GlobalSecondaryIndexes": assertions.Match_Exact([]any{map[string]any{"IndexName": "byDay",
				"KeySchema":  []any{key("day", "HASH"), key("daySk", "RANGE")},
				"Projection": map[string]any{"ProjectionType": "ALL"}}}),
			"TimeToLiveSpecification":          map[string]any{"AttributeName": "ttl", "Enabled": true},
			"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
			"DeletionProtectionEnabled":        true,
			"SSESpecification":                 map[string]any{"SSEEnabled": true},
		})
	})
	env := environments(t)
	for _, f := range []string{functions.EmergencyRecord, functions.AuditAPI, functions.EmailNotification, functions.PresenceRestore} {
		if v := env[f]["MAYDAY_RECORD_TABLE"]; ref(v) != logicalID(t, "AWS::DynamoDB::Table", "RecordTable") {
			t.Errorf("%s: MAYDAY_RECORD_TABLE = %v, want the record table", f, v)
		}
	}
	if env[functions.EmergencyRecord]["MAYDAY_RECORD_RETENTION"] != "9600h" {
		t.Errorf("retention: %v", env[functions.EmergencyRecord]["MAYDAY_RECORD_RETENTION"])
	}
}

// environments is each function's environment variables.
func environments(t *testing.T) map[string]map[string]any {
	out := map[string]map[string]any{}
	for name, id := range functionIDs(t) {
		e, _ := resources[id].Properties["Environment"].(map[string]any)
		vars, _ := e["Variables"].(map[string]any)
		out[name] = vars
	}
	return out
}

// policyOf captures the statements of the one policy attached to role.
func policyOf(t *testing.T, role string) []map[string]any {
	t.Helper()
	stmts := assertions.NewCapture(nil)
	check(t, func() {
		template.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
			"Roles":          []any{refOf(role)},
			"PolicyDocument": map[string]any{"Statement": stmts},
		})
	})
	var out []map[string]any
	for _, s := range *stmts.AsArray() {
		out = append(out, s.(map[string]any))
	}
	return out
}

// onRecord reports whether a statement's resources name the record table.
func onRecord(t *testing.T, st map[string]any) bool {
	b, _ := json.Marshal(st["Resource"])
	return strings.Contains(string(b), logicalID(t, "AWS::DynamoDB::Table", "RecordTable"))
}

// TestRecordAppendOnly: the functions that write the record may put and
// query, never update or delete, and are explicitly denied both; the
// audit function may only query; the admin function has nothing on it;
// the audit role may invoke the audit URL and query, nothing else.
func TestRecordAppendOnly(t *testing.T) {
	fns := functionIDs(t)
	roleOf := func(fn string) string { return getAtt(resources[fns[fn]].Properties["Role"], "Arn") }
	auditRole := logicalID(t, "AWS::IAM::Role", "AuditRole")
	for _, tc := range []struct {
		who     string
		role    string
		allowed []string // on the record table; nil: nothing at all
	}{
		{functions.EmergencyRecord, roleOf(functions.EmergencyRecord), []string{"dynamodb:PutItem", "dynamodb:Query"}},
		{functions.EmailNotification, roleOf(functions.EmailNotification), []string{"dynamodb:PutItem", "dynamodb:Query"}},
		{functions.PresenceRestore, roleOf(functions.PresenceRestore), []string{"dynamodb:PutItem", "dynamodb:Query"}},
		{functions.AuditAPI, roleOf(functions.AuditAPI), []string{"dynamodb:Query"}},
		{"the audit role", auditRole, []string{"dynamodb:Query"}},
		{functions.AdminAPI, roleOf(functions.AdminAPI), nil},
		{functions.DialDetection, roleOf(functions.DialDetection), nil},
	} {
		t.Run(tc.who, func(t *testing.T) {
			var allowed []string
			denied := false
			for _, st := range policyOf(t, tc.role) {
				if !onRecord(t, st) {
					continue
				}
				acts := strList(st["Action"])
				if st["Effect"] == "Deny" {
					denied = slices.Contains(acts, "dynamodb:UpdateItem") && slices.Contains(acts, "dynamodb:DeleteItem") &&
						slices.Contains(acts, "dynamodb:BatchWriteItem")
					continue
				}
				allowed = append(allowed, acts...)
			}
			slices.Sort(allowed)
			if !slices.Equal(slices.Compact(allowed), tc.allowed) {
				t.Errorf("allowed on the record table: %v, want %v", allowed, tc.allowed)
			}
			if tc.allowed != nil && !denied {
				t.Error("no explicit Deny of UpdateItem, DeleteItem and BatchWriteItem on the record table")
			}
		})
	}
	// The audit URL is IAM-authorised (TestFunctionURLs), and the audit
	// role is who may call it.
	var invokes []string
	for _, st := range policyOf(t, auditRole) {
		if slices.Contains(strList(st["Action"]), "lambda:InvokeFunctionUrl") || slices.Contains(strList(st["Action"]), "lambda:InvokeFunction") {
			b, _ := json.Marshal(st["Resource"])
			invokes = append(invokes, string(b))
		}
	}
	if len(invokes) != 2 || !strings.Contains(strings.Join(invokes, " "), fns[functions.AuditAPI]) ||
		strings.Contains(strings.Join(invokes, " "), fns[functions.AdminAPI]) {
		t.Errorf("the audit role invokes %v, want the audit function (URL) only", invokes)
	}
	check(t, func() {
		template.HasOutput(jsii.String("AuditRoleArn"), &map[string]any{"Value": getAttOf(auditRole, "Arn")})
	})
}
