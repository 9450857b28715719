package bench

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mayday/mayday/shared/settings"
)

// webhookInProcess times the dial webhook through the in-process handler
// (httptest recorder), fresh call ids, one agent each, each answer a
// callback lease from the site's pool (nextDial keeps a free number in it).
// Each sample is taken on a quiet system: the chain of the previous dial
// has settled first.
func webhookInProcess(s *system, prefix string, from, n int) (Samples, error) {
	out := make(Samples, 0, n)
	for i := range n {
		if err := s.nextDial(); err != nil {
			return nil, err
		}
		agent := agentID(prefix, from+i)
		body := dialBody(agent+"-c1", agent)
		start := time.Now()
		code, resp := s.serve(http.MethodPost, "/v1/telephony/events", body, true)
		d := time.Since(start)
		if err := s.leaseAnswer(code, resp); err != nil {
			return nil, err
		}
		out = append(out, d)
		s.m.Settle()
	}
	return out, nil
}

// webhookHTTP is webhookInProcess over loopback HTTP (keep-alive).
func webhookHTTP(s *system, prefix string, from, n int) (Samples, error) {
	out := make(Samples, 0, n)
	for i := range n {
		if err := s.nextDial(); err != nil {
			return nil, err
		}
		agent := agentID(prefix, from+i)
		body := dialBody(agent+"-c1", agent)
		start := time.Now()
		code, resp, err := s.post("/v1/telephony/events", body, true)
		d := time.Since(start)
		if err != nil {
			return nil, err
		}
		if err := s.leaseAnswer(code, resp); err != nil {
			return nil, fmt.Errorf("over HTTP: %w", err)
		}
		out = append(out, d)
		s.m.Settle()
	}
	return out, nil
}

// callbackRoutes times POST /v1/telephony/inbound in process: a PSAP
// callback to a number leased by an earlier dial (round robin over the live
// leases), fresh call ids. Each callback is ended (untimed) after its sample
// so that agents do not pile up conversations.
func callbackRoutes(s *system, prefix string, n int) (Samples, error) {
	ns, err := s.m.UseCases.AdminAPI.Numbers(context.Background())
	if err != nil {
		return nil, err
	}
	var leased []string
	now := time.Now()
	for _, num := range ns {
		if _, live := num.LiveLease(now); live {
			leased = append(leased, num.Number)
		}
	}
	if len(leased) == 0 {
		return nil, fmt.Errorf("no live lease to call back")
	}
	out := make(Samples, 0, n)
	for i := range n {
		callID := fmt.Sprintf("%s-cb%05d", prefix, i)
		body := inboundBody(callID, leased[i%len(leased)])
		start := time.Now()
		code, resp := s.serve(http.MethodPost, "/v1/telephony/inbound", body, true)
		d := time.Since(start)
		if code != http.StatusOK || !strings.Contains(string(resp), `"agent"`) {
			return nil, fmt.Errorf("inbound: %d %s", code, resp)
		}
		out = append(out, d)
		s.m.Settle()
		if code, resp := s.serve(http.MethodPost, "/v1/telephony/events", endBody(callID), true); code != http.StatusOK {
			return nil, fmt.Errorf("end callback: %d %s", code, resp)
		}
		s.m.Settle()
	}
	return out, nil
}

// dialToEmail times dial webhook sent (loopback HTTP) → email accepted by
// the mailer, one call at a time, the chain settled between samples; each
// dial leases a free number (nextDial). before and after, if set, run
// untimed before each sample and after its chain has settled.
func dialToEmail(s *system, prefix string, from, n int, before, after func()) (Samples, error) {
	out := make(Samples, 0, n)
	for i := from; i < from+n; i++ {
		if err := s.nextDial(); err != nil {
			return nil, err
		}
		if before != nil {
			before()
		}
		callID := fmt.Sprintf("%s-c%05d", prefix, i)
		done := s.mailer.expect(callID)
		body := dialBody(callID, agentID(prefix, i))
		start := time.Now()
		code, resp, err := s.post("/v1/telephony/events", body, true)
		if err != nil {
			return nil, err
		}
		if err := s.leaseAnswer(code, resp); err != nil {
			return nil, err
		}
		select {
		case at := <-done:
			out = append(out, at.Sub(start))
		case <-time.After(20 * time.Second):
			return nil, fmt.Errorf("call %s: no email after 20s (dead letters: %d)", callID, len(s.m.Bus.DeadLetters()))
		}
		s.m.Settle()
		if after != nil {
			after()
		}
	}
	return out, nil
}

// Contention is the outcome of N concurrent emergency dials from N agents
// at one site.
type Contention struct {
	Agents, Pool int
	Dials        int // answered as emergency calls
	NoLocation   int // emergency answers without the site's location
	// What the answers presented: a callback lease, the site's ECBN, no
	// caller ID (the platform's default), something else.
	Leases, ECBN, NoCallerID, OtherCallerID int
	// DistinctCallerIDs: different caller IDs answered (the ECBN counts
	// once). DuplicateCallerIDs: answers presenting a leased number that an
	// earlier answer presented to another agent, take-overs included.
	DistinctCallerIDs, DuplicateCallerIDs int
	Answer                                Summary       // answer times, each dial's own
	OverBudget                            int           // answers slower than the webhook budget
	Budget                                time.Duration // the webhook budget
	OverState                             int           // answers slower than the state budget (settings.StateTimeout)
	DuplicateLeases                       int           // numbers held by >1 agent (less take-overs) + agents holding >1 number
	Emails                                int
	DuplicateEmails                       int // calls that got more than one email
	Restored                              int // agents back on their presence after the end
	Unleased                              int // agents that got no callback lease
	Takeovers                             int // leases taken over (pool exhausted)
	DeadLetters                           int
	Elapsed                               time.Duration // dials sent → chain settled
}

