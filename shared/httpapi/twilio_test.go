package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdaurl"

	mevents "github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
	"github.com/mayday/mayday/shared/testkit/twiliotest"
	"github.com/mayday/mayday/shared/webhooksecret"
)

const (
	twilioToken = "twilio-auth-token-test"
	functionURL = "https://abc123.lambda-url.eu-west-1.on.aws"
	ordinaryURL = "https://voice.example.com/twiml/outbound"
	pool        = "+14255550001"
	fallbackNum = "+14255559999"
	usDefault   = "+12065550100"
	gbDefault   = "+442071230000"
)

// recordingBus keeps what the use cases publish, and what the store's
// outbox recorded, as the outbox publisher would publish it.
type recordingBus struct {
	mu    sync.Mutex
	evs   []mevents.Event
	down  bool // every publish fails
	store outboxStore
}

// outboxStore is the embedded store's outbox.
type outboxStore interface {
	PendingEvents() []mayday.OutboxEvent
	Published(ids ...string)
}

// relay publishes what the store's outbox holds; the caller holds mu.
func (b *recordingBus) relay() {
	if b.store == nil || b.down {
		return
	}
	pending := b.store.PendingEvents()
	ids := make([]string, len(pending))
	for i, o := range pending {
		e := o.Event()
		if e.DetailType == mevents.EmergencyCallStarted {
			var d mevents.EmergencyCallStartedDetail
			if err := json.Unmarshal(o.Detail, &d); err == nil {
				e.Detail = d
			}
		}
		b.evs, ids[i] = append(b.evs, e), o.ID
	}
	b.store.Published(ids...)
}

func (b *recordingBus) Publish(_ context.Context, evs ...mevents.Event) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.down {
		return errors.New("eventbridge: service unavailable")
	}
	b.evs = append(b.evs, evs...)
	return nil
}

// setupDownStore fails the emergency dial's setup read: the store is down.
type setupDownStore struct{ mayday.Store }

func (setupDownStore) ReadSetup(context.Context, string, string) (mayday.Agent, mayday.Call, error) {
	return mayday.Agent{}, mayday.Call{}, errors.New("dynamodb: service unavailable")
}

// callerIDSource is what "Emergency Call Started" of the call says was
// presented.
func (b *recordingBus) callerIDSource(callID string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.relay()
	for _, e := range b.evs {
		if d, ok := e.Detail.(mevents.EmergencyCallStartedDetail); ok && d.CallID == callID {
			return d.CallerIDSource
		}
	}
	return ""
}

func (b *recordingBus) types() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.relay()
	var out []string
	for _, e := range b.evs {
		out = append(out, e.DetailType)
	}
	return out
}

type twilioSystem struct {
	h   http.Handler
	uc  mayday.UseCases
	bus *recordingBus
}

// newTwilio is the API of both webhook functions with Twilio configured:
// agent a-1 in the US, one number in the US pool, the fallback a number,
// default caller IDs for the US and GB.
func newTwilio(t *testing.T, mod func(*httpapi.API), cfg func(*mayday.Config)) twilioSystem {
	t.Helper()
	return newTwilioOn(t, inmem.NewStore(), mod, cfg)
}

