package mayday

import (
	"strings"
	"testing"
)

func TestAssess(t *testing.T) {
	ready := Agent{ID: "a-1", Country: "US", OutboundVoiceProfile: true, BrowserLocation: true, MailboxEnabled: true,
		EmergencyContacts: []string{"sup@example.com"}, NumberType: NumberDirectOffer}
	tests := []struct {
		name    string
		mutate  func(*Agent)
		pool    int
		failing string // the one check that fails, "" for none
		fix     string
	}{
		{"ready", func(*Agent) {}, 3, "", ""},
		{"no outbound voice profile", func(a *Agent) { a.OutboundVoiceProfile = false }, 3, "outboundVoiceProfile", "outbound voice profile"},
		{"browser location off", func(a *Agent) { a.BrowserLocation = false }, 3, "browserLocation", "turn on"},
		{"unsupported country", func(a *Agent) { a.Country = "FR" }, 3, "browserLocation", "not supported"},
		{"mailbox disabled", func(a *Agent) { a.MailboxEnabled = false }, 3, "mailbox", "mailbox"},
		{"no contacts", func(a *Agent) { a.EmergencyContacts = nil }, 3, "emergencyContacts", "semicolons"},
		{"empty pool", func(*Agent) {}, 0, "callbackPool", "US"},
		{"calling plan", func(a *Agent) { a.NumberType = NumberCallingPlan }, 3, "", ""},
		{"direct routing with no rules takes no emergency path", func(a *Agent) { a.NumberType = NumberDirectRouting }, 3, "emergencyCallingNumber", "direct routing"},
		{"direct-routing rule not matching emergency numbers", func(a *Agent) {
			a.NumberType, a.DirectRoutingRules = NumberDirectRouting, []string{`^\+1425`}
		}, 3, "", ""},
		{"direct-routing rule matching 911", func(a *Agent) { a.DirectRoutingRules = []string{`^9`} }, 3, "emergencyCallingNumber", "911"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ready
			tt.mutate(&a)
			r := Assess(a, tt.pool)
			if r.Ready != (tt.failing == "") {
				t.Fatalf("Ready = %v, want %v: %+v", r.Ready, tt.failing == "", r.Checks)
			}
			if len(r.Checks) != 6 {
				t.Fatalf("%d checks, want 6", len(r.Checks))
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
