package events_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/events/eventstest"
)

// scheduledDetail is the detail of EventBridge's "Scheduled Event": always
// empty.
type scheduledDetail struct{}

// fixtures maps every fixture under testdata/ to its envelope and the Go
// type of its detail.
var fixtures = []struct {
	name       string
	source     string
	detailType string
	detail     func() any // a pointer to a zero detail
}{
	{"emergency-call-started", events.Source, events.EmergencyCallStarted, func() any { return new(events.EmergencyCallStartedDetail) }},
	{"callback-lease-allocated", events.Source, events.CallbackLeaseAllocated, func() any { return new(events.CallbackLeaseDetail) }},
	{"callback-lease-unavailable", events.Source, events.CallbackLeaseUnavailable, func() any { return new(events.CallbackLeaseDetail) }},
	{"emergency-call-ended", events.Source, events.EmergencyCallEnded, func() any { return new(events.CallEndedDetail) }},
	{"call-ended", events.Source, events.CallEnded, func() any { return new(events.CallEndedDetail) }},
	{"emergency-callback-routed", events.Source, events.EmergencyCallbackRouted, func() any { return new(events.CallbackRoutedDetail) }},
	{"callback-lease-expired", events.Source, events.CallbackLeaseExpired, func() any { return new(events.LeaseExpiredDetail) }},
	{"callback-pool-exhausted", events.Source, events.CallbackPoolExhausted, func() any { return new(events.PoolExhaustedDetail) }},
	{"emergency-dial-unsupported", events.Source, events.EmergencyDialUnsupported, func() any { return new(events.DialUnsupportedDetail) }},
	{"emergency-location-unknown-site", events.Source, events.EmergencyLocationUnknownSite, func() any { return new(events.LocationUnknownDetail) }},
	{"emergency-dial-location-unknown", events.Source, events.EmergencyDialLocationUnknown, func() any { return new(events.LocationUnknownDetail) }},
	{"emergency-dial-unknown-agent", events.Source, events.EmergencyDialUnknownAgent, func() any { return new(events.LocationUnknownDetail) }},
	{"emergency-test-call", events.Source, events.EmergencyTestCall, func() any { return new(events.EmergencyCallStartedDetail) }},
	{"presence-watchdog-restored", events.Source, events.PresenceWatchdogRestored, func() any { return new(events.WatchdogRestoredDetail) }},
	{"emergency-alert-acknowledged", events.Source, events.EmergencyAlertAcknowledged, func() any { return new(events.AlertDetail) }},
	{"emergency-alert-escalated", events.Source, events.EmergencyAlertEscalated, func() any { return new(events.AlertDetail) }},
	{"scheduled-event", events.ScheduleSource, events.ScheduledEvent, func() any { return new(scheduledDetail) }},
}

// variants are details that one fixture per detail-type cannot show, pinned
// the same way as the fixtures' details.
var variants = []struct {
	name   string
	detail func() any
	json   string
}{
	// A callback to a number with no live lease goes to the fallback
	// destination: target is set and there is no agent.
	{"emergency-callback-routed to the fallback", func() any { return new(events.CallbackRoutedDetail) },
		`{"callId":"c-7","callbackNumber":"+14255550002","route":"fallback","target":"security-desk","routedAt":"2026-11-22T23:00:00Z"}`},
	// A dial that could not lease in time presented the site's emergency
	// callback number, and says why.
	{"emergency-call-started presenting the ECBN", func() any { return new(events.EmergencyCallStartedDetail) },
		`{"callId":"c-8","agentId":"a-1","dialedNumber":"911","emergencyNumber":"911","country":"US","startedAt":"2026-11-22T21:00:00Z","presenceApplied":false,"siteId":"sea","callerId":"+14255550100","callerIdSource":"ecbn","fallback":"store-unavailable"}`},
}

var account = regexp.MustCompile(`^[0-9]{12}$`)

func TestFixturesRoundTrip(t *testing.T) {
	for _, tc := range fixtures {
		t.Run(tc.name, func(t *testing.T) {
			e := eventstest.Load(t, tc.name) // unknown envelope fields fail here
			if e.Source != tc.source || e.DetailType != tc.detailType {
				t.Fatalf("source %q, detail-type %q; want %q, %q", e.Source, e.DetailType, tc.source, tc.detailType)
			}
			if e.Version != "0" || e.ID == "" || !account.MatchString(e.AccountID) || e.Region == "" ||
				e.Time.IsZero() || e.Resources == nil {
				t.Fatalf("envelope not filled in as EventBridge does: %+v", e)
			}
			env, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			assertSameJSON(t, "envelope", env, eventstest.Bytes(t, tc.name))
			roundTrip(t, tc.detail(), e.Detail)
		})
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) { roundTrip(t, v.detail(), []byte(v.json)) })
	}
}

// roundTrip decodes detail strictly into ptr (a renamed or removed field
// fails) and encodes it again (an added field fails).
func roundTrip(t *testing.T, ptr any, detail []byte) {
	t.Helper()
	if err := eventstest.Strict(detail, ptr); err != nil {
		t.Fatalf("detail into %T: %v", ptr, err)
	}
	out, err := json.Marshal(ptr)
	if err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, "detail", out, detail)
}

