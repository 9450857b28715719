package mayday

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
)

// AdminAPI is the admin-api function's use case: what operators configure
// (agents, emergency contacts, callback pools), what they check (readiness,
// call history), and the state the agent desktop renders.
type AdminAPI struct{ ports }

// NewAdminAPI builds the use case; it needs only the store.
func NewAdminAPI(store Store, o Options) (*AdminAPI, error) {
	p, err := newPorts("admin api", o, store, nil, port{"store", store})
	if err != nil {
		return nil, err
	}
	return &AdminAPI{p}, nil
}

// PutAgent creates or replaces an agent's profile, keeping any emergency in
// progress.
func (api *AdminAPI) PutAgent(ctx context.Context, id string, p Profile) (Agent, error) {
	if err := ValidID("agentId", id); err != nil {
		return Agent{}, err
	}
	p.Country = NormaliseCountry(p.Country)
	if p.NumberType == "" {
		p.NumberType = NumberDirectOffer
	}
	if err := p.Validate(); err != nil {
		return Agent{}, err
	}
	if err := api.knownSite(ctx, p.SiteID); err != nil {
		return Agent{}, err
	}
	now := api.now()
	a, err := api.store.UpdateAgent(ctx, id, func(a *Agent) error {
		presence := a.Presence // the profile's presence is a change to apply, not the state
		a.Profile = p
		a.EmergencyContacts, a.DirectRoutingRules = slices.Clone(p.EmergencyContacts), slices.Clone(p.DirectRoutingRules)
		a.Presence = presence
		if p.Presence != "" {
			a.SetPresence(p.Presence)
		} else if a.Presence == "" {
			a.Presence = Available
		}
		a.UpdatedAt = now
		return nil
	})
	if err != nil {
		return Agent{}, fmt.Errorf("agent %s: %w", id, err)
	}
	return a, nil
}

// GetAgent returns a stored agent.
func (api *AdminAPI) GetAgent(ctx context.Context, id string) (Agent, error) {
	if err := ValidID("agentId", id); err != nil {
		return Agent{}, err
	}
	a, err := api.store.GetAgent(ctx, id)
	if err != nil {
		return Agent{}, fmt.Errorf("agent %s: %w", id, err)
	}
	return a, nil
}

// SetPresence applies a presence change from the contact center.
func (api *AdminAPI) SetPresence(ctx context.Context, id string, p Presence) (Agent, error) {
	if err := ValidID("agentId", id); err != nil {
		return Agent{}, err
	}
	now := api.now()
	a, err := api.store.UpdateAgent(ctx, id, func(a *Agent) error {
		if a.Version == 0 {
			return ErrNotFound
		}
		a.SetPresence(p)
		a.UpdatedAt = now
		return nil
	})
	if err != nil {
		return Agent{}, fmt.Errorf("agent %s: %w", id, err)
	}
	return a, nil
}

// History lists an agent's call-history activities, newest first.
func (api *AdminAPI) History(ctx context.Context, id string) ([]Activity, error) {
	if _, err := api.GetAgent(ctx, id); err != nil {
		return nil, err
	}
	acts, err := api.store.ListActivities(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("agent %s: history: %w", id, err)
	}
	slices.SortFunc(acts, func(a, b Activity) int { return b.EndedAt.Compare(a.EndedAt) })
	return acts, nil
}

// Readiness reports an agent's prerequisites for emergency calls.
func (api *AdminAPI) Readiness(ctx context.Context, id string) (Readiness, error) {
	a, err := api.GetAgent(ctx, id)
	if err != nil {
		return Readiness{}, err
	}
	var site *Site
	if a.SiteID != "" {
		s, err := api.store.GetSite(ctx, a.SiteID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Readiness{}, fmt.Errorf("site %s: %w", a.SiteID, err)
		}
		if err == nil {
			site = &s
		}
	}
	site, country := homeSite(a, site)
	var numbers []CallbackNumber
	if country != "" {
		if numbers, err = api.store.ListNumbers(ctx, country); err != nil {
			return Readiness{}, fmt.Errorf("pool %s: %w", country, err)
		}
	}
	pool, now := poolOf(numbers, country, a.SiteID), api.now()
	r := Assess(a, site, len(pool), now)
	if api.numbers != nil {
		r.Checks = append(r.Checks, api.registryChecks(ctx, a, site, pool, country, now)...)
		for _, c := range r.Checks {
			r.Ready = r.Ready && c.OK
		}
	}
	return r, nil
}

// SetContacts replaces an existing agent's emergency contacts (already
// parsed and validated with ParseContacts).
func (api *AdminAPI) SetContacts(ctx context.Context, id string, contacts []string) (Agent, error) {
	if err := ValidID("agentId", id); err != nil {
		return Agent{}, err
	}
	now := api.now()
	a, err := api.store.UpdateAgent(ctx, id, func(a *Agent) error {
		if a.Version == 0 {
			return ErrNotFound
		}
		a.EmergencyContacts = slices.Clone(contacts)
		a.UpdatedAt = now
		return nil
	})
	if err != nil {
		return Agent{}, fmt.Errorf("agent %s: %w", id, err)
	}
	return a, nil
}

// Agents lists the agents the store can enumerate without a table scan: the
// agents at every site, and any agent in an emergency now (a site-less one
// included). An agent with no site and no emergency is read by id.
func (api *AdminAPI) Agents(ctx context.Context) ([]Agent, error) {
	sites, err := api.store.ListSites(ctx)
	if err != nil {
		return nil, fmt.Errorf("agents: sites: %w", err)
	}
	return api.agentsOf(ctx, sites)
}

// agentsOf lists the agents at the sites and those in an emergency, once
// each, by id: one query per site and one for the emergencies.
func (api *AdminAPI) agentsOf(ctx context.Context, sites []Site) ([]Agent, error) {
	seen := map[string]bool{}
	var out []Agent
	add := func(as []Agent) {
		for _, a := range as {
			if !seen[a.ID] {
				seen[a.ID] = true
				out = append(out, a)
			}
		}
	}
	for _, s := range sites {
		as, err := api.store.AgentsAtSite(ctx, s.ID)
		if err != nil {
			return nil, fmt.Errorf("agents at site %s: %w", s.ID, err)
		}
		add(as)
	}
	busy, err := api.store.AgentsInEmergencySince(ctx, api.now())
	if err != nil {
		return nil, fmt.Errorf("agents in an emergency: %w", err)
	}
	add(busy)
	slices.SortFunc(out, func(a, b Agent) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}