// contention is burst on the embedded store.
func contention(prefix string, n, numbers, series int) (Contention, error) {
	s, err := boot(nil, nil, nil)
	if err != nil {
		return Contention{Agents: n, Pool: numbers}, err
	}
	defer s.Close()
	return burst(s, prefix, n, numbers, series)
}

// burst fires n concurrent dials from n agents at one site with a pool of
// numbers numbers on s, times each answer and reads what it presented,
// waits for the chain to settle, checks the leases and the emails, then
// ends every call concurrently and checks that presence came back.
func burst(s *system, prefix string, n, numbers, series int) (Contention, error) {
	c := Contention{Agents: n, Pool: numbers, Budget: settings.WebhookBudget}
	if err := s.seed(prefix, n, numbers, series); err != nil {
		return c, err
	}
	times := make(Samples, n)
	sources := make([]string, n)
	callerIDs := make([]string, n)
	located := make([]bool, n)
	start := time.Now()
	answered := concurrently(n, func(i int) bool {
		t0 := time.Now()
		code, resp := s.serve(http.MethodPost, "/v1/telephony/events",
			dialBody(fmt.Sprintf("%s-c%05d", prefix, i), agentID(prefix, i)), true)
		times[i] = time.Since(t0)
		a, src, err := s.dialAnswer(code, resp)
		if err != nil {
			return false
		}
		sources[i], callerIDs[i], located[i] = src, a.CallerID, s.atSite(a)
		return true
	})
	s.m.Settle()
	c.Elapsed = time.Since(start)
	c.Dials = answered
	c.Answer = Summarise(times)
	seen := map[string]bool{}
	for i, src := range sources {
		if times[i] > c.Budget {
			c.OverBudget++
		}
		if times[i] > settings.StateTimeout {
			c.OverState++
		}
		if src != "" && !located[i] {
			c.NoLocation++
		}
		switch src {
		case sourceLease:
			c.Leases++
			if seen[callerIDs[i]] {
				c.DuplicateCallerIDs++
			}
		case sourceECBN:
			c.ECBN++
		case sourceNone:
			c.NoCallerID++
		case sourceUnknown:
			c.OtherCallerID++
		}
		if callerIDs[i] != "" {
			seen[callerIDs[i]] = true
		}
	}
	c.DistinctCallerIDs = len(seen)

	_, allocated, exhausted := s.pub.snapshot()
	holders := map[string]map[string]bool{} // number → agents it was allocated to
	numbersOf := map[string]map[string]bool{}
	for _, a := range allocated {
		if holders[a.CallbackNumber] == nil {
			holders[a.CallbackNumber] = map[string]bool{}
		}
		holders[a.CallbackNumber][a.AgentID] = true
		if numbersOf[a.AgentID] == nil {
			numbersOf[a.AgentID] = map[string]bool{}
		}
		numbersOf[a.AgentID][a.CallbackNumber] = true
	}
	takenOver := map[string]int{}
	for _, e := range exhausted {
		if e.PreviousAgentID != "" {
			c.Takeovers++
			takenOver[e.CallbackNumber]++
		}
	}
	for num, agents := range holders {
		// Each takeover explains one more holder; any other is a duplicate.
		c.DuplicateLeases += max(0, len(agents)-1-takenOver[num])
	}
	for i := range n {
		if len(numbersOf[agentID(prefix, i)]) == 0 {
			c.Unleased++
		}
	}
	// And what the store holds now: no agent with two live leases.
	ns, err := s.m.UseCases.AdminAPI.Numbers(context.Background())
	if err != nil {
		return c, err
	}
	live := map[string]int{}
	now := time.Now()
	for _, num := range ns {
		if l, ok := num.LiveLease(now); ok {
			live[l.AgentID]++
		}
	}
	for _, k := range live {
		if k > 1 {
			c.DuplicateLeases++
		}
	}
	c.Emails, c.DuplicateEmails = s.mailer.counts()

	concurrently(n, func(i int) bool {
		code, _ := s.serve(http.MethodPost, "/v1/telephony/events", endBody(fmt.Sprintf("%s-c%05d", prefix, i)), true)
		return code == http.StatusOK
	})
	s.m.Settle()
	for i := range n {
		a, err := s.m.UseCases.AdminAPI.GetAgent(context.Background(), agentID(prefix, i))
		if err == nil && string(a.Presence) == initialPresence && !a.InEmergency() {
			c.Restored++
		}
	}
	c.DeadLetters = len(s.m.Bus.DeadLetters())
	return c, nil
}

// concurrently runs f(0..n-1) at once and counts the true results.
func concurrently(n int, f func(i int) bool) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if f(i) {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	return ok
}
