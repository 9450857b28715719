package mayday

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"
)

// siteFreshFor is how long a site read is used without reading it again:
// sites change rarely, and a dial is the path to keep short. An operator's
// change to a site's address or numbers is seen within this time.
const siteFreshFor = 30 * time.Second

// siteCache keeps the sites and the agents' home sites a function has read:
// fresh entries spare a read, and when the store is down a dial can still
// present the site's emergency callback number from an older one.
type siteCache struct {
	mu     sync.Mutex
	sites  map[string]Site
	read   map[string]time.Time
	agents map[string]string // agent id → home site id
	all    []Site            // every site, for matching networks
	listed time.Time
}

func newSiteCache() *siteCache {
	return &siteCache{sites: map[string]Site{}, read: map[string]time.Time{}, agents: map[string]string{}}
}

func (c *siteCache) put(s Site) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sites[s.ID], c.read[s.ID] = s, time.Now()
}

// fresh is the site if it was read less than siteFreshFor ago.
func (c *siteCache) fresh(id string) (Site, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.sites[id]
	return s, ok && time.Since(c.read[id]) < siteFreshFor
}

func (c *siteCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.sites, id)
	delete(c.read, id)
}

func (c *siteCache) get(id string) *Site {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.sites[id]; ok {
		return &s
	}
	return nil
}

func (c *siteCache) rememberAgent(agentID, siteID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.agents[agentID] = siteID
}

func (c *siteCache) agentSite(agentID string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.agents[agentID]
}

// load is the site: the fresh copy, else read from the store and kept. ""
// and an unknown site are no site (nil).
func (c *siteCache) load(ctx context.Context, store SiteStore, id string) (*Site, error) {
	if id == "" {
		return nil, nil
	}
	if s, ok := c.fresh(id); ok {
		return &s, nil
	}
	s, err := store.GetSite(ctx, id)
	switch {
	case errors.Is(err, ErrNotFound):
		c.forget(id)
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("site %s: %w", id, err)
	}
	c.put(s)
	return &s, nil
}

// atNetwork is the site one of whose networks holds ip, if any. The list of
// sites is read at most once per siteFreshFor: a call's client address is
// matched on every dial that carries one.
func (c *siteCache) atNetwork(ctx context.Context, store SiteStore, ip netip.Addr) (*Site, error) {
	c.mu.Lock()
	all, fresh := c.all, time.Since(c.listed) < siteFreshFor
	c.mu.Unlock()
	if !fresh {
		ss, err := store.ListSites(ctx)
		if err != nil {
			return nil, fmt.Errorf("sites: %w", err)
		}
		all = ss
		c.mu.Lock()
		c.all, c.listed = ss, time.Now()
		c.mu.Unlock()
	}
	for _, s := range all {
		for _, n := range s.Networks {
			if p, err := netip.ParsePrefix(n); err == nil && p.Contains(ip.Unmap()) {
				return &s, nil
			}
		}
	}
	return nil, nil
}
