package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/awscount"
	"github.com/mayday/mayday/shared/local"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/webhooksecret"
)

// secret signs the benchmark's webhooks; fallback takes the callbacks with
// no live lease (none is timed).
const (
	secret   = "bench-secret"
	fallback = "+14255559999"
)

// initialPresence is each agent's presence before its emergency call, so
// that "restored" is told apart from the default.
const initialPresence = "Busy"

// quietLog formats every line as Lambda would (JSON) but writes nowhere: the
// formatting cost stays in the measurements, the terminal stays clean.
func quietLog() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

// system is a local runner with the benchmark's probes around it.
type system struct {
	m       *local.Main
	mailer  *stampMailer
	pub     *recorder
	handler http.Handler // every route, in process
	client  *http.Client // loopback HTTP to m.URL

	// site is the one site seed created; pool the size of its pool.
	site site
	pool int
	// leased counts the sequential dials since the pool's leases were last
	// released (see nextDial).
	leased int
}

// boot starts the local runner in process (local.InProcess) over store
// (nil: embedded) and inner (nil: the embedded outbox), with the mailer
// timestamped and the publisher recorded; stream reads a DynamoDB store's
// outbox (nil for the embedded store).
func boot(store mayday.Store, inner mayday.Mailer, stream *local.StreamRelay) (*system, error) {
	cfg, err := local.InProcess(secret, fallback)
	if err != nil {
		return nil, fmt.Errorf("bench: runner configuration: %w", err)
	}
	var mailer *stampMailer
	var pub *recorder
	m := &local.Main{Config: cfg, Store: store, Mailer: inner, Log: quietLog(), Stream: stream,
		WrapMailer:    func(m mayday.Mailer) mayday.Mailer { mailer = newStampMailer(m); return mailer },
		WrapPublisher: func(p mayday.Publisher) mayday.Publisher { pub = &recorder{inner: p}; return pub }}
	if err := m.Open(); err != nil {
		return nil, fmt.Errorf("bench: start the runner: %w", err)
	}
	return &system{m: m, mailer: mailer, pub: pub, handler: m.Handler,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}}, nil
}

func (s *system) Close() {
	s.client.CloseIdleConnections()
	_ = s.m.Close()
}

