package mayday

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// NumberRegistry is the telephony platform's register of its numbers: the
// platform sends the emergency service the address registered for the
// number a call presents, so every number Mayday may present must be the
// platform's, with an emergency address registered.
type NumberRegistry interface {
	// Platform names the platform in the readiness report ("Twilio").
	Platform() string
	// EmergencyCalling reports whether the platform places emergency
	// calls, with a registered address, from country.
	EmergencyCalling(country string) bool
	// Unregistered returns those of numbers (E.164) that are not the
	// platform's numbers with an emergency address registered.
	Unregistered(ctx context.Context, numbers []string) ([]string, error)
}

// The readiness checks a NumberRegistry answers, which the overview
// leaves to the readiness route: each asks the platform.
const (
	CheckPlatformEmergencyCalling = "platformEmergencyCalling"
	CheckEmergencyAddresses       = "emergencyAddresses"
	CheckCallbackFailureHandlers  = "callbackFailureHandlers"
)

// onDemandChecks names the checks the readiness route runs with the
// platform and the overview leaves out.
func (api *AdminAPI) onDemandChecks() []string {
	switch api.numbers.(type) {
	case nil:
		return nil
	case FallbackRegistry:
		return []string{CheckPlatformEmergencyCalling, CheckEmergencyAddresses, CheckCallbackFailureHandlers}
	}
	return []string{CheckPlatformEmergencyCalling, CheckEmergencyAddresses}
}

// FallbackRegistry is a NumberRegistry that also knows each number's
// failure handler (Twilio: the Voice Fallback URL), which answers a PSAP's
// callback when Mayday cannot.
type FallbackRegistry interface {
	// WithoutFallback returns those of numbers (E.164) with none.
	WithoutFallback(ctx context.Context, numbers []string) ([]string, error)
}

// registryChecks are the readiness checks a NumberRegistry answers: the
// platform calls emergency services from where the agent works, and
// every number a dial of the agent may present (pool, the site's ECBN,
// the agent's own number, the country's default) has its emergency
// address registered.
func (api *AdminAPI) registryChecks(ctx context.Context, a Agent, site *Site, pool []CallbackNumber, country string, now time.Time) []Check {
	reg := api.numbers
	countries := []string{country}
	if cur := a.Location; cur.CurrentAt(now) && cur.SiteID == "" {
		countries = append(countries, NormaliseCountry(cur.Address.Country))
	}
	countries = slices.Compact(slices.DeleteFunc(countries, func(c string) bool { return c == "" }))
	calling := Check{Name: CheckPlatformEmergencyCalling, OK: true}
	for _, c := range countries {
		if !reg.EmergencyCalling(c) {
			calling = Check{Name: calling.Name, Fix: fmt.Sprintf("%s does not place emergency calls with a registered address from %s: "+
				"place this agent's calls through another platform", reg.Platform(), c)}
		}
	}
	numbers := presentable(a, site, pool, api.cfg.DefaultCallerID, countries, now)
	addresses := Check{Name: CheckEmergencyAddresses, OK: true}
	var missing []string
	var err error
	if len(numbers) > 0 {
		missing, err = reg.Unregistered(ctx, numbers)
	}
	switch {
	case err != nil:
		api.log.Warn("readiness: the number registry did not answer", "agentId", a.ID, "err", err)
		addresses.OK, addresses.Fix = false, fmt.Sprintf("could not ask %s which numbers have an emergency address registered; retry", reg.Platform())
	case len(missing) > 0:
		addresses.OK, addresses.Fix = false, fmt.Sprintf("register an emergency address in %s for %s: the emergency service gets the address "+
			"registered for the number a call presents (or the number is not %s's)", reg.Platform(), strings.Join(missing, ", "), reg.Platform())
	}
	checks := []Check{calling, addresses}
	if fr, ok := reg.(FallbackRegistry); ok && len(pool) > 0 {
		checks = append(checks, api.fallbackCheck(ctx, fr, a.ID, pool))
	}
	return checks
}

// fallbackCheck: every callback number of the agent's pool has a failure
// handler, so that a PSAP's callback reaches a person while Mayday is down.
func (api *AdminAPI) fallbackCheck(ctx context.Context, reg FallbackRegistry, agentID string, pool []CallbackNumber) Check {
	numbers := make([]string, len(pool))
	for i, n := range pool {
		numbers[i] = n.Number
	}
	c := Check{Name: CheckCallbackFailureHandlers, OK: true}
	missing, err := reg.WithoutFallback(ctx, numbers)
	switch {
	case err != nil:
		api.log.Warn("readiness: the number registry did not answer", "agentId", agentID, "err", err)
		c.OK, c.Fix = false, fmt.Sprintf("could not ask %s which callback numbers have a failure handler; retry", api.numbers.Platform())
	case len(missing) > 0:
		c.OK, c.Fix = false, fmt.Sprintf("set the Voice Fallback URL of %s in %s (the TwiML Bin `mayday twilio-fallback -part callback` prints): "+
			"without it a PSAP's callback rings nobody while Mayday cannot answer", strings.Join(missing, ", "), api.numbers.Platform())
	}
	return c
}

// presentable lists, once each and sorted, the numbers a dial of the
// agent may present: the pool's, the site's emergency callback number,
// the agent's own number where they work remotely now, and the platform
// default of each country.
func presentable(a Agent, site *Site, pool []CallbackNumber, defaults map[string]string, countries []string, now time.Time) []string {
	var out []string
	for _, n := range pool {
		out = append(out, n.Number)
	}
	if site != nil {
		out = append(out, site.EmergencyCallbackNumber)
	}
	if cur := a.Location; cur.CurrentAt(now) && cur.SiteID == "" {
		out = append(out, cur.CallbackNumber)
	}
	for _, c := range countries {
		out = append(out, defaults[c])
	}
	slices.Sort(out)
	return slices.DeleteFunc(slices.Compact(out), func(n string) bool { return n == "" })
}
