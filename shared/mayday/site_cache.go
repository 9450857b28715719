package mayday

import "sync"

// siteCache keeps the sites and the agents' home sites a dial function has
// read, so that when the store is down the dial can still present the
// site's emergency callback number. Sites change rarely; a stale entry is
// replaced at the next successful read.
type siteCache struct {
	mu     sync.Mutex
	sites  map[string]Site
	agents map[string]string // agent id → home site id
}

func newSiteCache() *siteCache {
	return &siteCache{sites: map[string]Site{}, agents: map[string]string{}}
}

func (c *siteCache) put(s Site) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sites[s.ID] = s
}

func (c *siteCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.sites, id)
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
