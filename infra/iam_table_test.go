package main

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/dynamostore"
)

// TestTableAccess: each function's role may do on the table exactly what
// functionTableAccess gives it: item actions on the table under a
// dynamodb:LeadingKeys condition naming its kinds of item, index actions on
// the named indexes only; no Scan but admin-api's of gsi3, no UpdateItem
// (the store writes with conditional Puts), no BatchWriteItem, the
// stream's read actions only for the outbox publisher; on the emergency
// record's table, what recordTableAccess gives. The Connect functions: in
// the Connect stack.
func TestTableAccess(t *testing.T) {
	_, connectRes := synthConnect(t)
	for _, c := range []struct {
		res   map[string]resource
		specs []functionSpec
	}{{resources, functionSpecs}, {connectRes, connectFunctionSpecs}} {
		fns := map[string]string{}
		for id, r := range c.res {
			if r.Type == "AWS::Lambda::Function" {
				for _, f := range c.specs {
					if regexp.MustCompile("^" + constructID(f.Name) + "[0-9A-F]{8}$").MatchString(id) {
						fns[f.Name] = id
					}
				}
			}
		}
		for _, f := range c.specs {
			t.Run(f.Name, func(t *testing.T) {
				id, ok := fns[f.Name]
				if !ok {
					t.Fatal("not deployed")
				}
				role := getAtt(c.res[id].Properties["Role"], "Arn")
				checkTableAccess(t, f.Name, tableAccessOf(t, c.res, role, "Table"), functionTableAccess[f.Name])
				checkTableAccess(t, f.Name, tableAccessOf(t, c.res, role, "RecordTable"), recordTableAccess[f.Name])
			})
		}
	}
}

// checkTableAccess compares a function's access to a table, read back from
// the template, with what it should be.
func checkTableAccess(t *testing.T, fn string, got, want tableAccess) {
	t.Helper()
	for _, a := range [...]struct {
		what      string
		got, want map[string][]string
	}{{"items", got.Items, want.Items}, {"indexes", got.Indexes, want.Indexes}} {
		for _, action := range slices.Sorted(maps.Keys(a.got)) {
			if w := slices.Sorted(slices.Values(a.want[action])); !slices.Equal(a.got[action], w) {
				t.Errorf("%s: %s on %q, want %q", a.what, action, a.got[action], w)
			}
			switch {
			case action == scan && (a.what == "items" || fn != functions.AdminAPI || !slices.Equal(a.got[action], []string{dynamostore.IndexPool})):
				t.Errorf("%s: dynamodb:Scan on %q", a.what, a.got[action])
			case !slices.Contains([]string{getItem, batchGetItem, putItem, deleteItem, query, scan}, action):
				t.Errorf("%s: %s, which the store never issues", a.what, action)
			}
		}
		if len(a.got) != len(a.want) {
			t.Errorf("%s: %v, want %v", a.what, a.got, a.want)
		}
	}
	if got.Stream != want.Stream {
		t.Errorf("reads the table's stream = %v, want %v", got.Stream, want.Stream)
	}
}

// tableAccessOf reads a role's DynamoDB statements on one table (by its
// logical id's prefix) back into a tableAccess: each statement on the
// table must carry the LeadingKeys condition (its kinds of item) unless it
// is on anyItem, each on an index none; Deny statements are left out (the
// record's, TestRecordAppendOnly); anything else fails the test.
func tableAccessOf(t *testing.T, res map[string]resource, role, table string) tableAccess {
	t.Helper()
	out := tableAccess{Items: map[string][]string{}, Indexes: map[string][]string{}}
	for id, r := range res {
		if r.Type != "AWS::IAM::Policy" || !slices.ContainsFunc(r.Properties["Roles"].([]any), func(v any) bool { return ref(v) == role }) {
			continue
		}
		sts, _ := r.Properties["PolicyDocument"].(map[string]any)["Statement"].([]any)
		for _, raw := range sts {
			st := raw.(map[string]any)
			if st["Effect"] == "Deny" {
				continue
			}
			var actions []string
			for _, a := range strList(st["Action"]) {
				if strings.HasPrefix(a, "dynamodb:") {
					actions = append(actions, a)
				}
			}
			if len(actions) == 0 {
				continue
			}
			resList, ok := st["Resource"].([]any)
			if !ok {
				resList = []any{st["Resource"]}
			}
			var kinds []string
			if cond, ok := st["Condition"].(map[string]any); ok {
				like, _ := cond["ForAllValues:StringLike"].(map[string]any)
				if len(cond) != 1 || len(like) != 1 {
					t.Errorf("%s: condition %v, want only ForAllValues:StringLike on dynamodb:LeadingKeys", id, cond)
				}
				for _, p := range strList(like["dynamodb:LeadingKeys"]) {
					kinds = append(kinds, strings.TrimSuffix(p, "*"))
				}
			}
			for _, rv := range resList {
				switch index := indexOf(rv, table); {
				case getAtt(rv, "StreamArn") != "" && table != "Table":
					// The operational table's stream.
				case getAtt(rv, "StreamArn") != "":
					if w := []string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}; !slices.Contains(w, actions[0]) ||
						slices.ContainsFunc(actions, func(a string) bool { return !slices.Contains(w, a) }) {
						t.Errorf("%s: %v on the stream, want only its read actions", id, actions)
					}
					out.Stream = true
				case onTable(getAtt(rv, "Arn"), table):
					if len(kinds) == 0 {
						kinds = []string{anyItem}
						if table == "Table" {
							t.Errorf("%s: %v on the table without dynamodb:LeadingKeys", id, actions)
						}
					}
					for _, a := range actions {
						out.Items[a] = append(out.Items[a], kinds...)
					}
				case index != "":
					if kinds != nil {
						t.Errorf("%s: dynamodb:LeadingKeys on index %s", id, index)
					}
					for _, a := range actions {
						out.Indexes[a] = append(out.Indexes[a], index)
					}
				case onTable(getAtt(rv, "Arn"), "Table") || onTable(getAtt(rv, "Arn"), "RecordTable") ||
					indexOf(rv, "Table") != "" || indexOf(rv, "RecordTable") != "":
					// The other table's.
				default:
					t.Errorf("%s: %v on %v", id, actions, rv)
				}
			}
		}
	}
	for _, m := range []map[string][]string{out.Items, out.Indexes} {
		for a := range m {
			slices.Sort(m[a])
			m[a] = slices.Compact(m[a])
		}
	}
	return out
}

// onTable reports whether a logical id is the table's ("Table": the
// operational table, "RecordTable": the emergency record's).
func onTable(id, table string) bool {
	return regexp.MustCompile("^" + table + "[0-9A-F]{8}$").MatchString(id)
}

// indexOf is the index a {"Fn::Join": ["", [<table>.Arn, "/index/<name>"]]}
// names, or "".
func indexOf(v any, table string) string {
	m, _ := v.(map[string]any)
	j, _ := m["Fn::Join"].([]any)
	if len(j) != 2 {
		return ""
	}
	parts, _ := j[1].([]any)
	if len(parts) != 2 || !onTable(getAtt(parts[0], "Arn"), table) {
		return ""
	}
	s, _ := parts[1].(string)
	name, ok := strings.CutPrefix(s, "/index/")
	if !ok || strings.ContainsAny(name, "*/") {
		return ""
	}
	return name
}
