package mayday

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// knownSite refuses a site id that names no site.
func (api *AdminAPI) knownSite(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	if err := ValidID("siteId", id); err != nil {
		return err
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
	if err := ValidID("siteId", id); err != nil {
		return Site{}, err
	}
	in.Country, in.Address.Country = NormaliseCountry(in.Country), NormaliseCountry(in.Address.Country)
	if in.EmergencyCallbackNumber != "" {
		n, err := ParseE164(in.EmergencyCallbackNumber)
		if err != nil {
			return Site{}, fmt.Errorf("emergencyCallbackNumber: %w", err)
		}
		in.EmergencyCallbackNumber = n
	}
	if err := in.normaliseAlerting(); err != nil {
		return Site{}, err
	}
	if err := in.Validate(); err != nil {
		return Site{}, err
	}
	now := api.now()
	s, err := api.store.UpdateSite(ctx, id, func(s *Site) error {
		version := s.Version
		*s = in
		s.ID, s.Notify, s.UpdatedAt, s.Version = id, slices.Clone(in.Notify), now, version
		s.NotifySMS, s.Escalate = slices.Clone(in.NotifySMS), slices.Clone(in.Escalate)
		return nil
	})
	if err != nil {
		return Site{}, fmt.Errorf("site %s: %w", id, err)
	}
	return s, nil
}

// GetSite returns a stored site.
func (api *AdminAPI) GetSite(ctx context.Context, id string) (Site, error) {
	if err := ValidID("siteId", id); err != nil {
		return Site{}, err
	}
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
	if err := ValidID("siteId", id); err != nil {
		return err
	}
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
