package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// Ids: every adapter refuses the agent, call and site ids mayday.ValidID
// refuses and the callback numbers mayday.ValidE164 refuses, wherever they
// reach it — a key, a query's id, an id a written value is indexed by — with
// mayday.ErrInvalid, without echoing them and without reading or writing
// anything; and the edge ids they accept round-trip. Without this, the
// embedded store would keep ids DynamoDB refuses, and the two would drift.

// hostileIDs are ids ValidID refuses.
var hostileIDs = []struct{ name, id string }{
	{"empty", ""},
	{"129 characters", strings.Repeat("a", mayday.MaxIDLength+1)},
	{"CR LF", "a\r\nb"},
	{"NUL", "a\x00b"},
	{"U+202E", "a\u202eb"},
	{"invalid UTF-8", "a\xffb"},
	{"space", "a b"},
	{"slash", "a/b"},
}

// hostileNumbers are numbers that are not E.164 as stored.
var hostileNumbers = []struct{ name, number string }{
	{"empty", ""},
	{"punctuated", "+1 425-555-0001"},
	{"no plus", "442079460001"},
	{"6 digits", "+123456"},
	{"16 digits", "+1234567890123456"},
	{"leading zero", "+04255550001"},
	{"CR LF", "+14255550001\r\n"},
	{"NUL", "+1425555\x000001"},
	{"U+202E", "+1425555\u202e0001"},
	{"invalid UTF-8", "+1425555\xff0001"},
	{"slash", "+1425/5550001"},
}

// edgeIDs are the extremes ValidID accepts: the longest, and every
// punctuation allowed.
var edgeIDs = []string{strings.Repeat("x", mayday.MaxIDLength), "a.b:c@d-e_f"}

// edgeNumbers are the shortest and the longest E.164 numbers.
var edgeNumbers = []string{"+1234567", "+123456789012345"}

// expectRefused checks that err refuses an id as invalid without echoing it.
func expectRefused(t *testing.T, what string, err error, id string) {
	t.Helper()
	if !errors.Is(err, mayday.ErrInvalid) {
		t.Errorf("%s = %v, want ErrInvalid", what, err)
		return
	}
	msg := err.Error()
	if id != "" && strings.Contains(msg, id) {
		t.Errorf("%s = %q: echoes the id", what, msg)
	}
	// Printable ASCII only: nothing a terminal or a log reader interprets.
	if strings.ContainsFunc(msg, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
		t.Errorf("%s = %q: not printable ASCII", what, msg)
	}
}

// idUse is one way an id reaches a store; ran is set when the store called
// the closure or check it was given.
type idUse struct {
	name string
	use  func(ctx context.Context, s mayday.Store, id string, ran *bool) error
}

func noErr[T any](_ T, err error) error { return err }

// writeSetupWith writes a setup with the given ids, its items otherwise
// valid: a refused setup must write none of them.
func writeSetupWith(ctx context.Context, s mayday.Store, callID, agentID, number string) error {
	c, a, n := setupWith(callID, agentID, number)
	_, _, _, err := s.WriteSetup(ctx, c, a, n, nil)
	return err
}

// setupWith is a setup's items with the given ids, the rest valid.
func setupWith(callID, agentID, number string) (mayday.Call, mayday.Agent, *mayday.CallbackNumber) {
	c, a, n := setupValues("c-1")
	c.ID, a.ID, n.Number = callID, agentID, number
	return c, a, &n
}

