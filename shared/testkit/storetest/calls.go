package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// Calls: one record per call id (mayday.CallStore).

func callKind() kind[mayday.Call] {
	return kind[mayday.Call]{
		get: func(ctx context.Context, s mayday.Store, id string) (mayday.Call, error) { return s.GetCall(ctx, id) },
		update: func(ctx context.Context, s mayday.Store, id string, fn func(*mayday.Call) error) (mayday.Call, error) {
			return s.UpdateCall(ctx, id, fn)
		},
		key:    func(c *mayday.Call) *string { return &c.ID },
		ver:    func(c *mayday.Call) *int64 { return &c.Version },
		sample: func() mayday.Call { return sampleCall("", true) },
		change: func(c *mayday.Call) { c.EndedAt = base.Add(5 * time.Minute) },
	}
}

func sampleCall(id string, routed bool) mayday.Call {
	c := mayday.Call{
		ID:       id,
		Kind:     mayday.KindCallback,
		AgentID:  "a-1",
		From:     "+14255550199",
		To:       "+14255550001",
		Country:  "US",
		Location: "Building 4, floor 2",
		Number:   "911",
		SiteID:   "s-1",
		// Every field set, though a callback is not answered with a caller
		// ID: the store keeps what it is given.
		CallerID:          "+14255550001",
		CallerIDSource:    mayday.CallerLease,
		CallbackExpiresAt: base.Add(time.Hour),
		StartedAt:         base,
		ReceivedAt:        base.Add(2 * time.Second),
		ExpiresAt:         base.Add(7 * 24 * time.Hour),
	}
	if routed {
		r := mayday.ToAgent("a-1")
		c.Route = &r
	}
	return c
}

// testCallRoundTrip writes calls with and without a route (a nil pointer must
// read back nil) and with zero times, and reads them back.
func testCallRoundTrip(t *testing.T, e env) {
	ctx := context.Background()
	s := e.newStore(t)
	for _, tc := range []struct {
		name string
		call mayday.Call
	}{
		{"routed", sampleCall("", true)},
		{"notRouted", sampleCall("", false)},
		{"fallback", func() mayday.Call {
			c := sampleCall("", false)
			r := mayday.ToFallback("+14255550999")
			c.Route = &r
			return c
		}()},
		{"ended", func() mayday.Call { c := sampleCall("", false); c.EndedAt = base.Add(time.Hour); return c }()},
		{"endedBeforeNew", mayday.Call{EndedAt: base, ExpiresAt: base.Add(time.Hour)}},
		{"dialLease", func() mayday.Call {
			c := sampleCall("", false)
			c.Kind, c.From, c.To = mayday.KindOutbound, "+14255550001", "911"
			c.CallerID, c.CallerIDSource, c.CallbackExpiresAt = "+14255550001", mayday.CallerLease, base.Add(time.Hour).In(zone)
			return c
		}()},
		{"dialECBN", func() mayday.Call {
			c := sampleCall("", false)
			c.Kind, c.From, c.To = mayday.KindOutbound, "+14255550001", "911"
			c.CallerID, c.CallerIDSource, c.CallbackExpiresAt = "+12065550100", mayday.CallerECBN, time.Time{}
			return c
		}()},
		{"dialDefault", func() mayday.Call {
			c := sampleCall("", false)
			c.Kind, c.SiteID = mayday.KindOutbound, ""
			c.CallerID, c.CallerIDSource, c.CallbackExpiresAt = "", mayday.CallerDefault, time.Time{}
			return c
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.call
			want.ID = tc.name
			checkRoundTrip(t, want, func(c *mayday.Call) *int64 { return &c.Version },
				func(fn func(*mayday.Call) error) (mayday.Call, error) { return s.UpdateCall(ctx, tc.name, fn) },
				func() (mayday.Call, error) { return s.GetCall(ctx, tc.name) })
			if got, err := s.GetCall(ctx, tc.name); err == nil && (got.Route == nil) != (want.Route == nil) {
				t.Errorf("Route nil = %v, want %v", got.Route == nil, want.Route == nil)
			}
		})
	}
}
