package mayday

import (
	"errors"
	"strings"
	"testing"
)

func TestProfileValidate(t *testing.T) {
	good := Profile{Name: "Ada", Email: "ada@example.com", Presence: Busy, Country: "US",
		EmergencyContacts: []string{"sup@example.com"}, NumberType: NumberDirectRouting, DirectRoutingRules: []string{`^\+1425`}}
	for _, tc := range []struct {
		name, field string
		change      func(*Profile)
	}{
		{"valid", "", func(*Profile) {}},
		{"bad email", "email", func(p *Profile) { p.Email = "ada" }},
		{"bad presence", "Sleeping", func(p *Profile) { p.Presence = "Sleeping" }},
		{"bad country", "country", func(p *Profile) { p.Country = "USA" }},
		{"bad contact", "not-an-address", func(p *Profile) { p.EmergencyContacts = append(p.EmergencyContacts, "not-an-address") }},
		{"no number type", "numberType", func(p *Profile) { p.NumberType = "" }},
		{"bad number type", "numberType", func(p *Profile) { p.NumberType = "sip" }},
		{"bad rule", "directRoutingRules", func(p *Profile) { p.DirectRoutingRules = []string{"(["} }},
	} {
		p := good
		tc.change(&p)
		err := p.Validate()
		if tc.field == "" && err != nil || tc.field != "" && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.field)) {
			t.Errorf("%s: %v; want an error naming %q", tc.name, err, tc.field)
		}
	}
}