func newTwilioOn(t *testing.T, store mayday.Store, mod func(*httpapi.API), cfg func(*mayday.Config)) twilioSystem {
	t.Helper()
	c := settings.Defaults()
	c.Fallback = fallbackNum
	c.DefaultCallerID = map[string]string{"US": usDefault, "GB": gbDefault}
	if cfg != nil {
		cfg(&c)
	}
	bus := &recordingBus{}
	bus.store, _ = store.(outboxStore)
	uc, err := mayday.NewUseCases(store, bus, inmem.NewOutbox(mayday.SystemClock{}), mayday.Options{Config: c})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := uc.AdminAPI.PutAgent(ctx, "a-1", mayday.Profile{Name: "Ada", Country: "US", Presence: mayday.Busy,
		BrowserLocation: true}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := uc.AdminAPI.AddNumberAt(ctx, pool, "US", ""); err != nil {
		t.Fatal(err)
	}
	api := httpapi.ForUseCases(uc)
	api.Secrets = webhooksecret.Static(string(secret))
	api.TwilioAuthToken = func(context.Context) ([][]byte, error) { return [][]byte{[]byte(twilioToken)}, nil }
	api.TwilioOrdinaryURL = ordinaryURL
	if mod != nil {
		mod(api)
	}
	return twilioSystem{h: mustHandler(t, api), uc: uc, bus: bus}
}

// post sends form as Twilio would to functionURL+path, through aws-lambda-go's
// Function URL adapter, signed over the URL Twilio called.
func (s twilioSystem) post(t *testing.T, path string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	return lambdaPost(t, s.h, functionURL+path, form, twiliotest.Sign(twilioToken, functionURL+path, form))
}

// lambdaPost delivers a request the way a Lambda Function URL does (the
// event aws-lambda-go's lambdaurl turns into an *http.Request).
func lambdaPost(t *testing.T, h http.Handler, rawURL string, form url.Values, sig string) *httptest.ResponseRecorder {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	body := form.Encode()
	ev := &events.LambdaFunctionURLRequest{RawPath: u.EscapedPath(), RawQueryString: u.RawQuery,
		Headers: map[string]string{"content-type": "application/x-www-form-urlencoded", "host": u.Host,
			"x-forwarded-proto": "https", "i-twilio-idempotency-token": "0b9f1f0e"},
		Body: base64.StdEncoding.EncodeToString([]byte(body)), IsBase64Encoded: true,
		RequestContext: events.LambdaFunctionURLRequestContext{DomainName: u.Host,
			HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{Method: "POST", Path: u.Path, SourceIP: "54.172.60.1",
				UserAgent: "TwilioProxy/1.1"}}}
	if sig != "" {
		ev.Headers["x-twilio-signature"] = sig
	}
	resp, err := lambdaurl.Wrap(h)(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	for k, v := range resp.Headers {
		rec.Header().Set(k, v)
	}
	rec.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(rec, resp.Body)
	return rec
}

func sample(t *testing.T, name string, set map[string]string) url.Values {
	t.Helper()
	f, err := twiliotest.Sample(name, set)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func parseTwiML(t *testing.T, rec *httptest.ResponseRecorder) twiliotest.TwiML {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
		t.Fatalf("Content-Type %q, want text/xml", ct)
	}
	d, err := twiliotest.ParseTwiML(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestTwilioVoice(t *testing.T) {
	s := newTwilio(t, nil, nil)
	st := func(t *testing.T) mayday.DesktopState {
		ds, err := s.uc.AdminAPI.State(context.Background(), "a-1")
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}

	t.Run("933 dials 933 presenting the caller ID, with no emergency handling", func(t *testing.T) {
		d := parseTwiML(t, s.post(t, "/v1/twilio/voice", sample(t, "voice", map[string]string{"CallSid": "CA-933", "To": "933", "SiteId": ""})))
		if d.Dial == nil || !slices.Equal(d.Dial.Number, []string{"933"}) || d.Dial.CallerID != pool {
			t.Fatalf("933: %+v", d.Dial)
		}
		if ds := st(t); ds.Presence != mayday.Busy || ds.Emergency || ds.Lease != nil {
			t.Fatalf("state after 933: %+v", ds)
		}
	})

	t.Run("9-911 dials 911 with the lease as caller ID", func(t *testing.T) {
		form := sample(t, "voice", map[string]string{"SiteId": ""})
		d := parseTwiML(t, s.post(t, "/v1/twilio/voice", form))
		if d.Dial == nil || !slices.Equal(d.Dial.Number, []string{"911"}) || d.Dial.CallerID != pool ||
			d.Dial.AnswerOnBridge != "true" || len(d.Dial.Client) != 0 {
			t.Fatalf("dial: %+v", d.Dial)
		}
		ds := st(t)
		if ds.Presence != mayday.DoNotDisturb || !ds.Emergency || ds.CallID != form.Get("CallSid") || ds.Lease == nil || ds.Lease.Number != pool {
			t.Fatalf("state during the call: %+v", ds)
		}
		if !slices.Contains(s.bus.types(), mevents.EmergencyCallStarted) {
			t.Fatalf("events %v", s.bus.types())
		}
		// Twilio retries the same CallSid: the same caller ID, no second start.
		d = parseTwiML(t, s.post(t, "/v1/twilio/voice", form))
		if d.Dial == nil || d.Dial.CallerID != pool || !slices.Equal(d.Dial.Number, []string{"911"}) {
			t.Fatalf("retried dial: %+v", d.Dial)
		}
	})

	t.Run("the status callback ends the call", func(t *testing.T) {
		rec := s.post(t, "/v1/twilio/status", sample(t, "status", nil))
		if rec.Code != http.StatusNoContent {
			t.Fatalf("status: %d %s", rec.Code, rec.Body)
		}
		if !slices.Contains(s.bus.types(), mevents.EmergencyCallEnded) {
			t.Fatalf("events %v", s.bus.types())
		}
	})

	t.Run("an emergency number from an unsupported location is dialled, with its event", func(t *testing.T) {
		d := parseTwiML(t, s.post(t, "/v1/twilio/voice", sample(t, "voice", map[string]string{"CallSid": "CA-fr", "To": "112", "Country": "FR", "SiteId": ""})))
		// Twilio refuses a client's dial without a callerId: the first
		// configured default stands in.
		if d.Dial == nil || !slices.Equal(d.Dial.Number, []string{"112"}) || d.Dial.CallerID != gbDefault {
			t.Fatalf("unsupported: %+v", d.Dial)
		}
		if !slices.Contains(s.bus.types(), mevents.EmergencyDialUnsupported) {
			t.Fatalf("events %v", s.bus.types())
		}
	})

	t.Run("an ordinary call is redirected to the customer's application", func(t *testing.T) {
		d := parseTwiML(t, s.post(t, "/v1/twilio/voice", sample(t, "voice", map[string]string{"CallSid": "CA-ord", "To": "+14255550123"})))
		if d.Redirect == nil || d.Redirect.URL != ordinaryURL || d.Redirect.Method != "POST" {
			t.Fatalf("ordinary: %+v", d.Redirect)
		}
	})
}

// Every emergency (and 933) <Dial> carries a callerId, whatever the
// domain decided to present: Twilio refuses a client's dial without one
// (error 13214). Where the domain has nothing (a country with no default),
// the first configured default stands in.
func TestTwilioVoiceAlwaysPresentsACallerID(t *testing.T) {
	ctx := context.Background()
	const ecbn, own = "+14255550100", "+12065550142"
	site := mayday.Site{Name: "Seattle HQ", Country: "US", EmergencyCallbackNumber: ecbn,
		Address: mayday.Address{HouseNumber: "1", Street: "Main St", City: "Seattle", Region: "WA", PostalCode: "98101", Country: "US"}}
	agent := func(country, siteID string) func(*testing.T, twilioSystem) {
		return func(t *testing.T, s twilioSystem) {
			if _, err := s.uc.AdminAPI.PutAgent(ctx, "a-1", mayday.Profile{Name: "Ada", Country: country, Presence: mayday.Busy,
				SiteID: siteID}); err != nil {
				t.Fatal(err)
			}
		}
	}
	noPool := func(t *testing.T, s twilioSystem) {
		if err := s.uc.AdminAPI.RemoveNumber(ctx, pool); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name   string
		setup  []func(*testing.T, twilioSystem)
		form   map[string]string
		cfg    func(*mayday.Config)
		source string // what the domain decided
		want   string // the callerId dialled
	}{
		{"lease", nil, nil, nil, mayday.CallerLease, pool},
		{"the site's ECBN", []func(*testing.T, twilioSystem){noPool, agent("US", "sea")}, nil, nil, mayday.CallerECBN, ecbn},
		{"the remote agent's own number", []func(*testing.T, twilioSystem){noPool, func(t *testing.T, s twilioSystem) {
			if _, err := s.uc.AdminAPI.PutLocation(ctx, "a-1", mayday.AgentLocation{Address: mayday.Address{HouseNumber: "2121",
				Street: "7th Ave", City: "Seattle", Region: "WA", PostalCode: "98121", Country: "US"}, CallbackNumber: own}); err != nil {
				t.Fatal(err)
			}
		}}, nil, nil, mayday.CallerAgent, own},
		{"the country's default", []func(*testing.T, twilioSystem){noPool}, nil, nil, mayday.CallerDefault, usDefault},
		{"none: a country without a default", []func(*testing.T, twilioSystem){agent("DK", "")},
			map[string]string{"To": "112", "Country": ""}, nil, mayday.CallerNone, gbDefault},
		{"none: only one default configured", []func(*testing.T, twilioSystem){agent("DK", "")},
			map[string]string{"To": "112", "Country": ""}, func(c *mayday.Config) { c.DefaultCallerID = map[string]string{"US": usDefault} },
			mayday.CallerNone, usDefault},
		{"a 933 test call with nothing to present", []func(*testing.T, twilioSystem){noPool, agent("US", "")}, map[string]string{"To": "933"},
			func(c *mayday.Config) { c.DefaultCallerID = map[string]string{"GB": gbDefault} }, mayday.CallerNone, gbDefault},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTwilio(t, nil, tc.cfg)
			if _, err := s.uc.AdminAPI.PutSite(ctx, "sea", site); err != nil {
				t.Fatal(err)
			}
			for _, f := range tc.setup {
				f(t, s)
			}
			form := map[string]string{"SiteId": "", "CallSid": "CA-" + strings.NewReplacer(" ", "-", "'", "").Replace(tc.name)}
			for k, v := range tc.form {
				form[k] = v
			}
			d := parseTwiML(t, s.post(t, "/v1/twilio/voice", sample(t, "voice", form)))
			if d.Dial == nil || len(d.Dial.Number) != 1 || d.Dial.CallerID != tc.want {
				t.Fatalf("dial %+v, want callerId %s", d.Dial, tc.want)
			}
			if got := s.bus.callerIDSource(form["CallSid"]); got != tc.source && tc.form["To"] != "933" {
				t.Errorf("the domain's caller ID source %q, want %q", got, tc.source)
			}
		})
	}
}

// A dial whose Voice SDK client sends no Country: the domain takes the
// country of where the agent is (the site the call names, else the
// agent's), and the dial is an emergency call as any other.
func TestTwilioVoiceWithoutCountry(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		form   map[string]string
		want   string // the number dialled
		caller string
	}{
		{"the agent's country", map[string]string{"Country": "", "SiteId": "", "Location": ""}, "911", pool},
		{"the site's country", map[string]string{"Country": "", "SiteId": "lon", "To": "9-999"}, "999", "+442071230001"},
		{"with the client's address, unknown here", map[string]string{"Country": "", "SiteId": "", "ClientIp": "203.0.113.7"}, "911", pool},
		{"a malformed client address is ignored", map[string]string{"Country": "", "SiteId": "", "ClientIp": "not-an-ip"}, "911", pool},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTwilio(t, nil, nil)
			if _, err := s.uc.AdminAPI.PutSite(ctx, "lon", mayday.Site{Name: "London", Country: "GB", Address: mayday.Address{
				HouseNumber: "1", Street: "Strand", City: "London", PostalCode: "WC2N 5HR", Country: "GB"}}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.uc.AdminAPI.AddNumberAt(ctx, "+442071230001", "GB", "lon"); err != nil {
				t.Fatal(err)
			}
			form := sample(t, "voice", tc.form)
			d := parseTwiML(t, s.post(t, "/v1/twilio/voice", form))
			if d.Dial == nil || !slices.Equal(d.Dial.Number, []string{tc.want}) || d.Dial.CallerID != tc.caller {
				t.Fatalf("dial %+v", d.Dial)
			}
			ds, _ := s.uc.AdminAPI.State(ctx, "a-1")
			if !ds.Emergency || ds.CallID != form.Get("CallSid") {
				t.Fatalf("state %+v", ds)
			}
			if !slices.Contains(s.bus.types(), mevents.EmergencyCallStarted) {
				t.Fatalf("events %v", s.bus.types())
			}
		})
	}
}

