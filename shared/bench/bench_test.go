package bench

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
	"github.com/mayday/mayday/shared/webhooksecret"
)

func TestPercentile(t *testing.T) {
	ms := func(v ...int) Samples {
		out := Samples{}
		for _, x := range v {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	hundred := Samples{}
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		s    Samples
		p    float64
		want time.Duration
	}{
		{ms(), 50, 0},
		{ms(7), 99, 7 * time.Millisecond},
		{ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{ms(1, 2, 3, 4), 99, 4 * time.Millisecond},
		{hundred, 50, 50 * time.Millisecond},
		{hundred, 99, 99 * time.Millisecond},
		{hundred, 100, 100 * time.Millisecond},
	} {
		if got := Percentile(c.s, c.p); got != c.want {
			t.Errorf("Percentile(%v, %v) = %v, want %v", c.s, c.p, got, c.want)
		}
	}
	if s := Summarise(ms(3, 1, 2)); s.N != 3 || s.P50 != 2 || s.Max != 3 {
		t.Errorf("Summarise = %+v", s)
	}
}

// TestRunSmall runs the whole bench, scaled down, and checks the outcomes
// set as goals that do not depend on the machine: every dial answered with
// a caller ID and a location, no caller ID given to two agents, no
// duplicate lease, one email per call, everyone restored. With the
// emulators' endpoints set it runs their part too.
func TestRunSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	o := Options{N: 100, Webhooks: 100, HTTPWebhooks: 50, Chains: 20, DialAnswers: 10, EmulatedChains: 10, Callbacks: 50,
		Emergencies: 2, SkipBinaries: true, OutageEmergencies: 5, Outage: time.Second}
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Result
	t.Logf("\n%s", rep)
	if c := rep.Contention; r.ContentionDials != 100 || r.ContentionDuplicateLeases != 0 || r.ContentionEmails != 100 ||
		r.ContentionRestored != 100 || r.SiteContentionDistinctCallerIDs != 100 || r.SiteContentionDuplicates != 0 || c.Leases != 100 || c.NoLocation != 0 {
		t.Errorf("contention: %+v", c)
	}
	if x := rep.Exhaustion; x.Dials != 100 || r.SiteExhaustionWithoutCallerID != 0 || r.SiteExhaustionOverBudget != 0 ||
		r.SiteExhaustionNotified != 100 || x.DuplicateEmails != 0 || r.SiteExhaustionDuplicateLeases != 0 ||
		r.SiteExhaustionLeases+r.SiteExhaustionECBN != 100 || x.Restored != 100 || x.NoLocation != 0 {
		t.Errorf("exhaustion: %+v", x)
	}
	if r.WebhookP50Ms <= 0 || r.WebhookHTTPP99Ms <= 0 || r.DialToEmailP99Ms <= 0 || r.CallbackRouteP99Ms <= 0 ||
		r.SiteContentionAnswerP99Ms <= 0 {
		t.Errorf("latencies missing: %+v", r)
	}
	b, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	for f := range Goals {
		if !strings.Contains(string(b), `"`+f+`"`) {
			t.Errorf("JSON lacks %s, which has a goal: %s", f, b)
		}
	}
	for _, f := range append([]string{"webhook_p50_ms", "dial_answer_floor_p50_ms", "dial_answer_floor_p99_ms", "roundtrip_floor_p50_ms",
		"roundtrip_floor_p99_ms", "aws_calls_by_step", "site_burst_emulated_distinct", "site_burst_emulated_ecbn"}, stepKeys...) {
		if !strings.Contains(string(b), `"`+f+`"`) {
			t.Errorf("JSON lacks %s: %s", f, b)
		}
	}
	emulated := os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") != "" && os.Getenv("AWS_ENDPOINT_URL_SESV2") != ""
	for name, v := range map[string]*float64{"AWS calls": r.AWSCallsPerEmergency, "floor p50": r.RoundtripFloorP50Ms, "floor p99": r.RoundtripFloorP99Ms,
		"dial answer floor p50": r.DialAnswerFloorP50Ms, "dial answer floor p99": r.DialAnswerFloorP99Ms,
		"dial answer": r.DialAnswerEmulatedP99Ms, "dial → email": r.DialToEmailEmulatedP99Ms,
		"remote dial answer": r.DialAnswerRemoteEmulatedP99Ms, "dial's AWS calls": r.AWSCallsDial, "restore's AWS calls": r.AWSCallsRestore,
		"burst answer": r.SiteBurstEmulatedAnswerP99Ms} {
		if emulated != (v != nil) {
			t.Errorf("emulated=%v but %s = %v", emulated, name, v)
		}
	}
	if emulated {
		// A remote agent's dial reads the agent and the call and writes
		// them with the outbox: no site, pool or number call.
		if ra := rep.DialAnswerRemoteEmulated; ra.Calls > 3 || strings.Contains(ra.Detail, "Query") ||
			strings.Contains(ra.Detail, "SITE") || strings.Contains(ra.Detail, "NUMBER") {
			t.Errorf("a remote dial made %.1f AWS calls: %s; want the agent and call's read and write only", ra.Calls, ra.Detail)
		}
		if *r.AWSCallsPerEmergency < 3 || len(r.AWSCallsByStep) != len(Steps) || r.AWSCallsByStep[0].Calls < 2 {
			t.Errorf("AWS calls per emergency = %v, by step %v: the counter missed calls", *r.AWSCallsPerEmergency, r.AWSCallsByStep)
		}
		// The steps' keys are the steps' counts, and add up to the whole.
		sum := 0.0
		for i, v := range []*float64{r.AWSCallsDial, r.AWSCallsOutboxStart, r.AWSCallsLeaseAllocation, r.AWSCallsEmail, r.AWSCallsEnd, r.AWSCallsOutboxEnd, r.AWSCallsRestore} {
			if *v != r.AWSCallsByStep[i].Calls {
				t.Errorf("%s = %v, want step %s's %v", stepKeys[i], *v, r.AWSCallsByStep[i].Step, r.AWSCallsByStep[i].Calls)
			}
			sum += *v
		}
		if math.Abs(sum-*r.AWSCallsPerEmergency) > 0.01 {
			t.Errorf("the steps' AWS calls add up to %v, not %v", sum, *r.AWSCallsPerEmergency)
		}
		// A floor is one sequence per measured sample, its p99 no lower
		// than its p50. (The round trip's is not compared with the dial's:
		// ten samples each on shared cores order either way.)
		if fl, rt := rep.DialAnswerFloorSummary, rep.FloorSummary; fl.N != o.DialAnswers || rt.N != o.EmulatedChains ||
			fl.P50 <= 0 || rt.P50 <= 0 || fl.P99 < fl.P50 || rt.P99 < rt.P50 ||
			*r.DialAnswerFloorP50Ms != fl.P50 || *r.DialAnswerFloorP99Ms != fl.P99 || *r.RoundtripFloorP99Ms != rt.P99 ||
			*r.DialAnswerFloorRatio != math.Round(*r.DialAnswerEmulatedP99Ms/fl.P99*1000)/1000 {
			t.Errorf("floors: dial answer %+v, round trip %+v; result %+v", fl, rt, r)
		}
		// The burst: every dial answered with a caller ID of its own or the
		// ECBN, none given twice.
		if b := rep.Burst; b.Agents != burstDials || b.Pool != burstPool || b.Dials != burstDials ||
			*r.SiteBurstEmulatedDistinct != b.DistinctCallerIDs || *r.SiteBurstEmulatedECBN != b.ECBN ||
			b.Leases+b.ECBN != burstDials || b.DuplicateCallerIDs != 0 || b.DuplicateLeases != 0 || b.Emails != burstDials {
			t.Errorf("burst: %+v", b)
		}
		// The floors are made of the calls the measured samples made: each
		// kind they made is in the floor, each call of the floor was made.
		for name, c := range map[string]struct {
			parts []FloorPart
			terms []floorTerm
			got   *Emulated
		}{"dial answer": {rep.DialAnswerFloor, dialAnswerFloor, rep.DialAnswerEmulated},
			"dial → email": {rep.Floor, roundtripFloor, rep.DialToEmailEmulated}} {
			if len(c.parts) != len(c.terms) || len(c.got.Unfloored) > 0 {
				t.Errorf("%s: floor %v, calls not in it %v", name, c.parts, c.got.Unfloored)
			}
			for i, p := range c.parts {
				if !c.terms[i].cached && (p.Times != 1 || p.Made < 1) {
					t.Errorf("%s: the floor's %s: ×%v, made %v per sample", name, p.Call, p.Times, p.Made)
				}
			}
		}
	}
}

// TestColdStart builds one bootstrap for the host and times its start.
func TestColdStart(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	root, err := ModuleRoot()
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	ctx := context.Background()
	if err := buildFunctions(ctx, root, dir, runtime.GOOS, runtime.GOARCH, "./functions/callback-lease-allocation"); err != nil {
		t.Fatal(err)
	}
	d, err := coldStart(ctx, filepath.Join(dir, "callback-lease-allocation"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("callback-lease-allocation: first Runtime API poll after %s", d)
}

// ---------------------------------------------------------------------------
// testing.B: the hot paths, with ns/op and allocs.

func BenchmarkClassify(b *testing.B) {
	r := mayday.DialRules{Prefix: "9"}
	for _, c := range []struct{ name, dialled, country string }{
		{"emergency", "9-911", "US"},
		{"ordinary", "+1 (425) 555-0100", "US"},
		{"unsupported", "112", "FR"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r.Classify(c.dialled, c.country)
			}
		})
	}
}

func BenchmarkVerifySignature(b *testing.B) {
	body := dialBody("c-1", "a-1")
	now := time.Now()
	header := webhooksecret.Sign([]byte(secret), now, body)
	b.ReportAllocs()
	for b.Loop() {
		if err := webhooksecret.Verify([]byte(secret), header, body, now); err != nil {
			b.Fatal(err)
		}
	}
}

// bootB starts an embedded runner with agents and a pool at one site.
func bootB(b *testing.B, agents, numbers int) *system {
	b.Helper()
	s, err := boot(nil, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	if err := s.seed("b", agents, numbers, 1); err != nil {
		b.Fatal(err)
	}
	return s
}

// sink is a publisher that drops events: the handler benchmarks measure the
// webhook alone, not the chain behind it.
type sink struct{}

func (sink) Publish(context.Context, ...events.Event) error { return nil }

// handlerOnly is the HTTP API over the embedded store with the chain cut
// off, with a site ("b-site", with an ECBN) and a pool of pool numbers at it.
func handlerOnly(b *testing.B, pool int) (mayday.UseCases, *inmem.Store, http.Handler) {
	store := inmem.NewStore()
	uc, err := mayday.NewUseCases(store, sink{}, inmem.NewOutbox(mayday.SystemClock{}),
		mayday.Options{Log: quietLog(), Config: settings.Defaults()})
	if err != nil {
		b.Fatal(err)
	}
	api := httpapi.ForUseCases(uc)
	api.Secrets, api.Log = webhooksecret.Static(secret), quietLog()
	h, err := api.Handler()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := uc.AdminAPI.PutSite(ctx, "b-site", mayday.Site{Name: "Bench site", Country: "US",
		Address:                 mayday.Address{Street: "1 Main St", City: "Seattle", Region: "WA", PostalCode: "98101", Country: "US"},
		EmergencyCallbackNumber: "+18005550001"}); err != nil {
		b.Fatal(err)
	}
	for i := range pool {
		if _, _, err := uc.AdminAPI.AddNumberAt(ctx, number(1, i), "US", "b-site"); err != nil {
			b.Fatal(err)
		}
	}
	return uc, store, h
}

// agentsAt creates agents at the site of handlerOnly.
func agentsAt(b *testing.B, uc mayday.UseCases, ids ...string) {
	for _, id := range ids {
		if _, err := uc.AdminAPI.PutAgent(context.Background(), id, mayday.Profile{Name: id, Country: "US",
			Presence: initialPresence, EmergencyContacts: []string{"sup@example.com"}, SiteID: "b-site"}); err != nil {
			b.Fatal(err)
		}
	}
}

// releaseAll releases every lease of the store, as their expiry would.
func releaseAll(b *testing.B, store mayday.Store) {
	ctx := context.Background()
	ns, err := store.ListNumbers(ctx, "US")
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range ns {
		if _, err := store.UpdateNumber(ctx, n.Number, func(n *mayday.CallbackNumber) error {
			n.Lease, n.ReleasedAt = nil, time.Now()
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}

func serveSigned(h http.Handler, path string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set(webhooksecret.SignatureHeader, webhooksecret.Sign([]byte(secret), time.Now(), body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// BenchmarkDialWebhook is the dial webhook through the in-process handler:
// signature, decoding, classification, and setUp on the embedded store —
// the call record, Do Not Disturb, the site, the pool, the lease, the
// agent's lease record, the answer record — then the publish (to a sink).
// A fresh agent at the site each time, answered with a callback lease from
// its 100-number pool; every 100 dials, with the timer stopped, the next
// 100 agents are created and the leases released.
func BenchmarkDialWebhook(b *testing.B) {
	const pool = 100
	uc, store, h := handlerOnly(b, pool)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%pool == 0 {
			b.StopTimer()
			releaseAll(b, store)
			ids := make([]string, pool)
			for k := range ids {
				ids[k] = fmt.Sprintf("bw-%d", i+k)
			}
			agentsAt(b, uc, ids...)
			b.StartTimer()
		}
		agent := fmt.Sprintf("bw-%d", i)
		i++
		rec := serveSigned(h, "/v1/telephony/events", dialBody(agent+"-c1", agent))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"callbackExpiresAt"`) {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkInboundRoute is the routing decision for a PSAP callback to a
// leased number, in process (the chain cut off): round robin over 100
// agents' numbers, each leased by the agent's dial; every 100 callbacks their conversations are ended with
// the timer stopped, so agents do not pile them up.
func BenchmarkInboundRoute(b *testing.B) {
	const agents = 100
	svc, _, h := handlerOnly(b, agents)
	ctx := context.Background()
	for i := range agents {
		agent := agentID("b", i)
		agentsAt(b, svc, agent)
		rec := serveSigned(h, "/v1/telephony/events", dialBody(agent+"-c1", agent))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"callbackExpiresAt"`) {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
	var open []events.CallEndedDetail
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		callID := fmt.Sprintf("b-cb%d", i)
		rec := serveSigned(h, "/v1/telephony/inbound", inboundBody(callID, number(1, i%agents)))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"agent"`) {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
		open = append(open, events.CallEndedDetail{CallID: callID, AgentID: agentID("b", i%agents), Kind: "callback"})
		if len(open) == agents {
			b.StopTimer()
			for _, d := range open {
				if err := svc.PresenceRestore.Restore(ctx, d); err != nil {
					b.Fatal(err)
				}
			}
			open = open[:0]
			b.StartTimer()
		}
	}
}

// BenchmarkDialToEmail is the whole chain, embedded, through the local bus:
// the dial webhook in process until the mailer accepted the email (ns/op is
// the latency). 100 agents at one site with a 100-number pool, in turn
// (their lease is renewed from the second round on); every 100 dials the
// calls are ended with the timer stopped.
func BenchmarkDialToEmail(b *testing.B) {
	const agents = 100
	s := bootB(b, agents, agents)
	var open []string
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		callID := fmt.Sprintf("b-de%d", i)
		done := s.mailer.expect(callID)
		if code, resp := s.serve(http.MethodPost, "/v1/telephony/events", dialBody(callID, agentID("b", i%agents)), true); !emergencyAnswer(code, resp) {
			b.Fatalf("%d %s", code, resp)
		}
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			b.Fatal("no email")
		}
		open = append(open, callID)
		if len(open) == agents {
			b.StopTimer()
			s.m.Settle()
			for _, id := range open {
				s.serve(http.MethodPost, "/v1/telephony/events", endBody(id), true)
			}
			s.m.Settle()
			open = open[:0]
			b.StartTimer()
		}
	}
}

// BenchmarkContention is N concurrent emergency dials from N agents at one
// site with an N-number pool until the chain settles (ns/op is the whole
// burst); its growth with N shows how dials contend for the same numbers.
func BenchmarkContention(b *testing.B) {
	for _, n := range []int{100, 300} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c, err := contention("bc", n, n, 6)
				if err != nil {
					b.Fatal(err)
				}
				if c.Dials != n || c.DuplicateLeases != 0 || c.Emails != n || c.DuplicateCallerIDs != 0 {
					b.Fatalf("%+v", c)
				}
			}
		})
	}
}

// TestColdStartEnvHasEveryResource: the cold starts time each function as
// deployed, so the environment gives every resource a function requires
// (a new one would otherwise fail the bench's cold start, not a test).
func TestColdStartEnvHasEveryResource(t *testing.T) {
	set := map[string]bool{}
	for _, kv := range coldStartEnv() {
		k, _, _ := strings.Cut(kv, "=")
		set[k] = true
	}
	for fn, ss := range settings.Functions {
		for _, s := range ss {
			if s.Source == settings.FromResource && !s.Optional && !set[s.Env] && !set[s.Or] {
				t.Errorf("%s reads %s, which the cold-start environment does not set", fn, s.Env)
			}
		}
	}
}
