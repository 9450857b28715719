// Package webhooksecret provides the keys a webhook signature may be made
// with. In AWS the key lives in Secrets Manager (package awssecret reads it);
// this package holds what does not depend on where it lives: the Source
// shape the HTTP API verifies against, the in-process cache, the rotation
// window in which the previous key is still accepted, so that a rotation
// never refuses an emergency dial signed a moment before it, and the
// X-Mayday-Signature scheme itself (Sign, Verify), which the HTTP API checks
// and the presence webhook signs with, so a signer need not link the API.
package webhooksecret

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Source returns the secrets a signature may be made with, the current one
// first.
type Source func(context.Context) ([][]byte, error)

// Static is the source of plain secrets (the local runner and local
// stand-ins): current, then previous when set.
func Static(current string, previous ...string) Source {
	var out [][]byte
	for _, s := range append([]string{current}, previous...) {
		if s != "" {
			out = append(out, []byte(s))
		}
	}
	return func(context.Context) ([][]byte, error) {
		if len(out) == 0 {
			return nil, errors.New("webhook secret: not configured")
		}
		return out, nil
	}
}

// Versions is what the secret store holds: the current value, since when it
// is current, and the value it replaced (nil when there is none).
type Versions struct {
	Current  []byte
	Since    time.Time
	Previous []byte
}

// Fetch reads the secret's versions from its store.
type Fetch func(context.Context) (Versions, error)

// Cache defaults.
const (
	// DefaultTTL: a rotated secret is served within a minute, with at most
	// one store read per minute per warm function.
	DefaultTTL = time.Minute
	// retryAfter: after a failed refresh, the last good secrets are served
	// this long before the store is asked again, so a store outage neither
	// refuses signed webhooks nor adds its timeouts to every request.
	retryAfter = 10 * time.Second
)

// Rotating serves fetch's versions through an in-process cache: the
// current secret always, the previous one until overlap has passed since
// the current one became current. It reads on first use, not at init: a
// store that is slow at a cold start delays only the requests that need the
// secret. A failed refresh serves the last good secrets (stale beats a
// refused emergency dial); with none yet, it is an error.
type Rotating struct {
	Fetch   Fetch
	Overlap time.Duration
	TTL     time.Duration    // default DefaultTTL
	Now     func() time.Time // default time.Now

	mu    sync.Mutex
	have  bool
	v     Versions
	until time.Time
}

// Source is r as a Source.
func (r *Rotating) Source() Source { return r.Secrets }

// Secrets returns the secrets a signature may be made with now.
func (r *Rotating) Secrets(ctx context.Context) ([][]byte, error) {
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.have || !now.Before(r.until) {
		v, err := r.Fetch(ctx)
		switch {
		case err == nil && len(v.Current) == 0:
			err = errors.New("webhook secret: empty")
			fallthrough
		case err != nil:
			if !r.have {
				return nil, fmt.Errorf("webhook secret: %w", err)
			}
			r.until = now.Add(retryAfter)
		default:
			ttl := r.TTL
			if ttl <= 0 {
				ttl = DefaultTTL
			}
			r.v, r.have, r.until = v, true, now.Add(ttl)
		}
	}
	out := [][]byte{r.v.Current}
	if len(r.v.Previous) > 0 && now.Before(r.v.Since.Add(r.Overlap)) {
		out = append(out, r.v.Previous)
	}
	return out, nil
}