// idUses are the uses of an agent, call or site id.
var idUses = []idUse{
	{"GetAgent", func(ctx context.Context, s mayday.Store, id string, _ *bool) error { return noErr(s.GetAgent(ctx, id)) }},
	{"UpdateAgent", func(ctx context.Context, s mayday.Store, id string, ran *bool) error {
		return noErr(s.UpdateAgent(ctx, id, func(a *mayday.Agent) error { *ran = true; a.Name = "Ada"; return nil }))
	}},
	{"AgentsAtSite", func(ctx context.Context, s mayday.Store, id string, _ *bool) error {
		return noErr(s.AgentsAtSite(ctx, id))
	}},
	{"LeasesHeldBy", func(ctx context.Context, s mayday.Store, id string, _ *bool) error {
		return noErr(s.LeasesHeldBy(ctx, id))
	}},
	{"GetCall", func(ctx context.Context, s mayday.Store, id string, _ *bool) error { return noErr(s.GetCall(ctx, id)) }},
	{"UpdateCall", func(ctx context.Context, s mayday.Store, id string, ran *bool) error {
		return noErr(s.UpdateCall(ctx, id, func(c *mayday.Call) error { *ran = true; c.From = "+14255550199"; return nil }))
	}},
	{"GetSite", func(ctx context.Context, s mayday.Store, id string, _ *bool) error { return noErr(s.GetSite(ctx, id)) }},
	{"UpdateSite", func(ctx context.Context, s mayday.Store, id string, ran *bool) error {
		return noErr(s.UpdateSite(ctx, id, func(x *mayday.Site) error { *ran = true; *x = sampleSite(id); return nil }))
	}},
	{"DeleteSite", func(ctx context.Context, s mayday.Store, id string, ran *bool) error {
		return s.DeleteSite(ctx, id, func(mayday.Site) error { *ran = true; return nil })
	}},
	{"UpdateNotification", func(ctx context.Context, s mayday.Store, id string, ran *bool) error {
		return noErr(s.UpdateNotification(ctx, id, func(n *mayday.Notification) error { *ran = true; return n.Claim(base) }))
	}},
	{"AddActivity agent", func(ctx context.Context, s mayday.Store, id string, _ *bool) error {
		return s.AddActivity(ctx, mayday.Activity{AgentID: id, CallID: "c-1", Direction: "outbound", EndedAt: base})
	}},
	{"AddActivity call", func(ctx context.Context, s mayday.Store, id string, _ *bool) error {
		return s.AddActivity(ctx, mayday.Activity{AgentID: "a-1", CallID: id, Direction: "outbound", EndedAt: base})
	}},
	{"ListActivities", func(ctx context.Context, s mayday.Store, id string, _ *bool) error {
		return noErr(s.ListActivities(ctx, id))
	}},
	{"ReadSetup agent", func(ctx context.Context, s mayday.Store, id string, _ *bool) error {
		_, _, err := s.ReadSetup(ctx, id, "c-1")
		return err
	}},
	{"ReadSetup call", func(ctx context.Context, s mayday.Store, id string, _ *bool) error {
		_, _, err := s.ReadSetup(ctx, "a-1", id)
		return err
	}},
	{"WriteSetup call", func(ctx context.Context, s mayday.Store, id string, _ *bool) error {
		return writeSetupWith(ctx, s, id, "a-1", setupNumber)
	}},
	{"WriteSetup agent", func(ctx context.Context, s mayday.Store, id string, _ *bool) error {
		return writeSetupWith(ctx, s, "c-1", id, setupNumber)
	}},
	{"UpdateNumber lease.agentId", func(ctx context.Context, s mayday.Store, id string, _ *bool) error {
		return noErr(s.UpdateNumber(ctx, setupNumber, func(n *mayday.CallbackNumber) error {
			*n = sampleNumber(setupNumber, "US", lease(id, base.Add(time.Hour)))
			return nil
		}))
	}},
	{"WriteSetup lease.agentId", func(ctx context.Context, s mayday.Store, id string, _ *bool) error {
		c, a, n := setupWith("c-1", "a-1", setupNumber)
		n.Lease.AgentID = id
		_, _, _, err := s.WriteSetup(ctx, c, a, n, nil)
		return err
	}},
}

// optionalIDUses are the uses of an id a written value may leave empty:
// "" is no site, or no owner.
var optionalIDUses = []idUse{
	{"UpdateAgent siteId", func(ctx context.Context, s mayday.Store, id string, _ *bool) error {
		return noErr(s.UpdateAgent(ctx, "a-1", func(a *mayday.Agent) error { *a = sampleAgent("a-1"); a.SiteID = id; return nil }))
	}},
	{"UpdateNumber siteId", func(ctx context.Context, s mayday.Store, id string, _ *bool) error {
		return noErr(s.UpdateNumber(ctx, setupNumber, func(n *mayday.CallbackNumber) error {
			*n = withSite(sampleNumber(setupNumber, "US", nil), id)
			return nil
		}))
	}},
	{"UpdateNumber agentId", func(ctx context.Context, s mayday.Store, id string, _ *bool) error {
		return noErr(s.UpdateNumber(ctx, setupNumber, func(n *mayday.CallbackNumber) error {
			*n = sampleNumber(setupNumber, "US", nil)
			n.AgentID = id
			return nil
		}))
	}},
	{"WriteSetup agent siteId", func(ctx context.Context, s mayday.Store, id string, _ *bool) error {
		c, a, n := setupWith("c-1", "a-1", setupNumber)
		a.SiteID = id
		_, _, _, err := s.WriteSetup(ctx, c, a, n, nil)
		return err
	}},
}

