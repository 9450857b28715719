package mayday

import (
	"testing"
	"time"
)

// The dial's choice of number (poolView.choose, for an agent holding none).
func TestChooseFirstChoice(t *testing.T) {
	now := time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)
	leased := func(n string, exp time.Duration) CallbackNumber {
		return CallbackNumber{Number: n, Lease: &Lease{AgentID: "x-" + n, CallID: "c-" + n, ExpiresAt: now.Add(exp)}}
	}
	released := func(n string, ago time.Duration) CallbackNumber {
		return CallbackNumber{Number: n, ReleasedAt: now.Add(-ago)}
	}
	busy := map[string]bool{"x-+4": true, "x-+5": true} // holders in an emergency
	tests := []struct {
		name     string
		pool     []CallbackNumber
		want     string
		takeover bool
		ok       bool
	}{
		{"empty pool", nil, "", false, false},
		{"never leased first", []CallbackNumber{released("+1", time.Hour), {Number: "+2"}}, "+2", false, true},
		{"least recently released first", []CallbackNumber{released("+1", time.Minute), released("+2", 3*time.Hour), released("+3", time.Hour)}, "+2", false, true},
		{"live leases are skipped", []CallbackNumber{leased("+1", time.Minute), released("+2", time.Second)}, "+2", false, true},
		{"expired lease not yet swept is free, released at its expiry", []CallbackNumber{leased("+1", -2*time.Hour), released("+2", time.Hour)}, "+1", false, true},
		{"expiry exactly now is free (valid only while expiresAt > now)", []CallbackNumber{leased("+1", 0)}, "+1", false, true},
		{"exhausted: the lease nearest to expiry is taken over", []CallbackNumber{leased("+1", 50*time.Minute), leased("+2", 5*time.Minute), leased("+3", 30*time.Minute)}, "+2", true, true},
		{"exhausted: a holder in an emergency is passed over", []CallbackNumber{leased("+1", 50*time.Minute), leased("+4", 5*time.Minute), leased("+3", 30*time.Minute)}, "+3", true, true},
		{"exhausted, every holder in an emergency: nothing", []CallbackNumber{leased("+4", 5*time.Minute), leased("+5", 30*time.Minute)}, "", false, false},
		{"ties break on the number", []CallbackNumber{{Number: "+9"}, {Number: "+5"}}, "+5", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := (&poolView{numbers: tt.pool}).choose(Agent{ID: "a-1"}, spread{}, busy, now)
			if ok != tt.ok || c.Number.Number != tt.want || c.Takeover != tt.takeover {
				t.Fatalf("choose = %s takeover=%v ok=%v, want %s takeover=%v ok=%v",
					c.Number.Number, c.Takeover, ok, tt.want, tt.takeover, tt.ok)
			}
		})
	}
}

func TestRelease(t *testing.T) {
	now := time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)
	n := CallbackNumber{Number: "+1", Lease: &Lease{AgentID: "a", ExpiresAt: now.Add(time.Second)}}
	if _, ok := n.Release(now); ok {
		t.Fatal("released a live lease")
	}
	l, ok := n.Release(now.Add(time.Second))
	if !ok || l.AgentID != "a" || n.Lease != nil || !n.ReleasedAt.Equal(now.Add(time.Second)) {
		t.Fatalf("release at expiry: ok=%v lease=%v releasedAt=%v", ok, n.Lease, n.ReleasedAt)
	}
	if _, ok := n.Release(now.Add(time.Hour)); ok {
		t.Fatal("released twice")
	}
}

func TestParseE164(t *testing.T) {
	for in, want := range map[string]string{"+14255550001": "+14255550001", "+1 (425) 555-0001": "+14255550001", "14255550001": "", "+0123": "", "": ""} {
		got, err := ParseE164(in)
		if (want == "") != (err != nil) || got != want {
			t.Errorf("ParseE164(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
