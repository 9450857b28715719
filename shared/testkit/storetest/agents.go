package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// Agents: profile, presence and emergency state (mayday.AgentStore).

func agentKind() kind[mayday.Agent] {
	return kind[mayday.Agent]{
		get: func(ctx context.Context, s mayday.Store, id string) (mayday.Agent, error) { return s.GetAgent(ctx, id) },
		update: func(ctx context.Context, s mayday.Store, id string, fn func(*mayday.Agent) error) (mayday.Agent, error) {
			return s.UpdateAgent(ctx, id, fn)
		},
		key:    func(a *mayday.Agent) *string { return &a.ID },
		ver:    func(a *mayday.Agent) *int64 { return &a.Version },
		sample: func() mayday.Agent { return sampleAgent("") },
		change: func(a *mayday.Agent) {
			a.Name += " (changed)"
			a.EmergencyContacts = append(a.EmergencyContacts, "new@example.com")
			a.Location = &mayday.AgentLocation{SiteID: "s-2", Detail: "desk 4", Validated: true,
				ConfirmedAt: base.Add(time.Hour), ExpiresAt: base.Add(13 * time.Hour)}
		},
	}
}

func sampleAgent(id string) mayday.Agent {
	return mayday.Agent{
		ID: id,
		Profile: mayday.Profile{
			Name:                 "Ada Agent",
			Email:                "ada@example.com",
			Presence:             mayday.DoNotDisturb,
			Country:              "US",
			EmergencyContacts:    []string{"sup@example.com", "desk@example.com"},
			MailboxEnabled:       true,
			OutboundVoiceProfile: true,
			BrowserLocation:      true,
			NumberType:           mayday.NumberDirectRouting,
			DirectRoutingRules:   []string{`^\+1`, "911"},
			SiteID:               "s-1",
		},
		Emergency: mayday.EmergencyState{
			Active: []mayday.ActiveCall{
				{CallID: "c-1", Kind: mayday.KindOutbound, StartedAt: base.In(zone)},
				{CallID: "c-2", Kind: mayday.KindCallback, StartedAt: base.Add(time.Minute)},
			},
			SavedPresence: mayday.Busy,
			Ended:         []string{"c-0"},
			Since:         base,
		},
		CallbackNumber:    "+12065550142",
		CallbackExpiresAt: base.Add(time.Hour).In(zone),
		// Working from home, with their own number registered there.
		Location: &mayday.AgentLocation{
			Address: mayday.Address{HouseNumber: "2121", Street: "7th Ave", City: "Seattle", Region: "WA",
				PostalCode: "98121", Country: "US"},
			Detail: "Home office", CallbackNumber: "+12065550142", Validated: true,
			ConfirmedAt: base, ExpiresAt: base.Add(12 * time.Hour).In(zone),
		},
		Platform:  mayday.PlatformPresence{DoNotDisturb: true, Previous: "WAbusy"},
		UpdatedAt: base.Add(time.Second),
	}
}

// testAgentRoundTrip writes agents whose shape varies — nil, empty and full
// slices, zero times, empty strings — and reads them back.
func testAgentRoundTrip(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
	for _, tc := range []struct {
		name string
		mod  func(*mayday.Agent)
	}{
		{"full", func(*mayday.Agent) {}},
		{"nilContacts", func(a *mayday.Agent) { a.EmergencyContacts, a.DirectRoutingRules = nil, nil }},
		{"emptyContacts", func(a *mayday.Agent) {
			a.EmergencyContacts, a.DirectRoutingRules = []string{}, []string{}
			a.Emergency.Active, a.Emergency.Ended = []mayday.ActiveCall{}, []string{}
		}},
		{"noEmergency", func(a *mayday.Agent) { a.Emergency = mayday.EmergencyState{}; a.Presence = mayday.Available }},
		{"noSite", func(a *mayday.Agent) { a.SiteID = "" }},
		{"noPlatformPresence", func(a *mayday.Agent) { a.Platform = mayday.PlatformPresence{} }},
		{"platformPreviousUnknown", func(a *mayday.Agent) { a.Platform.Previous = "" }},
		{"zeroTimes", func(a *mayday.Agent) { a.UpdatedAt = time.Time{}; a.Emergency.Since = time.Time{} }},
		{"emptyStrings", func(a *mayday.Agent) {
			a.Name, a.Email, a.Country, a.NumberType, a.SiteID = "", "", "", "", ""
			a.EmergencyContacts = []string{""}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := sampleAgent(tc.name)
			tc.mod(&want)
			checkRoundTrip(t, want, func(a *mayday.Agent) *int64 { return &a.Version },
				func(fn func(*mayday.Agent) error) (mayday.Agent, error) { return s.UpdateAgent(ctx, tc.name, fn) },
				func() (mayday.Agent, error) { return s.GetAgent(ctx, tc.name) })
		})
	}
}