func assertSameJSON(t *testing.T, what string, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s does not round-trip:\n got %s\nwant %s", what, compact(got), compact(want))
	}
}

func compact(b []byte) string {
	var v any
	_ = json.Unmarshal(b, &v)
	out, _ := json.Marshal(v)
	return string(out)
}

// TestEveryDetailTypeHasOneFixture reads the detail-type constants from
// events.go itself, so adding one without a fixture fails here.
func TestEveryDetailTypeHasOneFixture(t *testing.T) {
	consts := detailTypeConstants(t)
	if len(consts) == 0 {
		t.Fatal("no detail-type constants found in events.go")
	}
	files := map[string][]string{} // detail-type → fixtures
	for _, name := range eventstest.Names() {
		e := eventstest.Load(t, name)
		key := e.DetailType
		if e.Source != events.Source {
			key = e.Source + ": " + e.DetailType
		}
		files[key] = append(files[key], name)
	}
	for name, dt := range consts {
		if got := files[dt]; len(got) != 1 {
			t.Errorf("detail-type %s (%q) has fixtures %q, want exactly one", name, dt, got)
		}
	}
	known := append(slices.Collect(maps.Values(consts)), events.ScheduleSource+": "+events.ScheduledEvent)
	for key, names := range files {
		if !slices.Contains(known, key) {
			t.Errorf("fixtures %q have detail-type %q, not a constant of package events", names, key)
		}
	}
	var tabled []string
	for _, tc := range fixtures {
		tabled = append(tabled, tc.name)
	}
	slices.Sort(tabled)
	if names := eventstest.Names(); !slices.Equal(tabled, names) {
		t.Errorf("fixtures on disk %q, round-tripped %q: every fixture needs a row in the table", names, tabled)
	}
}

// detailTypeConstants returns the string constants declared in events.go,
// other than Source, by name.
func detailTypeConstants(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "events.go", nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if n.Name == "Source" || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Fatalf("events.go: constant %s is not a string literal", n.Name)
				}
				v, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				out[n.Name] = v
			}
		}
	}
	return out
}

// TestEveryDetailFieldIsPinned: each JSON field of each detail type appears
// in a fixture or a variant, so an omitempty field cannot slip by the
// round trip unpinned.
func TestEveryDetailFieldIsPinned(t *testing.T) {
	seen := map[reflect.Type]map[string]bool{}
	note := func(ptr any, detail []byte) {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(detail, &m); err != nil {
			t.Fatal(err)
		}
		typ := reflect.TypeOf(ptr).Elem()
		if seen[typ] == nil {
			seen[typ] = map[string]bool{}
		}
		for k := range m {
			seen[typ][k] = true
		}
	}
	for _, tc := range fixtures {
		note(tc.detail(), eventstest.Load(t, tc.name).Detail)
	}
	for _, v := range variants {
		note(v.detail(), []byte(v.json))
	}
	for typ, keys := range seen {
		for _, k := range jsonFields(typ) {
			if !keys[k] {
				t.Errorf("%s: field %q is in no fixture", typ, k)
			}
		}
	}
}

// jsonFields lists the JSON names of a struct's fields, with embedded
// structs flattened as encoding/json does.
func jsonFields(typ reflect.Type) []string {
	var out []string
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || !f.IsExported():
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			out = append(out, jsonFields(f.Type)...)
		case name == "":
			out = append(out, f.Name)
		default:
			out = append(out, name)
		}
	}
	return out
}

// TestCallbackLeaseDetailIsFlat pins that CallbackLeaseDetail embeds the
// started detail untagged, so its fields sit at the top level of the detail
// next to callbackNumber, not under a nested object.
func TestCallbackLeaseDetailIsFlat(t *testing.T) {
	started := eventstest.Detail[events.EmergencyCallStartedDetail](t, "emergency-call-started")
	allocated := eventstest.Detail[events.CallbackLeaseDetail](t, "callback-lease-allocated")
	if !reflect.DeepEqual(allocated.EmergencyCallStartedDetail, started) {
		t.Errorf("the allocated lease carries %+v, want the started call's detail %+v", allocated.EmergencyCallStartedDetail, started)
	}
	if allocated.CallbackNumber == "" || allocated.CallbackExpiresAt == nil || allocated.Reason != "" {
		t.Errorf("allocated lease = %+v", allocated)
	}
	unavailable := eventstest.Detail[events.CallbackLeaseDetail](t, "callback-lease-unavailable")
	if unavailable.CallID == "" || unavailable.CallbackNumber != "" || unavailable.CallbackExpiresAt != nil || unavailable.Reason == "" {
		t.Errorf("unavailable lease = %+v", unavailable)
	}

	b, err := json.Marshal(events.CallbackLeaseDetail{
		EmergencyCallStartedDetail: events.EmergencyCallStartedDetail{CallID: "c-1", AgentID: "a-1"},
		CallbackNumber:             "+14255550001",
	})
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]any
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"callId", "agentId", "dialedNumber", "emergencyNumber", "country", "startedAt", "presenceApplied", "callbackNumber"} {
		if _, ok := top[k]; !ok {
			t.Errorf("%q is not at the top level of %s", k, b)
		}
	}
	for k, v := range top {
		if _, nested := v.(map[string]any); nested {
			t.Errorf("%q is a nested object in %s", k, b)
		}
	}
}
