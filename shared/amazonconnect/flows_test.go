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
	Actions     []flowAction
}

type flowAction struct {
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

func (d flowDoc) typeOf(id string) string { return d.action(id).Type }

// reaches lists the action types reachable from id.
func (d flowDoc) reaches(id string) []string {
	var types []string
	for _, id := range d.reachableIDs(id) {
		types = append(types, d.typeOf(id))
	}
	return types
}

var externalRef = regexp.MustCompile(`\$\.External\.([A-Za-z]+)`)

// attributeRef is a contact attribute a flow reads.
var attributeRef = regexp.MustCompile(`\$\.Attributes\.([A-Za-z]+)`)

func (d flowDoc) action(id string) flowAction {
	for _, a := range d.Actions {
		if a.Identifier == id {
			return a
		}
	}
	return flowAction{}
}

// path reports whether from leads to to through an action of type via
// whose parameters satisfy ok.
func (d flowDoc) path(from, via string, ok func(map[string]any) bool, to string) bool {
	for _, x := range d.Actions {
		if x.Type == via && ok(x.Parameters) && slices.Contains(d.reachableIDs(from), x.Identifier) &&
			slices.Contains(d.reachableIDs(x.Identifier), to) {
			return true
		}
	}
	return false
}

func (d flowDoc) reachableIDs(id string) []string {
	seen, todo := map[string]bool{}, []string{id}
	var ids []string
	for len(todo) > 0 {
		id, todo = todo[0], todo[1:]
		if seen[id] {
			continue
		}
		seen[id] = true
		ids = append(ids, id)
		todo = append(todo, d.next(id)...)
	}
	return ids
}

func readFlow(t *testing.T, file string) (flowDoc, string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(harness.TestdataDir(), "..", "docs", "connect", file))
	if err != nil {
		t.Fatal(err)
	}
	var doc flowDoc
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("%s: not a flow language document: %v", file, err)
	}
	return doc, string(raw)
}

func attr(name, value string) func(map[string]any) bool {
	return func(p map[string]any) bool {
		attrs, _ := p["Attributes"].(map[string]any)
		return attrs[name] == value
	}
}

// TestSampleFlows: the sample contact flows under docs/connect/ are flow
// language documents whose transitions all lead somewhere; the outbound and
// the inbound one invoke connect-flow (synchronously, within Connect's 8 s,
// expecting a string map) with their action; every $.External attribute
// they read is one the function answers for that action, every contact
// attribute the queue flow reads one the inbound flow sets; and a failed
// invocation still places the emergency call (outbound) or reaches a
// person (inbound).
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
	files, err := filepath.Glob(filepath.Join(harness.TestdataDir(), "..", "docs", "connect", "*.json"))
	if err != nil || len(files) != 3 {
		t.Fatalf("sample flows %q (%v), want the outbound whisper, the pool inbound and the callback queue flow", files, err)
	}
	set := map[string]bool{} // contact attributes the flows set
	for _, file := range files {
		doc, _ := readFlow(t, filepath.Base(file))
		for _, a := range doc.Actions {
			if a.Type == "UpdateContactAttributes" {
				for k := range a.Parameters["Attributes"].(map[string]any) {
					set[k] = true
				}
			}
		}
	}
	for file, want := range map[string]struct {
		action  string // "": no invocation
		params  []string
		onError string // an action type the Lambda error branch must reach
	}{
		"outbound-whisper.json": {amazonconnect.ActionDial, []string{"action", "agentId", "country"}, "CompleteOutboundCall"},
		"pool-inbound.json":     {amazonconnect.ActionInbound, []string{"action"}, "TransferParticipantToThirdParty"},
		"callback-queue.json":   {},
	} {
		t.Run(file, func(t *testing.T) {
			doc, raw := readFlow(t, file)
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
			if wantInvokes := map[bool]int{true: 1, false: 0}[want.action != ""]; invokes != wantInvokes {
				t.Errorf("%d invocations of connect-flow, want %d", invokes, wantInvokes)
			}
			for _, m := range externalRef.FindAllStringSubmatch(raw, -1) {
				if _, ok := answers[want.action][m[1]]; !ok {
					t.Errorf("the flow reads $.External.%s, which action=%s does not answer (%v)", m[1], want.action, answers[want.action])
				}
			}
			for _, m := range attributeRef.FindAllStringSubmatch(raw, -1) {
				if !set[m[1]] {
					t.Errorf("the flow reads $.Attributes.%s, which no sample flow sets", m[1])
				}
			}
		})
	}
}

// TestWhisperFlowSetsTheCivicAddress: the outbound whisper flow sets the
// contact attribute CivicAddress from the answer before "Call phone number"
// presents Mayday's caller ID, so the emergency call carries its address.
func TestWhisperFlowSetsTheCivicAddress(t *testing.T) {
	doc, _ := readFlow(t, "outbound-whisper.json")
	var success, call string
	for _, a := range doc.Actions {
		switch {
		case a.Type == "InvokeLambdaFunction":
			success = a.Transitions.NextAction
		case a.Type == "CompleteOutboundCall" && a.Parameters["CallerId"] != nil:
			call = a.Identifier
		}
	}
	if !doc.path(success, "UpdateContactAttributes", attr("CivicAddress", "$.External.civicAddress"), call) {
		t.Errorf("no action between the answer (%s) and the call (%s) sets CivicAddress from $.External.civicAddress", success, call)
	}
}

// TestCallbackQueueTimeout: on the way to the agent's queue the inbound
// flow keeps the fallback and sets the customer queue flow, which hands a
// callback nobody answered within 30 s to the fallback's number.
func TestCallbackQueueTimeout(t *testing.T) {
	in, _ := readFlow(t, "pool-inbound.json")
	queue, _ := readFlow(t, "callback-queue.json")
	var toAgent string
	for _, a := range in.Actions {
		if a.Type == "TransferContactToQueue" {
			toAgent = a.Identifier
		}
	}
	route := "route"
	if !in.path(route, "UpdateContactAttributes", attr("maydayFallback", "$.External.fallback"), toAgent) {
		t.Errorf("the inbound flow does not keep $.External.fallback as maydayFallback before %s", toAgent)
	}
	if !in.path(route, "UpdateContactEventHooks", func(p map[string]any) bool {
		hooks, _ := p["EventHooks"].(map[string]any)
		arn, _ := hooks["CustomerQueue"].(string)
		return strings.Contains(arn, ":instance/") && strings.Contains(arn, "/contact-flow/")
	}, toAgent) {
		t.Errorf("the inbound flow sets no customer queue flow before %s", toAgent)
	}
	start := queue.action(queue.StartAction)
	if start.Type != "MessageParticipantIteratively" || start.Parameters["InterruptFrequencySeconds"] != "30" {
		t.Fatalf("the queue flow starts with %s %v, want a 30 s interruptible loop", start.Type, start.Parameters)
	}
	var interrupted string
	for _, c := range start.Transitions.Conditions {
		if c.Condition.Operator == "Equals" && slices.Equal(c.Condition.Operands, []string{"MessagesInterrupted"}) {
			interrupted = c.NextAction
		}
	}
	next := queue.action(interrupted)
	if next.Type != "TransferParticipantToThirdParty" || next.Parameters["ThirdPartyPhoneNumber"] != "$.Attributes.maydayFallback" {
		t.Errorf("after 30 s the queue flow goes to %s %v, want a transfer to $.Attributes.maydayFallback", next.Type, next.Parameters)
	}
}