// What fails on our side never stops the emergency call: with the store
// down it is placed presenting the country's default; with the bus down it is
// placed presenting the lease (the event's loss is logged).
func TestTwilioVoiceNeverRefusesAnEmergencyCall(t *testing.T) {
	t.Run("store down", func(t *testing.T) {
		s := newTwilioOn(t, setupDownStore{inmem.NewStore()}, nil, nil)
		d := parseTwiML(t, s.post(t, "/v1/twilio/voice", sample(t, "voice", map[string]string{"SiteId": ""})))
		if d.Dial == nil || !slices.Equal(d.Dial.Number, []string{"911"}) || d.Dial.CallerID != usDefault {
			t.Fatalf("dial: %+v", d.Dial)
		}
	})
	t.Run("bus down", func(t *testing.T) {
		s := newTwilio(t, nil, nil)
		s.bus.down = true
		d := parseTwiML(t, s.post(t, "/v1/twilio/voice", sample(t, "voice", map[string]string{"SiteId": ""})))
		if d.Dial == nil || !slices.Equal(d.Dial.Number, []string{"911"}) || d.Dial.CallerID != pool {
			t.Fatalf("dial: %+v", d.Dial)
		}
	})
}

// Without MAYDAY_TWILIO_ORDINARY_URL an ordinary call is refused with 503
// (Twilio then turns to the TwiML App's Voice Fallback URL); emergency
// calls are unaffected.
func TestTwilioWithoutOrdinaryURL(t *testing.T) {
	s := newTwilio(t, func(a *httpapi.API) { a.TwilioOrdinaryURL = "" }, nil)
	rec := s.post(t, "/v1/twilio/voice", sample(t, "voice", map[string]string{"To": "+14255550123"}))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "MAYDAY_TWILIO_ORDINARY_URL") {
		t.Fatalf("ordinary call: %d %s", rec.Code, rec.Body)
	}
	d := parseTwiML(t, s.post(t, "/v1/twilio/voice", sample(t, "voice", map[string]string{"CallSid": "CA-e", "SiteId": ""})))
	if d.Dial == nil || d.Dial.CallerID != pool {
		t.Fatalf("emergency dial: %+v", d.Dial)
	}
}

