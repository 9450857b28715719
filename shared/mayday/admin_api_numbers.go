package mayday

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

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
	// Another country's number reaches that country's emergency network,
	// never the caller's.
	if !NumberInCountry(num, country) {
		return CallbackNumber{}, false, fmt.Errorf("%w: number %s is not a number of %s", ErrInvalid, num, country)
	}
	if err := ValidOptionalID("siteId", siteID); err != nil {
		return CallbackNumber{}, false, err
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
