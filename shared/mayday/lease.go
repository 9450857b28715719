package mayday

import (
	"fmt"
	"regexp"
	"time"
)

// CallbackNumber is a number of an organisation's callback pool, with its
// lease if one was granted. A lease is valid only while ExpiresAt > now:
// storage TTL deletion is lazy, so validity is always checked at read time.
type CallbackNumber struct {
	Number  string
	Country string
	// SiteID is the site whose address the number is registered at; empty
	// for the country's pool.
	SiteID string
	// AgentID is the agent whose own number this is, registered at the
	// agent's remote address: it is never in a pool.
	AgentID string `json:",omitempty"`
	Lease   *Lease `json:",omitempty"`
	// ReleasedAt is when the last lease ended; zero if never leased.
	ReleasedAt time.Time
	AddedAt    time.Time
	Version    int64
}

// Lease grants a callback number to an agent until ExpiresAt.
type Lease struct {
	AgentID   string
	CallID    string
	LeasedAt  time.Time
	ExpiresAt time.Time
}

// LiveLease returns the lease if it is valid at now.
func (n CallbackNumber) LiveLease(now time.Time) (Lease, bool) {
	if n.Lease == nil || !n.Lease.ExpiresAt.After(now) {
		return Lease{}, false
	}
	return *n.Lease, true
}

// releasedAt is when the number became free: an expired lease not yet swept
// counts as released at its expiry.
func (n CallbackNumber) releasedAt() time.Time {
	if n.Lease != nil {
		return n.Lease.ExpiresAt
	}
	return n.ReleasedAt
}

// Release ends an expired lease, recording when it ended. It reports whether
// there was an expired lease to release.
func (n *CallbackNumber) Release(now time.Time) (Lease, bool) {
	if n.Lease == nil || n.Lease.ExpiresAt.After(now) {
		return Lease{}, false
	}
	l := *n.Lease
	n.ReleasedAt, n.Lease = l.ExpiresAt, nil
	return l, true
}

// Choice is the number picked for a new lease.
type Choice struct {
	Number CallbackNumber
	// Takeover is set when the pool was exhausted and the lease nearest to
	// expiry was taken from its holder.
	Takeover bool
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// ParseE164 normalises a phone number (punctuation dropped) and checks it is
// E.164.
func ParseE164(s string) (string, error) {
	n := NormaliseDialed(s)
	if !e164.MatchString(n) {
		return "", fmt.Errorf("%w: number %q is not an E.164 number like +14255550001", ErrInvalid, s)
	}
	return n, nil
}
