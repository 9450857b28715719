package events_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"quamina.net/go/quamina"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/events/eventstest"
	"github.com/mayday/mayday/functions"
)

// routes is the chain each pattern rule is meant to implement: the fixtures
// it delivers to its target.
var routes = map[string][]string{
	"lease-on-emergency-call":  {"emergency-call-started"},
	"notify-on-lease":          {"callback-lease-allocated", "callback-lease-unavailable", "emergency-test-call"},
	"restore-on-emergency-end": {"emergency-call-ended"},
	"history-on-call-end":      {"call-ended"},
	"alarm-on-operator-events": {"callback-pool-exhausted", "emergency-dial-unsupported", "emergency-location-unknown-site",
		"emergency-dial-location-unknown", "emergency-dial-unknown-agent", "presence-watchdog-restored"},
	"audit-callbacks-and-expiry": {"emergency-callback-routed", "callback-lease-expired"},
	"push-presence-to-platform":  {"emergency-call-started", "emergency-callback-routed", "emergency-call-ended", "presence-watchdog-restored"},
	"record-emergency-events": {"emergency-call-started", "callback-lease-allocated", "callback-lease-unavailable",
		"callback-pool-exhausted", "emergency-callback-routed", "emergency-call-ended", "callback-lease-expired",
		"presence-watchdog-restored", "emergency-location-unknown-site", "emergency-alert-acknowledged", "emergency-alert-escalated"},
}

// pattern is the shape of every rule pattern: source and detail-type only.
type pattern struct {
	Source     []string `json:"source"`
	DetailType []string `json:"detail-type"`
}

func parsePattern(t *testing.T, r events.Rule) pattern {
	t.Helper()
	var p pattern
	if err := eventstest.Strict([]byte(r.Pattern), &p); err != nil {
		t.Fatalf("rule %s: pattern %s: %v", r.Name, r.Pattern, err)
	}
	return p
}

