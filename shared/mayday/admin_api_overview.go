package mayday

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Overview is everything the operators' console shows at once: the sites,
// every callback number with its live lease, and the listed agents
// (Agents) with what their desktop shows and what to fix. It is read in
// 3 + (number of sites) store calls, however many agents there are.
type Overview struct {
	Sites   []Site
	Numbers []CallbackNumber
	Agents  []OverviewAgent
}

// OverviewAgent is one agent of the overview. Readiness holds the checks
// the store answers; OnDemand names the checks it leaves out because they
// ask the telephony platform (the readiness route runs them).
type OverviewAgent struct {
	Agent     Agent
	State     DesktopState
	Readiness Readiness
	OnDemand  []string
}

// Overview reads the overview: the sites, every pool, the agents at the
// sites and those in an emergency, each agent's state and readiness worked
// out from what those reads returned (no read per agent).
func (api *AdminAPI) Overview(ctx context.Context) (Overview, error) {
	sites, err := api.Sites(ctx)
	if err != nil {
		return Overview{}, fmt.Errorf("overview: %w", err)
	}
	numbers, err := api.Numbers(ctx)
	if err != nil {
		return Overview{}, fmt.Errorf("overview: %w", err)
	}
	agents, err := api.agentsOf(ctx, sites)
	if err != nil {
		return Overview{}, fmt.Errorf("overview: %w", err)
	}
	bySite := make(map[string]*Site, len(sites))
	for i := range sites {
		bySite[sites[i].ID] = &sites[i]
	}
	held := map[string][]CallbackNumber{}
	for _, n := range numbers {
		if n.Lease != nil {
			held[n.Lease.AgentID] = append(held[n.Lease.AgentID], n)
		}
	}
	now := api.now()
	out := Overview{Sites: sites, Numbers: numbers, Agents: make([]OverviewAgent, 0, len(agents))}
	for _, a := range agents {
		site, country := homeSite(a, bySite[a.SiteID])
		o := OverviewAgent{Agent: a, State: desktopState(a, held[a.ID], now),
			Readiness: Assess(a, site, len(poolOf(numbers, country, a.SiteID)), now)}
		o.OnDemand = api.onDemandChecks()
		out.Agents = append(out.Agents, o)
	}
	return out, nil
}

// homeSite is the agent's site (nil when it has none or it is gone) and
// the country its calls lease from: the site's, else the agent's.
func homeSite(a Agent, site *Site) (*Site, string) {
	if site != nil {
		return site, site.Country
	}
	return nil, NormaliseCountry(a.Country)
}

// poolOf is the pool an agent's calls lease from, out of numbers (any
// countries); none for an unknown country.
func poolOf(numbers []CallbackNumber, country, siteID string) []CallbackNumber {
	if country == "" {
		return nil
	}
	return InPool(slices.Clone(numbers), country, siteID)
}

// desktopState is what the agent's desktop shows, given the numbers whose
// lease names the agent (live or not).
func desktopState(a Agent, held []CallbackNumber, now time.Time) DesktopState {
	st := DesktopState{AgentID: a.ID, Presence: a.Presence}
	if st.Presence == "" {
		st.Presence = Available
	}
	if c, ok := a.LatestActive(); ok {
		st.Emergency, st.CallID = true, c.CallID
	}
	for _, n := range held {
		if l, live := n.LiveLease(now); live && l.AgentID == a.ID &&
			(st.Lease == nil || l.ExpiresAt.After(st.Lease.Lease.ExpiresAt)) {
			st.Lease = &n
		}
	}
	if st.Lease == nil && a.CallbackNumber != "" && a.CallbackExpiresAt.After(now) {
		// The remote agent's own number, presented by their last dial.
		st.Lease = &CallbackNumber{Number: a.CallbackNumber, AgentID: a.ID,
			Lease: &Lease{AgentID: a.ID, ExpiresAt: a.CallbackExpiresAt}}
	}
	if a.Location.CurrentAt(now) {
		l := *a.Location
		st.Location = &l
	}
	st.ConfirmLocation = st.Location == nil && a.SiteID == ""
	return st
}
