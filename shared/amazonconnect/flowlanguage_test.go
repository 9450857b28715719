package amazonconnect_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mayday/mayday/shared/testkit/harness"
)

// flowReference is what the Amazon Connect Flow language reference allows
// per action type (testdata/connect/flow-language-reference.json): a
// flow that breaks it fails create-contact-flow with
// InvalidContactFlowException.
type flowReference struct {
	Operators []string
	Actions   map[string]struct {
		Required, Allowed, OneOf, Errors, FlowTypes []string
		ErrorsWhen                                  map[string]map[string]string
		Terminal, Conditions                        bool
		ConditionOperands, ConditionOperators       []string
	}
	Samples map[string]string // sample flow file -> its flow type
}

func readFlowReference(t *testing.T) flowReference {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(harness.TestdataDir(), "connect", "flow-language-reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref flowReference
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

// violations lists what in the flow (decoded generically, so that no field
// is lost) the reference does not allow in a flow of type flowType.
func (ref flowReference) violations(flow map[string]any, flowType string) []string {
	var out []string
	bad := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	actions, _ := flow["Actions"].([]any)
	for _, x := range actions {
		a, _ := x.(map[string]any)
		id, typ := a["Identifier"], fmt.Sprint(a["Type"])
		spec, ok := ref.Actions[typ]
		if !ok {
			bad("%s: action type %s is not in the reference table", id, typ)
			continue
		}
		if !slices.Contains(spec.FlowTypes, flowType) {
			bad("%s: %s is not allowed in a %s flow", id, typ, flowType)
		}
		params, _ := a["Parameters"].(map[string]any)
		for _, p := range spec.Required {
			if _, ok := params[p]; !ok {
				bad("%s: %s without parameter %s", id, typ, p)
			}
		}
		for p := range params {
			if !slices.Contains(spec.Allowed, p) {
				bad("%s: %s has no parameter %s", id, typ, p)
			}
		}
		if len(spec.OneOf) > 0 {
			n := 0
			for _, p := range spec.OneOf {
				if _, ok := params[p]; ok {
					n++
				}
			}
			if n != 1 {
				bad("%s: %s needs exactly one of %v", id, typ, spec.OneOf)
			}
		}
		tr, _ := a["Transitions"].(map[string]any)
		if spec.Terminal && len(tr) > 0 {
			bad("%s: %s is terminal: its Transitions must be empty", id, typ)
		}
		errs, _ := tr["Errors"].([]any)
		for _, e := range errs {
			et := fmt.Sprint(e.(map[string]any)["ErrorType"])
			if !slices.Contains(spec.Errors, et) {
				bad("%s: %s has no error %s (the reference lists %v)", id, typ, et, spec.Errors)
				continue
			}
			for p, want := range spec.ErrorsWhen[et] {
				if params[p] != want {
					bad("%s: %s takes error %s only with %s %q, not %v", id, typ, et, p, want, params[p])
				}
			}
		}
		conds, _ := tr["Conditions"].([]any)
		if len(conds) > 0 && !spec.Conditions {
			bad("%s: %s supports no conditions", id, typ)
		}
		for _, c := range conds {
			cond, _ := c.(map[string]any)["Condition"].(map[string]any)
			op := fmt.Sprint(cond["Operator"])
			ops := ref.Operators
			if spec.ConditionOperators != nil {
				ops = spec.ConditionOperators
			}
			if !slices.Contains(ops, op) {
				bad("%s: %s has no operator %s", id, typ, op)
			}
			operands, _ := cond["Operands"].([]any)
			for _, o := range operands {
				if spec.ConditionOperands != nil && !slices.Contains(spec.ConditionOperands, fmt.Sprint(o)) {
					bad("%s: %s has no condition operand %v", id, typ, o)
				}
			}
		}
	}
	return out
}

func readFlowMap(t *testing.T, file string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(harness.TestdataDir(), "..", "docs", "connect", file))
	if err != nil {
		t.Fatal(err)
	}
	var flow map[string]any
	if err := json.Unmarshal(raw, &flow); err != nil {
		t.Fatal(err)
	}
	return flow
}

// actionOf finds the first action of type typ in flow.
func actionOf(flow map[string]any, typ string) map[string]any {
	for _, x := range flow["Actions"].([]any) {
		if a := x.(map[string]any); a["Type"] == typ {
			return a
		}
	}
	return nil
}

// TestSampleFlowsFollowTheFlowLanguage: every action of the sample flows
// is one the reference allows in the flow's type, with the parameters it
// requires and only the error branches and conditions it lists; and the
// check catches each way a flow fails import that the samples once had or
// could easily get.
func TestSampleFlowsFollowTheFlowLanguage(t *testing.T) {
	ref := readFlowReference(t)
	files, _ := filepath.Glob(filepath.Join(harness.TestdataDir(), "..", "docs", "connect", "*.json"))
	for _, f := range files {
		if _, ok := ref.Samples[filepath.Base(f)]; !ok {
			t.Errorf("sample flow %s has no flow type in the reference table", filepath.Base(f))
		}
	}
	for file, flowType := range ref.Samples {
		t.Run(file, func(t *testing.T) {
			if v := ref.violations(readFlowMap(t, file), flowType); len(v) > 0 {
				t.Errorf("would not import as %s:\n%s", flowType, strings.Join(v, "\n"))
			}
		})
	}
	for _, tc := range []struct {
		name, file, action string
		mutate             func(a map[string]any)
		want               string
	}{
		{"an error branch on UpdateContactRoutingBehavior", "pool-inbound.json", "UpdateContactRoutingBehavior", func(a map[string]any) {
			a["Transitions"].(map[string]any)["Errors"] = []any{map[string]any{"NextAction": "keep-fallback", "ErrorType": "NoMatchingError"}}
		}, "UpdateContactRoutingBehavior has no error NoMatchingError"},
		{"CallFailed without ContinueFlowExecution", "pool-inbound.json", "TransferParticipantToThirdParty", func(a map[string]any) {
			a["Parameters"].(map[string]any)["ContinueFlowExecution"] = "False"
		}, `takes error CallFailed only with ContinueFlowExecution "True"`},
		{"a third-party transfer without its time limit", "callback-queue.json", "TransferParticipantToThirdParty", func(a map[string]any) {
			delete(a["Parameters"].(map[string]any), "ThirdPartyConnectionTimeLimitSeconds")
		}, "without parameter ThirdPartyConnectionTimeLimitSeconds"},
		{"both a queue and an agent", "pool-inbound.json", "UpdateContactTargetQueue", func(a map[string]any) {
			a["Parameters"].(map[string]any)["QueueId"] = "q"
		}, "needs exactly one of [QueueId AgentId]"},
		{"an unknown parameter", "outbound-whisper.json", "CompleteOutboundCall", func(a map[string]any) {
			a["Parameters"].(map[string]any)["CallerIdNumber"] = "$.External.callerId"
		}, "has no parameter CallerIdNumber"},
		{"an unknown action type", "outbound-whisper.json", "EndFlowExecution", func(a map[string]any) {
			a["Type"] = "EndFlow"
		}, "action type EndFlow is not in the reference table"},
		{"an end of flow in a customer queue flow (allowed)", "callback-queue.json", "DisconnectParticipant", func(a map[string]any) {
			a["Type"] = "EndFlowExecution"
			a["Transitions"] = map[string]any{}
		}, ""},
		{"a transfer to flow in a customer queue flow", "callback-queue.json", "DisconnectParticipant", func(a map[string]any) {
			a["Type"] = "TransferToFlow"
			a["Parameters"] = map[string]any{"ContactFlowId": "f"}
			a["Transitions"] = map[string]any{}
		}, "TransferToFlow is not allowed in a CUSTOMER_QUEUE flow"},
		{"transitions on a terminal action", "pool-inbound.json", "DisconnectParticipant", func(a map[string]any) {
			a["Transitions"] = map[string]any{"NextAction": "end"}
		}, "DisconnectParticipant is terminal"},
		{"an unknown operator", "outbound-whisper.json", "Compare", func(a map[string]any) {
			c := a["Transitions"].(map[string]any)["Conditions"].([]any)[0].(map[string]any)["Condition"].(map[string]any)
			c["Operator"] = "StartsWith"
		}, "Compare has no operator StartsWith"},
		{"a loop interrupted by anything but MessagesInterrupted", "callback-queue.json", "MessageParticipantIteratively", func(a map[string]any) {
			c := a["Transitions"].(map[string]any)["Conditions"].([]any)[0].(map[string]any)["Condition"].(map[string]any)
			c["Operands"] = []any{"Timeout"}
		}, "has no condition operand Timeout"},
		{"conditions on an action without results", "pool-inbound.json", "UpdateContactEventHooks", func(a map[string]any) {
			a["Transitions"].(map[string]any)["Conditions"] = []any{map[string]any{"NextAction": "end", "Condition": map[string]any{"Operator": "Equals", "Operands": []any{"x"}}}}
		}, "UpdateContactEventHooks supports no conditions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			flow := readFlowMap(t, tc.file)
			a := actionOf(flow, tc.action)
			if a == nil {
				t.Fatalf("%s has no %s", tc.file, tc.action)
			}
			tc.mutate(a)
			v := strings.Join(ref.violations(flow, ref.Samples[tc.file]), "\n")
			if tc.want == "" {
				// EndFlowExecution is allowed in a customer queue flow.
				if v != "" {
					t.Errorf("flagged an allowed change: %s", v)
				}
				return
			}
			if !strings.Contains(v, tc.want) {
				t.Errorf("got %q, want a violation containing %q", v, tc.want)
			}
		})
	}
}
