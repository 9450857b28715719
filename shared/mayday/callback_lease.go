package mayday

import (
	"context"
	"fmt"
	"slices"
)

// The pools a callback lease is taken from. The dial takes it before it
// answers (dial_detection.go), because the answer presents the number as
// the call's caller ID.

// Pool names the numbers a call may lease: the site's, or, when the site
// has none (or the call has no site), its country's numbers with no site.
// Never a number of another site: it is registered at another address.
type Pool struct {
	Country string
	SiteID  string
}

func (p Pool) String() string {
	if p.SiteID != "" {
		return "pool of site " + p.SiteID
	}
	return p.Country + " pool"
}

// poolAt is the pool of a call at site (nil: none) in country.
func poolAt(site *Site, country string) Pool {
	if site == nil {
		return Pool{Country: country}
	}
	return Pool{Country: site.Country, SiteID: site.ID}
}

// InPool keeps, in place, the numbers of the pool a call at site (of
// country) leases from: numbers is the caller's, and under a burst of dials
// a copy per dial is CPU the answers wait for.
func InPool(numbers []CallbackNumber, country, site string) []CallbackNumber {
	if site == "" || !slices.ContainsFunc(numbers, func(n CallbackNumber) bool { return n.SiteID == site }) {
		site = ""
	}
	return slices.DeleteFunc(numbers, func(n CallbackNumber) bool {
		return n.SiteID != site || site == "" && n.Country != country
	})
}

// pool reads the numbers a call may lease.
func (p ports) pool(ctx context.Context, pool Pool) ([]CallbackNumber, error) {
	all, err := p.store.ListNumbers(ctx, pool.Country)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pool, err)
	}
	return InPool(all, pool.Country, pool.SiteID), nil
}