func TestTwilioStatus(t *testing.T) {
	s := newTwilio(t, nil, nil)
	// ordinary calls, so that each final status publishes its "Call Ended"
	for i, status := range []string{"completed", "busy", "failed", "no-answer", "canceled", "ringing", "in-progress", "queued", "initiated"} {
		sid := "CA-status-" + status
		parseTwiML(t, s.post(t, "/v1/twilio/voice", sample(t, "voice", map[string]string{"CallSid": sid, "To": "+14255550123"})))
		before := len(s.bus.types())
		rec := s.post(t, "/v1/twilio/status", sample(t, "status", map[string]string{"CallSid": sid, "CallStatus": status}))
		if rec.Code != http.StatusNoContent {
			t.Fatalf("%s: %d %s", status, rec.Code, rec.Body)
		}
		got := s.bus.types()[before:]
		if final := i < 5; final != slices.Equal(got, []string{mevents.CallEnded}) {
			t.Errorf("%s: published %v", status, got)
		}
	}
}

func TestTwilioInbound(t *testing.T) {
	ctx := context.Background()
	t.Run("a live lease rings the agent's client, then the fallback", func(t *testing.T) {
		s := newTwilio(t, nil, nil)
		parseTwiML(t, s.post(t, "/v1/twilio/voice", sample(t, "voice", map[string]string{"SiteId": ""})))
		if rec := s.post(t, "/v1/twilio/status", sample(t, "status", nil)); rec.Code != http.StatusNoContent {
			t.Fatalf("status: %d", rec.Code)
		}
		lease := func() time.Time {
			ds, _ := s.uc.AdminAPI.State(ctx, "a-1")
			return ds.Lease.Lease.ExpiresAt
		}
		before := lease()
		time.Sleep(5 * time.Millisecond)
		d := parseTwiML(t, s.post(t, "/v1/twilio/inbound", sample(t, "inbound", nil)))
		if d.Dial == nil || !slices.Equal(d.Dial.Client, []string{"a-1"}) || d.Dial.Timeout != "30" || d.Dial.AnswerOnBridge != "true" ||
			d.Dial.Action != functionURL+"/v1/twilio/inbound" || d.Dial.Method != "POST" || len(d.Dial.Number) != 0 {
			t.Fatalf("callback: %+v", d.Dial)
		}
		// An emergency conversation that renews the lease.
		ds, _ := s.uc.AdminAPI.State(ctx, "a-1")
		if !ds.Emergency || ds.Presence != mayday.DoNotDisturb || !lease().After(before) {
			t.Fatalf("state during the callback: %+v", ds)
		}
		if !slices.Contains(s.bus.types(), mevents.EmergencyCallbackRouted) {
			t.Fatalf("events %v", s.bus.types())
		}
		// Twilio comes back to the action URL when the <Dial> ends.
		d = parseTwiML(t, s.post(t, "/v1/twilio/inbound", sample(t, "inbound-dial-action", nil)))
		if d.Dial == nil || !slices.Equal(d.Dial.Number, []string{fallbackNum}) || len(d.Dial.Client) != 0 {
			t.Fatalf("unanswered: %+v", d.Dial)
		}
		d = parseTwiML(t, s.post(t, "/v1/twilio/inbound", sample(t, "inbound-dial-action", map[string]string{"DialCallStatus": "completed"})))
		if d.Hangup == nil {
			t.Fatalf("answered and over: %+v", d)
		}
	})
	for _, tc := range []struct {
		name, fallback string
		check          func(twiliotest.TwiML) bool
	}{
		{"no live lease: an E.164 fallback is dialled as a number", fallbackNum, func(d twiliotest.TwiML) bool {
			return d.Dial != nil && slices.Equal(d.Dial.Number, []string{fallbackNum}) && d.Dial.Action == ""
		}},
		{"no live lease: client:<identity> is dialled as a client", "client:security-desk", func(d twiliotest.TwiML) bool {
			return d.Dial != nil && slices.Equal(d.Dial.Client, []string{"security-desk"})
		}},
		{"no live lease: a fallback that cannot be dialled goes to the customer's application", "security-desk", func(d twiliotest.TwiML) bool {
			return d.Redirect != nil && d.Redirect.URL == ordinaryURL
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTwilio(t, nil, func(c *mayday.Config) { c.Fallback = tc.fallback })
			if d := parseTwiML(t, s.post(t, "/v1/twilio/inbound", sample(t, "inbound", nil))); !tc.check(d) {
				t.Fatalf("%+v %+v", d.Dial, d.Redirect)
			}
		})
	}
	t.Run("a withheld caller is routed all the same", func(t *testing.T) {
		s := newTwilio(t, nil, nil)
		d := parseTwiML(t, s.post(t, "/v1/twilio/inbound", sample(t, "inbound", map[string]string{"From": "", "Caller": ""})))
		if d.Dial == nil || !slices.Equal(d.Dial.Number, []string{fallbackNum}) {
			t.Fatalf("%+v", d)
		}
	})
	t.Run("not a pool number is handed back", func(t *testing.T) {
		s := newTwilio(t, nil, nil)
		d := parseTwiML(t, s.post(t, "/v1/twilio/inbound", sample(t, "inbound", map[string]string{"To": "+14255550777", "Called": "+14255550777"})))
		if d.Redirect == nil || d.Redirect.URL != ordinaryURL || d.Redirect.Method != "POST" {
			t.Fatalf("%+v", d)
		}
	})
}

