package mayday

import (
	"fmt"
	"regexp"
	"strings"
)

// Check is one prerequisite of the readiness report.
type Check struct {
	Name string
	OK   bool
	Fix  string
}

// Readiness is an agent's readiness for emergency calls: each
// prerequisite, ok or what to fix.
type Readiness struct {
	AgentID string
	Ready   bool
	Checks  []Check
}

// Assess checks an agent's prerequisites; poolSize is how many callback
// numbers the pool of the agent's country holds.
func Assess(a Agent, poolSize int) Readiness {
	check := func(name string, ok bool, fix string) Check {
		if ok {
			fix = ""
		}
		return Check{Name: name, OK: ok, Fix: fix}
	}
	country := NormaliseCountry(a.Country)
	r := Readiness{AgentID: a.ID, Checks: []Check{
		check("outboundVoiceProfile", a.OutboundVoiceProfile,
			"assign the agent a capacity profile tied to an outbound voice profile"),
		locationCheck(a, country),
		check("mailbox", a.MailboxEnabled, "enable the agent's mailbox so emergency emails can be sent"),
		check("emergencyContacts", len(a.EmergencyContacts) > 0,
			"configure emergency contacts (addresses separated by semicolons)"),
		numberCheck(a, country),
		check("callbackPool", poolSize > 0,
			fmt.Sprintf("add callback numbers for %s to the callback pool", orUnknown(country))),
	}}
	r.Ready = true
	for _, c := range r.Checks {
		r.Ready = r.Ready && c.OK
	}
	return r
}

func orUnknown(country string) string {
	if country == "" {
		return "the agent's country"
	}
	return country
}

func locationCheck(a Agent, country string) Check {
	c := Check{Name: "browserLocation"}
	switch {
	case !a.BrowserLocation:
		c.Fix = "turn on the browser location setting"
	case !SupportedCountry(country):
		c.Fix = fmt.Sprintf("location %q is not supported; supported: %s", a.Country, strings.Join(SupportedCountries(), ", "))
	default:
		c.OK = true
	}
	return c
}

// numberCheck: the originating number can carry emergency calls when it is a
// calling-plan or direct-offer number, or when no direct-routing rule matches
// an emergency number, so the call takes the direct-offer path.
func numberCheck(a Agent, country string) Check {
	c := Check{Name: "emergencyCallingNumber", OK: true}
	if a.NumberType == NumberDirectRouting && len(a.DirectRoutingRules) == 0 {
		return Check{Name: c.Name, Fix: "the originating number is direct routing only; give the agent a calling-plan or direct-offer number"}
	}
	for _, rule := range a.DirectRoutingRules {
		re, err := regexp.Compile(rule)
		if err != nil {
			return Check{Name: c.Name, Fix: fmt.Sprintf("direct-routing rule %q is not a valid pattern", rule)}
		}
		for _, n := range EmergencyNumbers(country) {
			if re.MatchString(n) {
				return Check{Name: c.Name, Fix: fmt.Sprintf("direct-routing rule %q matches emergency number %s; exclude emergency numbers so the call takes the direct-offer path", rule, n)}
			}
		}
	}
	return c
}