// numberUses are the uses of a callback number.
var numberUses = []idUse{
	{"GetNumber", func(ctx context.Context, s mayday.Store, n string, _ *bool) error { return noErr(s.GetNumber(ctx, n)) }},
	{"UpdateNumber", func(ctx context.Context, s mayday.Store, n string, ran *bool) error {
		return noErr(s.UpdateNumber(ctx, n, func(p *mayday.CallbackNumber) error {
			*ran = true
			*p = sampleNumber(n, "US", nil)
			return nil
		}))
	}},
	{"DeleteNumber", func(ctx context.Context, s mayday.Store, n string, ran *bool) error {
		return s.DeleteNumber(ctx, n, func(mayday.CallbackNumber) error { *ran = true; return nil })
	}},
	{"WriteSetup", func(ctx context.Context, s mayday.Store, n string, _ *bool) error {
		return writeSetupWith(ctx, s, "c-1", "a-1", n)
	}},
}

// testRefusedIDs: every use of a hostile id fails with ErrInvalid, runs no
// closure and writes nothing.
func testRefusedIDs(t *testing.T, e env) {
	testRefused(t, e, idUses, hostileIDs)
	testRefused(t, e, optionalIDUses, hostileIDs[1:]) // but ""
}

// testRefusedNumbers: every use of a number that is not E.164 as stored
// fails with ErrInvalid, runs no closure and writes nothing.
func testRefusedNumbers(t *testing.T, e env) {
	hostile := make([]struct{ name, id string }, len(hostileNumbers))
	for i, h := range hostileNumbers {
		hostile[i].name, hostile[i].id = h.name, h.number
	}
	testRefused(t, e, numberUses, hostile)
}

func testRefused(t *testing.T, e env, uses []idUse, hostile []struct{ name, id string }) {
	ctx := context.Background()
	s := e.newStore(t)
	for _, u := range uses {
		for _, h := range hostile {
			ran := false
			err := u.use(ctx, s, h.id, &ran)
			expectRefused(t, u.name+" "+h.name, err, h.id)
			if ran {
				t.Errorf("%s %s: the store ran the closure on a refused key", u.name, h.name)
			}
		}
	}
	// Nothing was written under the valid ids the refused writes carried:
	// a refused setup writes none of its items.
	for what, err := range map[string]error{
		"agent a-1":             noErr(s.GetAgent(ctx, "a-1")),
		"call c-1":              noErr(s.GetCall(ctx, "c-1")),
		"number " + setupNumber: noErr(s.GetNumber(ctx, setupNumber)),
	} {
		if !errors.Is(err, mayday.ErrNotFound) {
			t.Errorf("after refused writes, %s: %v, want ErrNotFound", what, err)
		}
	}
	if n, err := s.UpdateNotification(ctx, "c-1", func(*mayday.Notification) error { return mayday.ErrNoChange }); err != nil || n.Version != 0 {
		t.Errorf("after refused writes, notification c-1 = %+v, %v; want none", n, err)
	}
	if acts, err := s.ListActivities(ctx, "a-1"); err != nil || len(acts) != 0 {
		t.Errorf("after refused writes, ListActivities(a-1) = %+v, %v; want none", acts, err)
	}
}

// testRefusedLeaveStored: a refused write leaves the stored value as it was.
func testRefusedLeaveStored(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
	agent, err := s.UpdateAgent(ctx, "a-1", func(a *mayday.Agent) error { *a = sampleAgent("a-1"); return nil })
	if err != nil {
		t.Fatal(err)
	}
	number := addNumbers(t, s, withSite(sampleNumber(setupNumber, "US", lease("a-1", base.Add(time.Hour))), "s-1"))[setupNumber]
	for _, h := range hostileIDs[1:] { // "" is no site
		_, err := s.UpdateAgent(ctx, "a-1", func(a *mayday.Agent) error { a.SiteID = h.id; return nil })
		expectRefused(t, "UpdateAgent siteId "+h.name, err, h.id)
		_, err = s.UpdateNumber(ctx, setupNumber, func(n *mayday.CallbackNumber) error { n.Lease.AgentID = h.id; return nil })
		expectRefused(t, "UpdateNumber lease.agentId "+h.name, err, h.id)
	}
	if got, err := s.GetAgent(ctx, "a-1"); err != nil || diff(got, agent) != "" {
		t.Errorf("agent after refused updates: %+v, %v: %s", got, err, diff(got, agent))
	}
	if got, err := s.GetNumber(ctx, setupNumber); err != nil || diff(got, number) != "" {
		t.Errorf("number after refused updates: %+v, %v: %s", got, err, diff(got, number))
	}
	e.expectAgents(t, "AgentsAtSite(s-1) after refused updates",
		func() ([]mayday.Agent, error) { return s.AgentsAtSite(ctx, "s-1") }, map[string]mayday.Agent{"a-1": agent}, "a-1")
	e.expectNumbers(t, "LeasesHeldBy(a-1) after refused updates",
		func() ([]mayday.CallbackNumber, error) { return s.LeasesHeldBy(ctx, "a-1") }, map[string]mayday.CallbackNumber{setupNumber: number}, setupNumber)
}

