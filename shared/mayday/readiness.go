package mayday

import (
	"fmt"
	"regexp"
	"strings"
	"time"
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

// Assess checks an agent's prerequisites at now; site is the agent's home
// site (nil for none), poolSize how many callback numbers the pool its calls
// lease from holds (the site's, or with no site the country's).
func Assess(a Agent, site *Site, poolSize int, now time.Time) Readiness {
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
		poolCheck(site, poolSize, country),
		whereCheck(a, now),
	}}
	if site != nil || a.SiteID != "" {
		r.Checks = append(r.Checks, siteCheck(a, site))
	}
	r.Ready = true
	for _, c := range r.Checks {
		r.Ready = r.Ready && c.OK
	}
	return r
}

func poolCheck(site *Site, poolSize int, country string) Check {
	c := Check{Name: "callbackPool", OK: poolSize > 0}
	switch {
	case c.OK:
	case site != nil && site.EmergencyCallbackNumber != "":
		// Calls still present the site's number, but a call back reaches
		// the site, not the agent.
		c.Fix = fmt.Sprintf("add callback numbers registered at site %s's address (calls present the site's emergency callback number meanwhile)", site.ID)
	case site != nil:
		c.Fix = fmt.Sprintf("add callback numbers registered at site %s's address, or give the site an emergency callback number", site.ID)
	default:
		c.Fix = fmt.Sprintf("add callback numbers for %s to the callback pool", orUnknown(country))
	}
	return c
}

// siteCheck: the agent's site has a dispatchable address.
func siteCheck(a Agent, site *Site) Check {
	c := Check{Name: "site"}
	switch {
	case site == nil:
		c.Fix = fmt.Sprintf("site %q does not exist; create it or change the agent's site", a.SiteID)
	case !site.Address.Complete():
		c.Fix = fmt.Sprintf("complete site %s's address: %s missing", site.ID, strings.Join(site.Address.Missing(), ", "))
	default:
		c.OK = true
	}
	return c
}

// whereCheck: Mayday knows where the agent's calls come from: a home
// site, or a current confirmed location; a confirmed address that did
// not validate, or a remote one with no number registered there, is
// reported too.
func whereCheck(a Agent, now time.Time) Check {
	c := Check{Name: "location"}
	cur := a.Location
	switch {
	case !cur.CurrentAt(now) && a.SiteID == "":
		c.Fix = "no current location: the agent has no home site and has not confirmed where they work (a site or an address)"
	case !cur.CurrentAt(now) || cur.SiteID != "":
		c.OK = true
	case !cur.Validated:
		c.Fix = "the confirmed address did not validate: check it with the agent (it is still sent as given)"
	case cur.CallbackNumber == "":
		c.Fix = "the agent works remotely with no number registered at that address: give the location a callbackNumber (calls present the platform default meanwhile)"
	default:
		c.OK = true
	}
	return c
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