// testAgentsInEmergencySince is the watchdog's query: agents whose emergency
// began at or before t, compared to the nanosecond, and not yet over.
func testAgentsInEmergencySince(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
	at := base.Truncate(time.Second).Add(200 * time.Millisecond)
	begin := func(id, call string, since time.Time) {
		t.Helper()
		if _, err := s.UpdateAgent(ctx, id, func(a *mayday.Agent) error {
			a.Presence = mayday.Busy
			a.BeginEmergency(call, mayday.KindOutbound, since)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	begin("old", "c-1", at.Add(-time.Hour))
	begin("exact", "c-2", at.In(zone))
	begin("sameSecondLater", "c-3", at.Add(300*time.Millisecond))
	begin("recent", "c-4", at.Add(time.Hour))
	begin("ended", "c-5", at.Add(-2*time.Hour))
	if _, err := s.UpdateAgent(ctx, "ended", func(a *mayday.Agent) error { a.EndEmergency("c-5"); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateAgent(ctx, "calm", func(a *mayday.Agent) error { a.Presence = mayday.Available; return nil }); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		t    time.Time
		want []string
	}{
		{"at", at, []string{"exact", "old"}},
		{"justBefore", at.Add(-time.Nanosecond), []string{"old"}},
		{"farAhead", at.Add(24 * time.Hour), []string{"exact", "old", "recent", "sameSecondLater"}},
		{"longAgo", at.Add(-72 * time.Hour), nil},
	} {
		e.IndexRead(t, "AgentsInEmergencySince "+tc.name, func() string {
			got, err := s.AgentsInEmergencySince(ctx, tc.t)
			if err != nil {
				return err.Error()
			}
			var ids, problems []string
			for _, a := range got {
				if !a.InEmergency() {
					problems = append(problems, fmt.Sprintf("agent %s is not in an emergency", a.ID))
				}
				ids = append(ids, a.ID)
			}
			slices.Sort(ids)
			if !slices.Equal(ids, tc.want) {
				problems = append(problems, fmt.Sprintf("= %q, want %q", ids, tc.want))
			}
			return strings.Join(problems, "; ")
		})
	}
}

// testAgentsAtSite: the agents whose home site is the one asked for, each as
// stored; an agent follows its SiteID when it changes. The query shares no
// results with the other reads by id: a site's agents are not an agent's
// leases, nor numbers of the site.
func testAgentsAtSite(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
	atSite := func(site string) func() ([]mayday.Agent, error) {
		return func() ([]mayday.Agent, error) { return s.AgentsAtSite(ctx, site) }
	}
	e.expectAgents(t, `AgentsAtSite("s-1") on an empty store`, atSite("s-1"), nil)

	stored := map[string]mayday.Agent{}
	put := func(id string, fn func(*mayday.Agent)) {
		t.Helper()
		a, err := s.UpdateAgent(ctx, id, func(a *mayday.Agent) error { fn(a); return nil })
		if err != nil {
			t.Fatal(err)
		}
		stored[id] = a
	}
	at := func(site string) func(*mayday.Agent) {
		return func(a *mayday.Agent) { a.Name, a.Country, a.SiteID = "Agent", "US", site }
	}
	put("a-1", at("s-1"))
	put("a-2", at("s-1"))
	put("a-3", at("s-2"))
	put("a-4", at(""))
	put("a-5", func(a *mayday.Agent) { // also in the watchdog's index
		at("s-1")(a)
		a.Presence = mayday.Busy
		a.BeginEmergency("c-5", mayday.KindOutbound, base)
	})
	put("s-1", at("s-2")) // an agent whose id is a site's
	addSites(t, s, sampleSite("s-1"), sampleSite("s-2"))
	numbers := addNumbers(t, s,
		withSite(sampleNumber("+14255550001", "US", lease("a-1", base.Add(time.Hour))), "s-1"),
		sampleNumber("+14255550002", "US", lease("s-1", base.Add(time.Hour))),
	)

	for _, tc := range []struct {
		site string
		want []string
	}{
		{"s-1", []string{"a-1", "a-2", "a-5"}},
		{"s-2", []string{"a-3", "s-1"}},
		{"s-9", nil},
	} {
		e.expectAgents(t, fmt.Sprintf("AgentsAtSite(%q)", tc.site), atSite(tc.site), stored, tc.want...)
	}
	// The agent and lease reads by the same ids see only their own records.
	e.expectNumbers(t, "LeasesHeldBy(a-1)", func() ([]mayday.CallbackNumber, error) { return s.LeasesHeldBy(ctx, "a-1") },
		numbers, "+14255550001")
	e.expectNumbers(t, "LeasesHeldBy(s-1)", func() ([]mayday.CallbackNumber, error) { return s.LeasesHeldBy(ctx, "s-1") },
		numbers, "+14255550002")

	// Moving agents: to another site, off any site; a change elsewhere in
	// the agent keeps it at its site, as stored now.
	put("a-2", func(a *mayday.Agent) { a.SiteID = "s-2" })
	put("a-1", func(a *mayday.Agent) { a.SiteID = "" })
	put("a-5", func(a *mayday.Agent) { a.EndEmergency("c-5"); a.Name = "Agent (back)" })
	e.expectAgents(t, `AgentsAtSite("s-1") after moves`, atSite("s-1"), stored, "a-5")
	e.expectAgents(t, `AgentsAtSite("s-2") after moves`, atSite("s-2"), stored, "a-2", "a-3", "s-1")
}

// expectAgents checks an index-backed listing of agents (see IndexRead):
// read must return exactly the agents want, each as stored holds it, in any
// order.
func (e env) expectAgents(t *testing.T, what string, read func() ([]mayday.Agent, error),
	stored map[string]mayday.Agent, want ...string) {
	t.Helper()
	e.IndexRead(t, what, func() string {
		got, err := read()
		if err != nil {
			return err.Error()
		}
		var ids []string
		for _, a := range got {
			ids = append(ids, a.ID)
		}
		slices.Sort(ids)
		if want := slices.Sorted(slices.Values(want)); !slices.Equal(ids, want) {
			return fmt.Sprintf("= %q, want %q", ids, want)
		}
		var problems []string
		for _, a := range got {
			if d := diff(a, stored[a.ID]); d != "" {
				problems = append(problems, fmt.Sprintf("%s listed as %+v, stored as %+v: %s", a.ID, a, stored[a.ID], d))
			}
		}
		return strings.Join(problems, "; ")
	})
}