// serve runs one request through the in-process handler, as a loopback
// client naming the runner by a loopback Host (the runner answers no
// other).
func (s *system) serve(method, path string, body []byte, sign bool) (int, []byte) {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.RemoteAddr, req.Host = "127.0.0.1:40000", "127.0.0.1"
	if sign {
		req.Header.Set(webhooksecret.SignatureHeader, webhooksecret.Sign([]byte(secret), time.Now(), body))
	}
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// post sends one request over loopback HTTP.
func (s *system) post(path string, body []byte, sign bool) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodPost, s.m.URL+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if sign {
		req.Header.Set(webhooksecret.SignatureHeader, webhooksecret.Sign([]byte(secret), time.Now(), body))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func agentID(prefix string, i int) string { return fmt.Sprintf("%s-a%05d", prefix, i) }

// number is the i-th pool number of a series (a different area code per
// series keeps series apart in one store).
func number(series, i int) string { return fmt.Sprintf("+1%03d%07d", 200+series, i) }

// site is the site a seed creates: every agent's home site, every pool
// number's site, with an emergency callback number (ECBN) and a security
// desk that hears of every emergency call.
type site struct {
	ID   string
	ECBN string
}

// seed creates a site, then agents at it (with two emergency contacts each)
// and the site's pool of numbers, through the admin routes, in process.
func (s *system) seed(prefix string, agents, numbers, series int) error {
	s.site = site{ID: prefix + "-site", ECBN: fmt.Sprintf("+1800555%04d", series)}
	s.pool, s.leased = numbers, 0
	body, _ := json.Marshal(map[string]any{"name": "Bench site " + prefix, "country": "US",
		"address": map[string]string{"street": "1 Main St", "city": "Seattle", "region": "WA", "postalCode": "98101",
			"country": "US", "detail": "Building 4"},
		"emergencyCallbackNumber": s.site.ECBN, "notify": "security@example.com"})
	if code, out := s.serve(http.MethodPut, "/v1/sites/"+s.site.ID, body, false); code != http.StatusOK {
		return fmt.Errorf("seed site: %d %s", code, out)
	}
	for i := range agents {
		body, _ := json.Marshal(map[string]any{"name": "Agent " + agentID(prefix, i), "email": "agent@example.com",
			"presence": initialPresence, "country": "US", "emergencyContacts": "sup@example.com; desk@example.com",
			"mailboxEnabled": true, "outboundVoiceProfile": true, "siteId": s.site.ID})
		if code, out := s.serve(http.MethodPut, "/v1/agents/"+agentID(prefix, i), body, false); code != http.StatusOK {
			return fmt.Errorf("seed agent: %d %s", code, out)
		}
	}
	for i := range numbers {
		body, _ := json.Marshal(map[string]string{"number": number(series, i), "country": "US", "siteId": s.site.ID})
		if code, out := s.serve(http.MethodPost, "/v1/callback-numbers", body, false); code/100 != 2 {
			return fmt.Errorf("seed number: %d %s", code, out)
		}
	}
	return nil
}

// nextDial is called before each sequential dial that should lease a free
// number: once the site's pool is all leased, it releases every lease
// first, untimed, as the lease-expiry sweep does when the leases expire,
// so that sequential measurements time taking a free number, not taking
// one over (the contention runs time that).
func (s *system) nextDial() error {
	if s.leased >= s.pool {
		if err := s.releaseLeases(); err != nil {
			return err
		}
		s.leased = 0
	}
	s.leased++
	return nil
}

// releaseLeases releases every leased number, through the store.
func (s *system) releaseLeases() error {
	ctx := context.Background()
	ns, err := s.m.Store.ListNumbers(ctx, "US")
	if err != nil {
		return fmt.Errorf("release leases: %w", err)
	}
	now := time.Now()
	for _, n := range ns {
		if n.Lease == nil {
			continue
		}
		if _, err := s.m.Store.UpdateNumber(ctx, n.Number, func(n *mayday.CallbackNumber) error {
			if n.Lease == nil {
				return mayday.ErrNoChange
			}
			n.Lease, n.ReleasedAt = nil, now
			return nil
		}); err != nil {
			return fmt.Errorf("release %s: %w", n.Number, err)
		}
	}
	return nil
}

func dialBody(callID, agent string) []byte {
	b, _ := json.Marshal(map[string]string{"type": "call.dialed", "callId": callID, "agentId": agent,
		"from": "+14255550100", "to": "9-911", "country": "US", "location": "Building 4, floor 2",
		"occurredAt": time.Now().UTC().Format(time.RFC3339)})
	return b
}

func endBody(callID string) []byte {
	b, _ := json.Marshal(map[string]string{"type": "call.ended", "callId": callID,
		"occurredAt": time.Now().UTC().Format(time.RFC3339)})
	return b
}

func inboundBody(callID, to string) []byte {
	b, _ := json.Marshal(map[string]string{"callId": callID, "from": "+14255550199", "to": to})
	return b
}

// emergencyAnswer checks a dial webhook's answer.
func emergencyAnswer(code int, body []byte) bool {
	var out struct{ Emergency bool }
	return code == http.StatusOK && json.Unmarshal(body, &out) == nil && out.Emergency
}

// What a dial answer presented as the caller ID.
const (
	sourceLease   = "lease"   // a callback number, with callbackExpiresAt
	sourceECBN    = "ecbn"    // the site's emergency callback number
	sourceNone    = "none"    // no caller ID: the platform's default
	sourceUnknown = "unknown" // a caller ID that is neither
)

// answer is a dial webhook's answer, as the platform reads it.
type answer struct {
	Emergency         bool       `json:"emergency"`
	CallerID          string     `json:"callerId"`
	CallerIDSource    string     `json:"callerIdSource"`
	CallbackExpiresAt *time.Time `json:"callbackExpiresAt"`
	Location          *struct {
		Kind   string `json:"kind"`
		SiteID string `json:"siteId"`
	} `json:"location"`
}

// atSite reports whether an answer gave the seeded site as the location.
func (s *system) atSite(a answer) bool { return a.Location != nil && a.Location.SiteID == s.site.ID }

// dialAnswer reads an emergency dial's answer and says what it presented.
func (s *system) dialAnswer(code int, body []byte) (answer, string, error) {
	var a answer
	if code != http.StatusOK {
		return a, "", fmt.Errorf("dial webhook: %d %s", code, body)
	}
	if err := json.Unmarshal(body, &a); err != nil || !a.Emergency {
		return a, "", fmt.Errorf("dial webhook: not an emergency answer: %s", body)
	}
	switch {
	case a.CallerID == "":
		return a, sourceNone, nil
	case a.CallbackExpiresAt != nil:
		return a, sourceLease, nil
	case a.CallerID == s.site.ECBN:
		return a, sourceECBN, nil
	}
	return a, sourceUnknown, nil
}

// leaseAnswer checks that a sequential dial presented a callback lease and
// the site's location.
func (s *system) leaseAnswer(code int, body []byte) error {
	a, src, err := s.dialAnswer(code, body)
	switch {
	case err != nil:
		return err
	case src != sourceLease:
		return fmt.Errorf("dial webhook presented %s, not a callback lease: %s", src, body)
	case !s.atSite(a):
		return fmt.Errorf("dial webhook: no location at site %s: %s", s.site.ID, body)
	}
	return nil
}

// ---------------------------------------------------------------------------

// stampMailer timestamps each email its inner mailer accepted, by call id.
type stampMailer struct {
	inner mayday.Mailer

	mu      sync.Mutex
	sent    map[string]int
	total   int
	waiters map[string]chan time.Time
	last    mayday.Email // the last email accepted
	sentAny bool
}

func newStampMailer(inner mayday.Mailer) *stampMailer {
	return &stampMailer{inner: inner, sent: map[string]int{}, waiters: map[string]chan time.Time{}}
}

func (s *stampMailer) Send(ctx context.Context, e mayday.Email) error {
	if err := s.inner.Send(ctx, e); err != nil {
		return err
	}
	at := time.Now()
	id := e.Data["callId"]
	s.mu.Lock()
	s.sent[id]++
	s.total++
	s.last, s.sentAny = e, true
	ch := s.waiters[id]
	delete(s.waiters, id)
	s.mu.Unlock()
	if ch != nil {
		ch <- at
	}
	return nil
}

// expect returns where the acceptance time of callID's email will arrive;
// call it before the dial.
func (s *stampMailer) expect(callID string) <-chan time.Time {
	ch := make(chan time.Time, 1)
	s.mu.Lock()
	s.waiters[callID] = ch
	s.mu.Unlock()
	return ch
}

// lastEmail is the last email accepted, if any.
func (s *stampMailer) lastEmail() (mayday.Email, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last, s.sentAny
}

// counts: emails accepted, and calls that got more than one.
func (s *stampMailer) counts() (total, duplicated int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.sent {
		if n > 1 {
			duplicated++
		}
	}
	return s.total, duplicated
}

// ---------------------------------------------------------------------------

// recorder is the publisher the service uses: it counts the PutEvents calls
// EventBridge would receive, keeps the lease outcomes, and can hold events
// back so that the chain advances one step at a time (gate).
type recorder struct {
	inner mayday.Publisher
	// counter, if set, counts each PutEvents EventBridge would receive.
	counter *awscount.Counter

	mu        sync.Mutex
	putEvents int
	allocated []events.CallbackLeaseDetail // "Callback Lease Allocated"
	exhausted []events.PoolExhaustedDetail
	gated     bool
	held      []events.Event
	// down: EventBridge refuses every PutEvents (an outage); refused
	// counts them.
	down    bool
	refused int
}

// setDown starts or ends an outage; it returns the PutEvents refused.
func (r *recorder) setDown(down bool) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down = down
	return r.refused
}

// putEventsEntries is PutEvents' per-request entry limit.
const putEventsEntries = 10

func (r *recorder) Publish(ctx context.Context, evs ...events.Event) error {
	if len(evs) == 0 {
		return nil
	}
	r.mu.Lock()
	calls := (len(evs) + putEventsEntries - 1) / putEventsEntries
	if r.down {
		r.refused += calls
		r.mu.Unlock()
		return errors.New("eventbridge: service unavailable")
	}
	r.putEvents += calls
	if r.counter != nil {
		r.counter.Add("EventBridge", "PutEvents", calls)
	}
	for _, ev := range evs {
		switch d := ev.Detail.(type) {
		case events.CallbackLeaseDetail:
			if ev.DetailType == events.CallbackLeaseAllocated {
				r.allocated = append(r.allocated, d)
			}
		case *events.CallbackLeaseDetail:
			if ev.DetailType == events.CallbackLeaseAllocated {
				r.allocated = append(r.allocated, *d)
			}
		case events.PoolExhaustedDetail:
			r.exhausted = append(r.exhausted, d)
		case *events.PoolExhaustedDetail:
			r.exhausted = append(r.exhausted, *d)
		}
	}
	if r.gated {
		r.held = append(r.held, evs...)
		r.mu.Unlock()
		return nil
	}
	r.mu.Unlock()
	return r.inner.Publish(ctx, evs...)
}

// gate holds every event published from now on until release.
func (r *recorder) gate(on bool) {
	r.mu.Lock()
	r.gated = on
	r.mu.Unlock()
}

// waitHeld waits until at least n events are held.
func (r *recorder) waitHeld(n int, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		r.mu.Lock()
		held := len(r.held)
		r.mu.Unlock()
		if held >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d events published within %v, want %d", held, within, n)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// release passes the held events on and reports how many there were.
func (r *recorder) release() (int, error) {
	r.mu.Lock()
	held := r.held
	r.held = nil
	r.mu.Unlock()
	if len(held) == 0 {
		return 0, nil
	}
	return len(held), r.inner.Publish(context.Background(), held...)
}

func (r *recorder) snapshot() (putEvents int, allocated []events.CallbackLeaseDetail, exhausted []events.PoolExhaustedDetail) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.putEvents, append([]events.CallbackLeaseDetail(nil), r.allocated...), append([]events.PoolExhaustedDetail(nil), r.exhausted...)
}

// remoteSeries numbers the agents' own numbers apart from the pools'.
const remoteSeries = 9

// confirmHome has the agent confirm a home address with their own number,
// as the agent panel does at the start of a shift.
func (s *system) confirmHome(agent, own string) error {
	body, _ := json.Marshal(map[string]any{"address": map[string]string{"houseNumber": "2121", "street": "7th Ave",
		"city": "Seattle", "region": "WA", "postalCode": "98121", "country": "US"},
		"detail": "Home office", "callbackNumber": own})
	if code, out := s.serve(http.MethodPut, "/v1/agents/"+agent+"/location", body, false); code != http.StatusOK {
		return fmt.Errorf("confirm location: %d %s", code, out)
	}
	return nil
}

// ownNumberAnswer checks that a remote agent's dial presented their own
// number and their remote location.
func (s *system) ownNumberAnswer(code int, body []byte, own string) error {
	a, _, err := s.dialAnswer(code, body)
	switch {
	case err != nil:
		return err
	case a.CallerID != own || a.CallerIDSource != "agent":
		return fmt.Errorf("remote dial presented %s (%s), not the agent's own %s: %s", a.CallerID, a.CallerIDSource, own, body)
	case a.Location == nil || a.Location.Kind != "remote":
		return fmt.Errorf("remote dial: not a remote location: %s", body)
	}
	return nil
}