// The signature is checked over the URL Twilio called, however the request
// reached us.
func TestTwilioSignatureURLShapes(t *testing.T) {
	form := sample(t, "status", map[string]string{"CallStatus": "ringing"})
	plain := func(target, host string, header map[string]string) func(h http.Handler, sig string) *httptest.ResponseRecorder {
		return func(h http.Handler, sig string) *httptest.ResponseRecorder {
			req := httptest.NewRequest("POST", target, strings.NewReader(form.Encode()))
			req.Host = host
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range header {
				req.Header.Set(k, v)
			}
			if sig != "" {
				req.Header.Set(httpapi.TwilioSignatureHeader, sig)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec
		}
	}
	lambda := func(u string) func(h http.Handler, sig string) *httptest.ResponseRecorder {
		return func(h http.Handler, sig string) *httptest.ResponseRecorder { return lambdaPost(t, h, u, form, sig) }
	}
	const tunnel = "https://mayday-dev.ngrok.app"
	for _, tc := range []struct {
		name      string
		publicURL string // MAYDAY_TWILIO_PUBLIC_URL
		signedURL string // what Twilio called and signed
		send      func(http.Handler, string) *httptest.ResponseRecorder
	}{
		{"function URL", "", functionURL + "/v1/twilio/status", lambda(functionURL + "/v1/twilio/status")},
		{"function URL with a query", "", functionURL + "/v1/twilio/status?site=sea&x=a%20b", lambda(functionURL + "/v1/twilio/status?site=sea&x=a%20b")},
		{"function URL, Twilio signed with :443", "", "https://abc123.lambda-url.eu-west-1.on.aws:443/v1/twilio/status", lambda(functionURL + "/v1/twilio/status")},
		{"local runner", "", "http://127.0.0.1:8080/v1/twilio/status", plain("/v1/twilio/status", "127.0.0.1:8080", nil)},
		{"local runner with a query", "", "http://127.0.0.1:8080/v1/twilio/status?a=1", plain("/v1/twilio/status?a=1", "127.0.0.1:8080", nil)},
		{"behind a TLS proxy", "", "https://mayday.example.com:8443/v1/twilio/status", plain("/v1/twilio/status", "mayday.example.com:8443", map[string]string{"X-Forwarded-Proto": "https"})},
		{"through a tunnel (public URL set)", tunnel, tunnel + "/v1/twilio/status?a=1", plain("/v1/twilio/status?a=1", "127.0.0.1:8080", nil)},
		{"public URL with a trailing slash", tunnel + "/", tunnel + "/v1/twilio/status", plain("/v1/twilio/status", "127.0.0.1:8080", nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTwilio(t, func(a *httpapi.API) { a.TwilioPublicURL = tc.publicURL }, nil)
			if rec := tc.send(s.h, twiliotest.Sign(twilioToken, tc.signedURL, form)); rec.Code != http.StatusNoContent {
				t.Fatalf("signed over %s: %d %s", tc.signedURL, rec.Code, rec.Body)
			}
			// The same request signed over any other URL is refused.
			u, _ := url.Parse(tc.signedURL)
			others := []string{strings.Replace(tc.signedURL, u.Scheme+"://", map[string]string{"http": "https", "https": "http"}[u.Scheme]+"://", 1),
				strings.Replace(tc.signedURL, "/v1/twilio/status", "/v1/twilio/voice", 1), tc.signedURL + "&z=1",
				strings.Replace(tc.signedURL, u.Hostname(), "evil.example.com", 1)}
			if u.RawQuery != "" {
				others = append(others, strings.SplitN(tc.signedURL, "?", 2)[0])
			}
			for _, other := range others {
				if rec := tc.send(s.h, twiliotest.Sign(twilioToken, other, form)); rec.Code != http.StatusForbidden {
					t.Errorf("signed over %s: %d, want 403", other, rec.Code)
				}
			}
		})
	}
}

func TestTwilioSignatureRules(t *testing.T) {
	const account = "AC0123456789abcdef0123456789abcdef"
	voice := sample(t, "voice", map[string]string{"SiteId": ""})
	tests := []struct {
		name   string
		api    func(*httpapi.API)
		form   url.Values
		sig    func(url.Values) string
		status int
		want   string
	}{
		{"missing signature", nil, voice, func(url.Values) string { return "" }, 403, "missing X-Twilio-Signature"},
		{"garbage signature", nil, voice, func(url.Values) string { return "bm9wZQ==" }, 403, "does not match"},
		{"another token", nil, voice, func(f url.Values) string {
			return twiliotest.Sign("someone-else", functionURL+"/v1/twilio/voice", f)
		}, 403, "does not match"},
		{"a parameter changed after signing", nil, voice, func(f url.Values) string {
			g := url.Values{}
			for k, v := range f {
				g[k] = v
			}
			g.Set("To", "933")
			return twiliotest.Sign(twilioToken, functionURL+"/v1/twilio/voice", g)
		}, 403, "does not match"},
		{"the previous token during a rotation", func(a *httpapi.API) {
			a.TwilioAuthToken = func(context.Context) ([][]byte, error) {
				return [][]byte{[]byte("the-new-token"), []byte(twilioToken)}, nil
			}
		}, voice, nil, 200, "<Dial"},
		{"the account expected", func(a *httpapi.API) { a.TwilioAccountSID = account }, voice, nil, 200, "<Dial"},
		{"another account", func(a *httpapi.API) { a.TwilioAccountSID = "AC" + strings.Repeat("f", 32) }, voice, nil, 403, "AccountSid"},
		{"the token cannot be read", func(a *httpapi.API) {
			a.TwilioAuthToken = func(context.Context) ([][]byte, error) { return nil, errors.New("secrets manager down") }
		}, voice, nil, 503, "retry"},
		{"an empty token never validates", func(a *httpapi.API) {
			a.TwilioAuthToken = func(context.Context) ([][]byte, error) { return [][]byte{nil}, nil }
		}, voice, func(f url.Values) string { return twiliotest.Sign("", functionURL+"/v1/twilio/voice", f) }, 403, "does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTwilio(t, tt.api, nil)
			sig := twiliotest.Sign(twilioToken, functionURL+"/v1/twilio/voice", tt.form)
			if tt.sig != nil {
				sig = tt.sig(tt.form)
			}
			rec := lambdaPost(t, s.h, functionURL+"/v1/twilio/voice", tt.form, sig)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) {
				t.Fatalf("%d %s; want %d containing %q", rec.Code, rec.Body, tt.status, tt.want)
			}
			if tt.status >= 400 {
				if ds, _ := s.uc.AdminAPI.State(context.Background(), "a-1"); ds.Emergency {
					t.Fatal("a refused request changed the agent's state")
				}
			}
		})
	}
	// A bad signature over each route.
	s := newTwilio(t, nil, nil)
	for _, r := range httpapi.Routes {
		if r.Access != httpapi.TwilioSigned {
			continue
		}
		for _, name := range []string{"voice", "status", "inbound"} {
			f := sample(t, name, nil)
			if rec := lambdaPost(t, s.h, functionURL+r.Path, f, twiliotest.Sign("wrong", functionURL+r.Path, f)); rec.Code != 403 {
				t.Errorf("%s with %s signed wrong: %d", r.Path, name, rec.Code)
			}
		}
	}
}

