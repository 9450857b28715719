package amazonconnect_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/amazonconnect"
	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/testkit/harness"
)

// flowDoc is Amazon Connect's flow language, as far as the checks go.
type flowDoc struct {
	Version     string
	StartAction string
	Actions     []struct {
		Identifier  string
		Type        string
		Parameters  map[string]any
		Transitions struct {
			NextAction string
			Errors     []struct{ NextAction, ErrorType string }
			Conditions []struct {
				NextAction string
				Condition  struct {
					Operator string
					Operands []string
				}
			}
		}
	}
}

func (d flowDoc) next(id string) []string {
	for _, a := range d.Actions {
		if a.Identifier != id {
			continue
		}
		var out []string
		if a.Transitions.NextAction != "" {
			out = append(out, a.Transitions.NextAction)
		}
		for _, e := range a.Transitions.Errors {
			out = append(out, e.NextAction)
		}
		for _, c := range a.Transitions.Conditions {
			out = append(out, c.NextAction)
		}
		return out
	}
	return nil
}

func (d flowDoc) typeOf(id string) string {
	for _, a := range d.Actions {
		if a.Identifier == id {
			return a.Type
		}
	}
	return ""
}

// reaches lists the action types reachable from id.
func (d flowDoc) reaches(id string) []string {
	seen, todo := map[string]bool{}, []string{id}
	var types []string
	for len(todo) > 0 {
		id, todo = todo[0], todo[1:]
		if seen[id] {
			continue
		}
		seen[id] = true
		types = append(types, d.typeOf(id))
		todo = append(todo, d.next(id)...)
	}
	return types
}

var externalRef = regexp.MustCompile(`\$\.External\.([A-Za-z]+)`)

// TestSampleFlows: the sample contact flows under docs/connect/ are flow
// language documents whose transitions all lead somewhere; each invokes
// connect-flow (synchronously, within Connect's 8 s, expecting a string
// map) with its action; every $.External attribute they read is one the
// function answers for that action; and a failed invocation still places
// the emergency call (outbound) or reaches a person (inbound).
func TestSampleFlows(t *testing.T) {
	store := inmem.NewStore()
	f := newFixture(t, store, store)
	answers := map[string]map[string]string{}
	for action, fixture := range map[string]string{amazonconnect.ActionDial: "flow-dial", amazonconnect.ActionInbound: "flow-inbound"} {
		got, err := invoke(t, f.flow, event(t, fixture, nil, "", ""))
		if err != nil {
			t.Fatal(err)
		}
		answers[action] = got
	}
	for file, want := range map[string]struct {
		action  string
		params  []string
		onError string // an action type the Lambda error branch must reach
	}{
		"outbound-whisper.json": {amazonconnect.ActionDial, []string{"action", "agentId", "country"}, "CompleteOutboundCall"},
		"pool-inbound.json":     {amazonconnect.ActionInbound, []string{"action"}, "TransferParticipantToThirdParty"},
	} {
		t.Run(file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(harness.TestdataDir(), "..", "docs", "connect", file))
			if err != nil {
				t.Fatal(err)
			}
			var doc flowDoc
			dec := json.NewDecoder(strings.NewReader(string(raw)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&doc); err != nil {
				t.Fatalf("not a flow language document: %v", err)
			}
			if doc.Version != "2019-10-30" || doc.typeOf(doc.StartAction) == "" {
				t.Fatalf("version %q, start %q", doc.Version, doc.StartAction)
			}
			ids := map[string]bool{}
			for _, a := range doc.Actions {
				if ids[a.Identifier] {
					t.Errorf("action %s twice", a.Identifier)
				}
				ids[a.Identifier] = true
			}
			for _, a := range doc.Actions {
				for _, n := range doc.next(a.Identifier) {
					if !ids[n] {
						t.Errorf("%s leads to unknown action %q", a.Identifier, n)
					}
				}
			}
			invokes := 0
			for _, a := range doc.Actions {
				if a.Type != "InvokeLambdaFunction" {
					continue
				}
				invokes++
				p := a.Parameters
				if arn, _ := p["LambdaFunctionARN"].(string); !strings.HasSuffix(arn, ":function:"+functions.ConnectFlow) {
					t.Errorf("%s invokes %q", a.Identifier, arn)
				}
				if s, _ := p["InvocationTimeLimitSeconds"].(string); func() bool { n, err := strconv.Atoi(s); return err != nil || n < 4 || n > 8 }() {
					t.Errorf("%s: time limit %q, want 4 to 8 s (the function answers within %s)", a.Identifier, s, amazonconnect.Budget)
				}
				if p["InvocationType"] != "SYNCHRONOUS" || p["ResponseValidation"].(map[string]any)["ResponseType"] != "STRING_MAP" {
					t.Errorf("%s: %v", a.Identifier, p)
				}
				attrs, _ := p["LambdaInvocationAttributes"].(map[string]any)
				var keys []string
				for k := range attrs {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				if attrs["action"] != want.action || !slices.Equal(keys, want.params) {
					t.Errorf("%s passes %v, want action %s and %v", a.Identifier, attrs, want.action, want.params)
				}
				errBranch := ""
				for _, e := range a.Transitions.Errors {
					errBranch = e.NextAction
				}
				if !slices.Contains(doc.reaches(errBranch), want.onError) {
					t.Errorf("a failed invocation (%s) never reaches %s", errBranch, want.onError)
				}
			}
			if invokes != 1 {
				t.Errorf("%d invocations of connect-flow, want 1", invokes)
			}
			for _, m := range externalRef.FindAllStringSubmatch(string(raw), -1) {
				if _, ok := answers[want.action][m[1]]; !ok {
					t.Errorf("the flow reads $.External.%s, which action=%s does not answer (%v)", m[1], want.action, answers[want.action])
				}
			}
		})
	}
}
