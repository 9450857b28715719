package mayday

import (
	"strings"
	"testing"
	"time"
)

func TestAssess(t *testing.T) {
	now := time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)
	// Ready: working from home, confirmed this shift, with a number
	// registered there.
	ready := Agent{ID: "a-1", Profile: Profile{Country: "US", OutboundVoiceProfile: true, BrowserLocation: true, MailboxEnabled: true,
		EmergencyContacts: []string{"sup@example.com"}, NumberType: NumberDirectOffer},
		Location: &AgentLocation{Address: Address{HouseNumber: "2121", Street: "7th Ave", City: "Seattle", Region: "WA",
			PostalCode: "98121", Country: "US"}, CallbackNumber: "+12065550142", Validated: true, ExpiresAt: now.Add(time.Hour)}}
	unlocated := func(a *Agent) { a.Location = nil }
	sea := &Site{ID: "sea", Name: "Seattle HQ", Country: "US", EmergencyCallbackNumber: "+14255550100",
		Address: Address{Street: "1 Main St", City: "Seattle", Region: "WA", PostalCode: "98101", Country: "US"}}
	noPostal := *sea
	noPostal.Address.PostalCode = ""
	noECBN := *sea
	noECBN.EmergencyCallbackNumber = ""
	tests := []struct {
		name    string
		mutate  func(*Agent)
		site    *Site
		pool    int
		failing string // the one check that fails, "" for none
		fix     string
	}{
		{"ready at a site", func(a *Agent) { a.SiteID, a.Location = "sea", nil }, sea, 3, "", ""},
		{"no home site, no location", unlocated, nil, 3, "location", "no current location"},
		{"no home site, location expired", func(a *Agent) { a.Location.ExpiresAt = now }, nil, 3, "location", "no current location"},
		{"remote address not validated", func(a *Agent) { a.Location.Validated = false }, nil, 3, "location", "did not validate"},
		{"remote with no number there", func(a *Agent) { a.Location.CallbackNumber = "" }, nil, 3, "location", "callbackNumber"},
		{"at home site, expired location", func(a *Agent) { a.SiteID, a.Location.ExpiresAt = "sea", now }, sea, 3, "", ""},
		{"site address incomplete", func(a *Agent) { a.SiteID = "sea" }, &noPostal, 3, "site", "postalCode"},
		{"unknown site", func(a *Agent) { a.SiteID = "gone" }, nil, 3, "site", "does not exist"},
		{"site with an ECBN but no pool", func(a *Agent) { a.SiteID = "sea" }, sea, 0, "callbackPool", "emergency callback number meanwhile"},
		{"site with neither pool nor ECBN", func(a *Agent) { a.SiteID = "sea" }, &noECBN, 0, "callbackPool", "give the site an emergency callback number"},
		{"ready", func(*Agent) {}, nil, 3, "", ""},
		{"no outbound voice profile", func(a *Agent) { a.OutboundVoiceProfile = false }, nil, 3, "outboundVoiceProfile", "outbound voice profile"},
		{"browser location off", func(a *Agent) { a.BrowserLocation = false }, nil, 3, "browserLocation", "turn on"},
		{"unsupported country", func(a *Agent) { a.Country = "FR" }, nil, 3, "browserLocation", "not supported"},
		{"mailbox disabled", func(a *Agent) { a.MailboxEnabled = false }, nil, 3, "mailbox", "mailbox"},
		{"no contacts", func(a *Agent) { a.EmergencyContacts = nil }, nil, 3, "emergencyContacts", "semicolons"},
		{"empty pool", func(*Agent) {}, nil, 0, "callbackPool", "US"},
		{"calling plan", func(a *Agent) { a.NumberType = NumberCallingPlan }, nil, 3, "", ""},
		{"direct routing with no rules takes no emergency path", func(a *Agent) { a.NumberType = NumberDirectRouting }, nil, 3, "emergencyCallingNumber", "direct routing"},
		{"direct-routing rule not matching emergency numbers", func(a *Agent) {
			a.NumberType, a.DirectRoutingRules = NumberDirectRouting, []string{`^\+1425`}
		}, nil, 3, "", ""},
		{"direct-routing rule matching 911", func(a *Agent) { a.DirectRoutingRules = []string{`^9`} }, nil, 3, "emergencyCallingNumber", "911"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ready
			l := *ready.Location // each case changes its own copy
			a.Location = &l
			tt.mutate(&a)
			r := Assess(a, tt.site, tt.pool, now)
			if r.Ready != (tt.failing == "") {
				t.Fatalf("Ready = %v, want %v: %+v", r.Ready, tt.failing == "", r.Checks)
			}
			if want := 7 + map[bool]int{true: 1}[a.SiteID != ""]; len(r.Checks) != want {
				t.Fatalf("%d checks, want %d (the site check when the agent has a site)", len(r.Checks), want)
			}
			for _, c := range r.Checks {
				if c.OK == (c.Name == tt.failing) {
					t.Errorf("check %s ok=%v (fix %q)", c.Name, c.OK, c.Fix)
				}
				if c.Name == tt.failing && !strings.Contains(c.Fix, tt.fix) {
					t.Errorf("check %s fix %q, want it to mention %q", c.Name, c.Fix, tt.fix)
				}
			}
		})
	}
}