// roundTrip stores sample under key, then reads it back as stored.
func roundTrip[T any](t *testing.T, s mayday.Store, k kind[T], key string) {
	t.Helper()
	written := k.put(t, s, key, k.sample())
	if *k.key(&written) != key {
		t.Errorf("wrote under %q, want %q", *k.key(&written), key)
	}
	got, ok := k.peek(t, s, key)
	if !ok {
		t.Fatalf("%q: not stored", key)
	}
	if d := diff(got, written); d != "" {
		t.Errorf("%q read back as %+v: %s", key, got, d)
	}
}

// testEdgeIDs: the extreme ids and numbers the domain accepts work
// everywhere: keys, index reads, history, setups and deletes.
func testEdgeIDs(t *testing.T, e env) {
	ctx := context.Background()
	for _, id := range edgeIDs {
		s := e.newStore(t)
		roundTrip(t, s, agentKind(), id)
		roundTrip(t, s, callKind(), id)
		roundTrip(t, s, siteKind(), id)
		roundTrip(t, s, notificationKind(), id)

		// Indexed by the id: an agent at the site, a number leased to the agent.
		agent, err := s.UpdateAgent(ctx, id, func(a *mayday.Agent) error { a.SiteID = id; return nil })
		if err != nil {
			t.Fatalf("agent at site %q: %v", id, err)
		}
		e.expectAgents(t, "AgentsAtSite(edge id)", func() ([]mayday.Agent, error) { return s.AgentsAtSite(ctx, id) },
			map[string]mayday.Agent{id: agent}, id)
		held := addNumbers(t, s, withSite(sampleNumber(setupNumber, "US", lease(id, base.Add(time.Hour))), id))
		e.expectNumbers(t, "LeasesHeldBy(edge id)", func() ([]mayday.CallbackNumber, error) { return s.LeasesHeldBy(ctx, id) },
			held, setupNumber)

		act := mayday.Activity{AgentID: id, CallID: id, Direction: "outbound", StartedAt: base, EndedAt: base.Add(time.Minute)}
		if err := s.AddActivity(ctx, act); err != nil {
			t.Fatalf("AddActivity(edge ids): %v", err)
		}
		if got, err := s.ListActivities(ctx, id); err != nil || len(got) != 1 || diff(got[0], act) != "" {
			t.Errorf("ListActivities(edge id) = %+v, %v; want [%+v]", got, err, act)
		}

		// A setup of the stored agent and call.
		a, c, err := s.ReadSetup(ctx, id, id)
		if err != nil {
			t.Fatalf("ReadSetup(edge ids): %v", err)
		}
		c.From = "+14255550199"
		a.Name = "Ada"
		wc, wa, _, err := s.WriteSetup(ctx, c, a, nil, nil)
		if err != nil {
			t.Fatalf("WriteSetup(edge ids): %v", err)
		}
		if ra, rc, err := s.ReadSetup(ctx, id, id); err != nil || diff(ra, wa) != "" || diff(rc, wc) != "" {
			t.Errorf("ReadSetup after WriteSetup(edge ids) = %+v, %+v, %v; want %+v, %+v", ra, rc, err, wa, wc)
		}

		if err := s.DeleteSite(ctx, id, func(mayday.Site) error { return nil }); err != nil {
			t.Errorf("DeleteSite(edge id): %v", err)
		}
		if _, err := s.GetSite(ctx, id); !errors.Is(err, mayday.ErrNotFound) {
			t.Errorf("GetSite(edge id) after delete: %v, want ErrNotFound", err)
		}
	}
	for _, n := range edgeNumbers {
		s := e.newStore(t)
		roundTrip(t, s, numberKind(), n)
		if err := s.DeleteNumber(ctx, n, func(mayday.CallbackNumber) error { return nil }); err != nil {
			t.Errorf("DeleteNumber(%s): %v", n, err)
		}
		if _, err := s.GetNumber(ctx, n); !errors.Is(err, mayday.ErrNotFound) {
			t.Errorf("GetNumber(%s) after delete: %v, want ErrNotFound", n, err)
		}
	}
}