// TestPatternsMatchTheirFixtures runs every fixture through every pattern
// with quamina, as the local bus does: each rule matches the fixtures of the
// detail-types it names, and no others.
func TestPatternsMatchTheirFixtures(t *testing.T) {
	q, err := quamina.New()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{} // fixture → rules
	for _, r := range events.Rules {
		if r.Pattern == "" || r.Bus == events.DefaultBus { // AWS services' events: TestConnectRule
			continue
		}
		if err := q.AddPattern(r.Name, r.Pattern); err != nil {
			t.Fatalf("rule %s: %v", r.Name, err)
		}
		named, ok := routes[r.Name]
		if !ok {
			t.Errorf("rule %s is not in the routes table", r.Name)
		}
		p := parsePattern(t, r)
		if !slices.Equal(p.Source, []string{events.Source}) {
			t.Errorf("rule %s: source %q, want [%q]", r.Name, p.Source, events.Source)
		}
		var types []string
		for _, name := range named {
			types = append(types, eventstest.Load(t, name).DetailType)
			want[name] = append(want[name], r.Name)
		}
		if !slices.Equal(p.DetailType, types) {
			t.Errorf("rule %s names detail-types %q, want %q", r.Name, p.DetailType, types)
		}
	}
	for name := range routes {
		if !slices.ContainsFunc(events.Rules, func(r events.Rule) bool { return r.Name == name && r.Pattern != "" && r.Bus == "" }) {
			t.Errorf("routes table names %s, not a pattern rule", name)
		}
	}
	for _, name := range eventstest.Names() {
		matches, err := q.MatchesForEvent(eventstest.Bytes(t, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got []string
		for _, m := range matches {
			got = append(got, m.(string))
		}
		slices.Sort(got)
		slices.Sort(want[name])
		if !slices.Equal(got, want[name]) {
			t.Errorf("%s matches rules %q, want %q", name, got, want[name])
		}
	}
}

var scheduleExpr = regexp.MustCompile(`^(rate\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$`)

func TestEachRuleHasAPatternOrASchedule(t *testing.T) {
	names := map[string]bool{}
	var scheduled []events.Rule
	for _, r := range events.Rules {
		if names[r.Name] {
			t.Errorf("rule name %s is used twice", r.Name)
		}
		names[r.Name] = true
		if r.Target == "" || r.Description == "" {
			t.Errorf("rule %s: target %q, description %q", r.Name, r.Target, r.Description)
		}
		if (r.Pattern == "") == (r.Schedule == "") {
			t.Errorf("rule %s: pattern %q, schedule %q; want exactly one", r.Name, r.Pattern, r.Schedule)
		}
		if r.Schedule != "" {
			scheduled = append(scheduled, r)
			if !scheduleExpr.MatchString(r.Schedule) {
				t.Errorf("rule %s: %q is not an EventBridge schedule expression", r.Name, r.Schedule)
			}
		}
	}
	if len(scheduled) != 1 || scheduled[0].Name != "expire-leases" || scheduled[0].Schedule != events.SweepSchedule ||
		scheduled[0].Target != functions.LeaseExpiry {
		t.Errorf("scheduled rules = %+v, want expire-leases on %s to %s", scheduled, events.SweepSchedule, functions.LeaseExpiry)
	}
}

// TestFunctionSamplesAreFixtures: the event.json beside each Lambda a rule
// targets is, byte for byte, the fixture of the first detail-type its rule
// names (the scheduled event for a schedule rule), so samples cannot drift.
func TestFunctionSamplesAreFixtures(t *testing.T) {
	byType := map[string]string{} // "source/detail-type" → fixture
	for _, name := range eventstest.Names() {
		e := eventstest.Load(t, name)
		byType[e.Source+"/"+e.DetailType] = name
	}
	checked := 0
	for _, r := range events.Rules {
		dir := filepath.Join("..", "functions", r.Target)
		if r.Bus == events.DefaultBus {
			continue // AWS services' events: TestConnectRule
		}
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			t.Logf("target %s of rule %s is not a Lambda function here: no sample", r.Target, r.Name)
			continue
		}
		key := events.ScheduleSource + "/" + events.ScheduledEvent
		if r.Pattern != "" {
			key = events.Source + "/" + parsePattern(t, r).DetailType[0]
		}
		fixture, ok := byType[key]
		if !ok {
			t.Fatalf("rule %s: no fixture for %s", r.Name, key)
		}
		sample, err := os.ReadFile(filepath.Join(dir, "event.json"))
		if err != nil {
			t.Errorf("function %s has no sample event: copy events/testdata/%s.json to functions/%s/event.json", r.Target, fixture, r.Target)
			continue
		}
		if !bytes.Equal(sample, eventstest.Bytes(t, fixture)) {
			t.Errorf("functions/%s/event.json differs from events/testdata/%s.json: copy it again", r.Target, fixture)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no function samples found under ../functions")
	}
}

// Every target is a function (of functions.All, each a directory under
// functions/) or one of the log-group targets: a deployment leaves out rules
// whose target it lacks, so a misspelt target would otherwise only go
// missing.
func TestTargetsExist(t *testing.T) {
	for _, r := range events.Rules {
		if r.Target == events.TargetOperatorAlarm || r.Target == events.TargetAudit {
			continue
		}
		if _, ok := functions.Get(r.Target); !ok {
			t.Errorf("rule %s: target %q is neither a function nor a log group", r.Name, r.Target)
		}
	}
}

// RulesTo leaves out exactly the rules whose target is not there, and
// Connect's rule with no instance to narrow it to.
func TestRulesTo(t *testing.T) {
	all := events.RulesTo(func(string) bool { return true }, fixtureInstance)
	if len(all) != len(events.Rules) {
		t.Errorf("every target there: %d rules, want %d", len(all), len(events.Rules))
	}
	noInstance := events.RulesTo(func(string) bool { return true }, "")
	if slices.ContainsFunc(noInstance, func(r events.Rule) bool { return r.Bus == events.DefaultBus && r.Pattern != "" }) ||
		len(noInstance) != len(events.Rules)-1 {
		t.Errorf("no Connect instance: %v, want every rule but Connect's", noInstance)
	}
	noPush := events.RulesTo(func(target string) bool { return target != functions.PresencePush }, fixtureInstance)
	if slices.ContainsFunc(noPush, func(r events.Rule) bool { return r.Target == functions.PresencePush }) {
		t.Errorf("without presence push: %v", noPush)
	}
	if want := len(events.Rules) - 1; len(noPush) != want {
		t.Errorf("without presence push: %d rules, want %d", len(noPush), want)
	}
}
