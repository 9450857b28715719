package events_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"quamina.net/go/quamina"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/events/eventstest"
	"github.com/mayday/mayday/functions"
)

// fixtureInstance is the instance of the Connect fixtures.
const fixtureInstance = "arn:aws:connect:us-west-2:111122223333:instance/aaaaaaaa-bbbb-cccc-dddd-111111111111"

// TestConnectRule: the Connect rule listens on the default bus and matches
// exactly the disconnected voice contacts of the deployment's instance
// among Connect's contact events (fixtures shaped after AWS's examples,
// under testdata/connect/), and none of Mayday's own events; connect-events'
// sample is that fixture.
func TestConnectRule(t *testing.T) {
	var rules []events.Rule
	for _, r := range events.RulesTo(func(string) bool { return true }, fixtureInstance) {
		if r.Bus == events.DefaultBus {
			rules = append(rules, r)
		}
	}
	if len(rules) != 1 || rules[0].Target != functions.ConnectEvents {
		t.Fatalf("default-bus rules = %+v, want one to %s", rules, functions.ConnectEvents)
	}
	r := rules[0]
	q, err := quamina.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := q.AddPattern(r.Name, r.Pattern); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "testdata", "connect")
	for file, want := range map[string]bool{
		"contact-event-disconnected.json":      true,
		"contact-event-connected.json":         false,
		"contact-event-chat-disconnected.json": false,
		// Another instance of the account: its contact ids are not calls here.
		"contact-event-disconnected-other-instance.json": false,
	} {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		m, err := q.MatchesForEvent(b)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if got := slices.Contains(m, any(r.Name)); got != want {
			t.Errorf("%s matches %s: %v, want %v", file, r.Name, got, want)
		}
	}
	for _, name := range eventstest.Names() {
		if m, _ := q.MatchesForEvent(eventstest.Bytes(t, name)); len(m) > 0 {
			t.Errorf("Mayday's %s matches the Connect rule", name)
		}
	}
	sample, err := os.ReadFile(filepath.Join("..", "functions", r.Target, "event.json"))
	if err != nil {
		t.Fatal(err)
	}
	fixture, _ := os.ReadFile(filepath.Join(dir, "contact-event-disconnected.json"))
	if !bytes.Equal(sample, fixture) {
		t.Errorf("functions/%s/event.json differs from testdata/connect/contact-event-disconnected.json: copy it again", r.Target)
	}
}