func TestTwilioBadInput(t *testing.T) {
	s := newTwilio(t, nil, nil)
	big := sample(t, "voice", map[string]string{"Pad": strings.Repeat("x", httpapi.MaxBody)})
	tests := []struct {
		name, path string
		form       url.Values
		status     int
		want       string
	}{
		{"voice without CallSid", "/v1/twilio/voice", sample(t, "voice", map[string]string{"CallSid": ""}), 400, "CallSid is required"},
		{"voice without From", "/v1/twilio/voice", sample(t, "voice", map[string]string{"From": ""}), 400, "From is required"},
		{"voice without To", "/v1/twilio/voice", sample(t, "voice", map[string]string{"To": ""}), 400, "To is required"},
		{"voice from a phone, not a client", "/v1/twilio/voice", sample(t, "voice", map[string]string{"From": "+14255550100"}), 400, "Voice SDK client"},
		{"voice from client: with no identity", "/v1/twilio/voice", sample(t, "voice", map[string]string{"From": "client:"}), 400, "Voice SDK client"},
		{"status without CallStatus", "/v1/twilio/status", sample(t, "status", map[string]string{"CallStatus": ""}), 400, "CallStatus is required"},
		{"inbound without To", "/v1/twilio/inbound", sample(t, "inbound", map[string]string{"To": ""}), 400, "To is required"},
		{"inbound without CallSid", "/v1/twilio/inbound", sample(t, "inbound", map[string]string{"CallSid": ""}), 400, "CallSid is required"},
		{"status without CallSid", "/v1/twilio/status", sample(t, "status", map[string]string{"CallSid": ""}), 400, "CallSid is required"},
		{"over 64 KiB", "/v1/twilio/voice", big, 413, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := s.post(t, tt.path, tt.form)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) {
				t.Fatalf("%d %s; want %d containing %q", rec.Code, rec.Body, tt.status, tt.want)
			}
		})
	}
	// A body that is not a form cannot carry a valid signature.
	req := httptest.NewRequest("POST", "/v1/twilio/voice", strings.NewReader("%zz"))
	req.Host = "127.0.0.1:8080"
	req.Header.Set(httpapi.TwilioSignatureHeader, twiliotest.Sign(twilioToken, "http://127.0.0.1:8080/v1/twilio/voice", nil))
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("not a form: %d %s", rec.Code, rec.Body)
	}
}

// Deployments without a Twilio account do not serve the Twilio routes, and
// serve the rest as before.
func TestTwilioRoutesNeedAToken(t *testing.T) {
	s := newTwilio(t, func(a *httpapi.API) { a.TwilioAuthToken = nil }, nil)
	f := sample(t, "voice", nil)
	if rec := s.post(t, "/v1/twilio/voice", f); rec.Code != http.StatusNotFound {
		t.Fatalf("Twilio route without a token: %d", rec.Code)
	}
	body := `{"callId":"c-9","from":"+1","to":"+14255550002"}`
	if rec := do(s.h, "POST", "/v1/telephony/inbound", body, signed(body)); rec.Code != 200 {
		t.Fatalf("generic route: %d %s", rec.Code, rec.Body)
	}
}
