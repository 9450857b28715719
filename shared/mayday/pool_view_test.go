package mayday

import (
	"context"
	"fmt"
	"testing"
	"time"
)

var spreadNow = time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)

// spreadPool is +01..+10, free, +01 released longest ago, +10 last.
func spreadPool() []CallbackNumber {
	var out []CallbackNumber
	for i := 1; i <= 10; i++ {
		out = append(out, CallbackNumber{Number: fmt.Sprintf("+%02d", i), ReleasedAt: spreadNow.Add(-time.Duration(20-i) * time.Minute)})
	}
	return out
}

// fixed is a random source that always draws n-1-back, or 0 for back < 0:
// the draws a test wants, not the ones math/rand happens to make.
func fixed(back int) func(int) int {
	return func(n int) int {
		if back < 0 {
			return 0
		}
		return max(0, n-1-back)
	}
}

// The choice of a free number under contention: released longest ago
// first; after one lost race, at random among the spreadOldest released
// longest ago; after more, among all; passing over the numbers lost and,
// while another will do, those the function's other dials are taking.
func TestChooseSpread(t *testing.T) {
	set := func(ns ...string) map[string]bool {
		m := map[string]bool{}
		for _, n := range ns {
			m[n] = true
		}
		return m
	}
	claims := func(ns ...string) map[string]int {
		m := map[string]int{}
		for _, n := range ns {
			m[n]++
		}
		return m
	}
	tests := []struct {
		name  string
		agent Agent
		s     spread
		want  string
	}{
		{"no race: the oldest, whatever the draw", Agent{ID: "a"}, spread{rand: fixed(0)}, "+01"},
		{"one race lost: the draw among the 8 oldest, last of them", Agent{ID: "a"},
			spread{losses: 1, lost: set("+01"), rand: fixed(0)}, "+09"},
		{"one race lost: the draw among the 8 oldest, first of them", Agent{ID: "a"},
			spread{losses: 1, lost: set("+01"), rand: fixed(-1)}, "+02"},
		{"one race lost, the 8 oldest lost or claimed: the next", Agent{ID: "a"},
			spread{losses: 1, lost: set("+01", "+02", "+03", "+04"), claimed: claims("+05", "+06", "+07", "+08"), rand: fixed(-1)}, "+09"},
		{"two races lost: any free number (a draw of 0 keeps the last seen)", Agent{ID: "a"},
			spread{losses: 2, lost: set("+01", "+02"), rand: fixed(-1)}, "+10"},
		{"two races lost: any free number (the first kept)", Agent{ID: "a"},
			spread{losses: 2, lost: set("+01", "+02"), rand: func(n int) int { return min(n-1, 1) }}, "+03"},
		{"claimed by another dial of the function: the next oldest", Agent{ID: "a"},
			spread{claimed: claims("+01", "+02")}, "+03"},
		{"every free number claimed: the oldest claimed (its claimer may lose)", Agent{ID: "a"},
			spread{claimed: claims("+01", "+02", "+03", "+04", "+05", "+06", "+07", "+08", "+09", "+10")}, "+01"},
		{"the agent's recorded number, claimed by its other dial: that one", Agent{ID: "a", CallbackNumber: "+07"},
			spread{claimed: claims("+07"), losses: 2, rand: fixed(0)}, "+07"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := (&poolView{numbers: spreadPool()}).choose(tt.agent, tt.s, nil, spreadNow)
			if !ok || c.Number.Number != tt.want || c.Takeover {
				t.Fatalf("choose = %s takeover=%v ok=%v, want %s", c.Number.Number, c.Takeover, ok, tt.want)
			}
		})
	}
}

// Dials of one function take the free numbers in order, released longest
// ago first, each claimed from its choice to its write; a dial that lost
// its race picks among the oldest at random, never the number it lost.
func TestLeaserClaims(t *testing.T) {
	ctx := context.Background()
	pool := Pool{Country: "US", SiteID: "sea"}
	ps := newPools()
	draws := 0
	ps.rand = func(n int) int { draws++; return n - 1 }
	v := &poolView{numbers: spreadPool(), written: map[string]CallbackNumber{}}
	ps.entries[pool] = &poolEntry{view: v, at: time.Now()}
	plan := []callerStep{{pool: &pool}}
	choose := func(l *leaser, agent string) string {
		t.Helper()
		c, ok, err := l.choose(ctx, ports{}, Agent{ID: agent}, spreadNow)
		if err != nil || !ok {
			t.Fatalf("%s: choose: %v %v", agent, ok, err)
		}
		return c.Number.Number
	}
	a, b, c := newLeaser(plan, ps), newLeaser(plan, ps), newLeaser(plan, ps)
	if got := []string{choose(a, "a"), choose(b, "b"), choose(c, "c")}; fmt.Sprint(got) != "[+01 +02 +03]" {
		t.Fatalf("concurrent dials chose %v, want +01 +02 +03", got)
	}
	if draws != 0 {
		t.Fatalf("%d random draws without a lost race", draws)
	}
	// a writes +01: the view shows it leased, the claim goes.
	n := v.numbers[0]
	n.Lease = &Lease{AgentID: "a", ExpiresAt: spreadNow.Add(time.Hour)}
	a.wrote(n)
	// A race lost on a view the dial did not read itself only sends it to
	// read the pool: the number may have changed in a way it never saw.
	stale := newLeaser(plan, ps)
	choose(stale, "s")
	if stale.lostRace("+04", ""); stale.view != nil || !stale.fresh || stale.losses != 0 || len(stale.lost) != 0 {
		t.Fatalf("a race lost on a cached view: view kept %v, fresh %v, %d losses, lost %v; want a read and no loss",
			stale.view != nil, stale.fresh, stale.losses, stale.lost)
	}
	// b lost +02 to another function on a view it read: it draws among the
	// 8 oldest free numbers not lost (+03 .. +10; +03 is c's), the draw
	// taking the last.
	b.fresh = true
	b.lostRace("+02", "")
	if got := choose(b, "b"); got != "+10" || draws != 1 {
		t.Fatalf("after a lost race b chose %s with %d draws, want +10 with 1", got, draws)
	}
	c.done()
	b.done()
	if len(ps.claimed) != 0 {
		t.Fatalf("claims left after every dial is done: %v", ps.claimed)
	}
	// The next dial takes the oldest free number, +02 (b lost it to a
	// write this function's view has not seen).
	if got := choose(newLeaser(plan, ps), "d"); got != "+02" {
		t.Fatalf("the next dial chose %s, want +02", got)
	}
}
