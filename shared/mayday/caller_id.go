package mayday

// callerStep is one way a dial may get the number it presents: a lease
// from pool, or else number (from source) when there is one.
type callerStep struct {
	pool   *Pool
	source string
	number string
}

// callerIDPlan is the order in which a dial from loc (nil: unknown) in
// country tries numbers to present. Only numbers whose emergency address
// is registered where the caller is qualify, because the 911 network sends
// responders to that address: a site's pool, then its emergency callback
// number; a remote agent's own number; the country pool only when the
// location is unknown, or when the platform carries the location with the
// call (carriesLocation). Last, the platform's default for the country.
func callerIDPlan(loc *Location, site *Site, country string, carriesLocation bool, defaults map[string]string) []callerStep {
	var steps []callerStep
	countryPool := func() {
		if country != "" {
			steps = append(steps, callerStep{pool: &Pool{Country: country}})
		}
	}
	switch {
	case loc == nil:
		countryPool()
	case loc.Kind == LocationSite && site != nil:
		steps = append(steps, callerStep{pool: &Pool{Country: site.Country, SiteID: site.ID}})
		if carriesLocation {
			countryPool()
		}
		steps = append(steps, callerStep{source: CallerECBN, number: site.EmergencyCallbackNumber})
	case loc.Kind == LocationRemote:
		steps = append(steps, callerStep{source: CallerAgent, number: loc.CallbackNumber})
		if carriesLocation {
			countryPool()
		}
	}
	return append(steps, callerStep{source: CallerDefault, number: defaults[country]})
}

// fixedCaller is the first number of plan that needs no lease, or none.
func fixedCaller(plan []callerStep) callerStep {
	for _, s := range plan {
		if s.pool == nil && s.number != "" {
			return s
		}
	}
	return callerStep{source: CallerNone}
}

// unleased is plan without the numbers that would route the emergency
// service's callbacks to the caller: the pools' leases and the agent's own
// number. What is left is the site's ECBN and the platform default.
func unleased(plan []callerStep) []callerStep {
	var out []callerStep
	for _, s := range plan {
		if s.pool == nil && s.source != CallerAgent {
			out = append(out, s)
		}
	}
	return out
}
