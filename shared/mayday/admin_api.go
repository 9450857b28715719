package mayday

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
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
	a, err := api.store.GetAgent(ctx, id)
	if err != nil {
		return Agent{}, fmt.Errorf("agent %s: %w", id, err)
	}
	return a, nil
}

// SetPresence applies a presence change from the contact center.
func (api *AdminAPI) SetPresence(ctx context.Context, id string, p Presence) (Agent, error) {
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

// DesktopState is what the agent desktop renders (GET .../state).
type DesktopState struct {
	AgentID   string
	Presence  Presence
	Emergency bool
	CallID    string
	Lease     *CallbackNumber // the live callback lease, if any
	// Location is the agent's current confirmed location, if any;
	// ConfirmLocation asks the desktop to have the agent confirm one
	// (none is current and the agent has no home site).
	Location        *AgentLocation
	ConfirmLocation bool
}

// Panel actions and texts of the agent desktop.
var (
	EmergencyPanel = []string{"deviceSettings", "endCall"}
	NormalPanel    = []string{"deviceSettings", "endCall", "hold", "mute", "transfer", "consult", "keypad"}
)

const EmergencyAlert = "Emergency call in progress"

// State reads what the agent desktop shows now.
func (api *AdminAPI) State(ctx context.Context, id string) (DesktopState, error) {
	a, err := api.GetAgent(ctx, id)
	if err != nil {
		return DesktopState{}, err
	}
	st := DesktopState{AgentID: a.ID, Presence: a.Presence}
	if st.Presence == "" {
		st.Presence = Available
	}
	if c, ok := a.LatestActive(); ok {
		st.Emergency, st.CallID = true, c.CallID
	}
	held, err := api.store.LeasesHeldBy(ctx, id)
	if err != nil {
		return DesktopState{}, fmt.Errorf("agent %s: leases: %w", id, err)
	}
	now := api.now()
	for _, n := range held {
		if l, live := n.LiveLease(now); live && l.AgentID == id &&
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
	return st, nil
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
	country := NormaliseCountry(a.Country)
	if a.SiteID != "" {
		s, err := api.store.GetSite(ctx, a.SiteID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Readiness{}, fmt.Errorf("site %s: %w", a.SiteID, err)
		}
		if err == nil {
			site, country = &s, s.Country
		}
	}
	numbers, err := api.store.ListNumbers(ctx, country)
	if err != nil {
		return Readiness{}, fmt.Errorf("pool %s: %w", country, err)
	}
	if country == "" {
		numbers = nil
	}
	pool, now := InPool(numbers, country, a.SiteID), api.now()
	r := Assess(a, site, len(pool), now)
	if api.numbers != nil {
		r.Checks = append(r.Checks, api.registryChecks(ctx, a, site, pool, country, now)...)
		for _, c := range r.Checks {
			r.Ready = r.Ready && c.OK
		}
	}
	return r, nil
}

// AddNumber adds a callback number to its country's pool (numbers of no
// site).
func (api *AdminAPI) AddNumber(ctx context.Context, number, country string) (CallbackNumber, bool, error) {
	return api.AddNumberAt(ctx, number, country, "")
}

// AddNumberAt adds a callback number to a site's pool (its emergency address
// is registered with the carrier at the site's address), or to its
// country's pool when siteID is empty. created is false when it was there
// already; another pool is a conflict.
func (api *AdminAPI) AddNumberAt(ctx context.Context, number, country, siteID string) (n CallbackNumber, created bool, err error) {
	num, err := ParseE164(number)
	if err != nil {
		return CallbackNumber{}, false, err
	}
	country = NormaliseCountry(country)
	if !SupportedCountry(country) {
		return CallbackNumber{}, false, fmt.Errorf("%w: country %q is not a supported location", ErrInvalid, country)
	}
	if siteID != "" {
		site, err := api.store.GetSite(ctx, siteID)
		if errors.Is(err, ErrNotFound) {
			return CallbackNumber{}, false, fmt.Errorf("%w: siteId %q: no such site", ErrInvalid, siteID)
		}
		if err != nil {
			return CallbackNumber{}, false, fmt.Errorf("site %s: %w", siteID, err)
		}
		if site.Country != country {
			return CallbackNumber{}, false, fmt.Errorf("%w: country %s differs from site %s's country %s", ErrInvalid, country, siteID, site.Country)
		}
	}
	now := api.now()
	n, err = api.store.UpdateNumber(ctx, num, func(n *CallbackNumber) error {
		created = false
		switch {
		case n.AgentID != "":
			return fmt.Errorf("%w: %s is agent %s's own number", ErrConflict, num, n.AgentID)
		case n.Version > 0 && n.Country == country && n.SiteID == siteID:
			return ErrNoChange
		case n.Version > 0:
			return fmt.Errorf("%w: %s is already in the %s", ErrConflict, num, Pool{Country: n.Country, SiteID: n.SiteID})
		}
		n.Country, n.SiteID, n.AddedAt, created = country, siteID, now, true
		return nil
	})

	if err != nil {
		return CallbackNumber{}, false, fmt.Errorf("callback number %s: %w", num, err)
	}
	return n, created, nil
}

// RemoveNumber takes a number out of the pool unless it is leased.
func (api *AdminAPI) RemoveNumber(ctx context.Context, number string) error {
	num, err := ParseE164(number)
	if err != nil {
		return err
	}
	now := api.now()
	err = api.store.DeleteNumber(ctx, num, func(n CallbackNumber) error {
		if l, live := n.LiveLease(now); live {
			return fmt.Errorf("%w: %s is leased to agent %s until %s", ErrConflict, num, l.AgentID, l.ExpiresAt.Format(time.RFC3339))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("callback number %s: %w", num, err)
	}
	return nil
}

// Numbers lists every pool.
func (api *AdminAPI) Numbers(ctx context.Context) ([]CallbackNumber, error) {
	ns, err := api.store.ListNumbers(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("pools: %w", err)
	}
	slices.SortFunc(ns, func(a, b CallbackNumber) int {
		return cmp.Or(cmp.Compare(a.Country, b.Country), cmp.Compare(a.Number, b.Number))
	})
	return ns, nil
}

// knownSite refuses a site id that names no site.
func (api *AdminAPI) knownSite(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	_, err := api.store.GetSite(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("%w: siteId %q: no such site", ErrInvalid, id)
	}
	if err != nil {
		return fmt.Errorf("site %s: %w", id, err)
	}
	return nil
}

// PutSite creates or replaces a site (validated with Site.Validate).
func (api *AdminAPI) PutSite(ctx context.Context, id string, in Site) (Site, error) {
	in.Country, in.Address.Country = NormaliseCountry(in.Country), NormaliseCountry(in.Address.Country)
	if in.EmergencyCallbackNumber != "" {
		n, err := ParseE164(in.EmergencyCallbackNumber)
		if err != nil {
			return Site{}, fmt.Errorf("emergencyCallbackNumber: %w", err)
		}
		in.EmergencyCallbackNumber = n
	}
	if err := in.Validate(); err != nil {
		return Site{}, err
	}
	now := api.now()
	s, err := api.store.UpdateSite(ctx, id, func(s *Site) error {
		version := s.Version
		*s = in
		s.ID, s.Notify, s.UpdatedAt, s.Version = id, slices.Clone(in.Notify), now, version
		return nil
	})
	if err != nil {
		return Site{}, fmt.Errorf("site %s: %w", id, err)
	}
	return s, nil
}

// GetSite returns a stored site.
func (api *AdminAPI) GetSite(ctx context.Context, id string) (Site, error) {
	s, err := api.store.GetSite(ctx, id)
	if err != nil {
		return Site{}, fmt.Errorf("site %s: %w", id, err)
	}
	return s, nil
}

// Sites lists every site.
func (api *AdminAPI) Sites(ctx context.Context) ([]Site, error) {
	ss, err := api.store.ListSites(ctx)
	if err != nil {
		return nil, fmt.Errorf("sites: %w", err)
	}
	slices.SortFunc(ss, func(a, b Site) int { return cmp.Compare(a.ID, b.ID) })
	return ss, nil
}

// DeleteSite removes a site no callback number and no agent uses: their
// calls would lose their address.
func (api *AdminAPI) DeleteSite(ctx context.Context, id string) error {
	site, err := api.store.GetSite(ctx, id)
	if err != nil {
		return fmt.Errorf("site %s: %w", id, err)
	}
	numbers, err := api.store.ListNumbers(ctx, site.Country)
	if err != nil {
		return fmt.Errorf("site %s: numbers: %w", id, err)
	}
	var used []string
	for _, n := range numbers {
		if n.SiteID == id {
			used = append(used, n.Number)
		}
	}
	agents, err := api.store.AgentsAtSite(ctx, id)
	if err != nil {
		return fmt.Errorf("site %s: agents: %w", id, err)
	}
	for _, a := range agents {
		used = append(used, "agent "+a.ID)
	}
	if len(used) > 0 {
		return fmt.Errorf("%w: site %s is in use by %s", ErrConflict, id, strings.Join(used, ", "))
	}
	if err := api.store.DeleteSite(ctx, id, func(Site) error { return nil }); err != nil {
		return fmt.Errorf("site %s: %w", id, err)
	}
	return nil
}

// SetContacts replaces an existing agent's emergency contacts (already
// parsed and validated with ParseContacts).
func (api *AdminAPI) SetContacts(ctx context.Context, id string, contacts []string) (Agent, error) {
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
