package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
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

var secret = []byte("test-secret")

type nopBus struct{}

func (nopBus) Publish(context.Context, ...events.Event) error { return nil }

// newUseCases is every use case over an embedded store and outbox.
func newUseCases(t *testing.T) mayday.UseCases {
	t.Helper()
	uc, err := mayday.NewUseCases(inmem.NewStore(), nopBus{}, inmem.NewOutbox(mayday.SystemClock{}),
		mayday.Options{Config: settings.Defaults()})
	if err == nil {
		err = uc.WithRecord(inmem.NewRecord(), mayday.Options{})
	}
	if err != nil {
		t.Fatal(err)
	}
	return uc
}

func newAPI(t *testing.T, guard func(*http.Request) error) http.Handler {
	t.Helper()
	uc := newUseCases(t)
	api := httpapi.ForUseCases(uc)
	api.Secrets, api.AdminGuard, api.AuditGuard = webhooksecret.Static(string(secret)), guard, guard
	return mustHandler(t, api)
}

func mustHandler(t testing.TB, api *httpapi.API, functions ...string) http.Handler {
	t.Helper()
	h, err := api.Handler(functions...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func do(h http.Handler, method, path, body string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func signed(body string) map[string]string {
	return map[string]string{webhooksecret.SignatureHeader: webhooksecret.Sign(secret, time.Now(), []byte(body))}
}

func TestWebhookContract(t *testing.T) {
	h := newAPI(t, nil)
	dial := `{"type":"call.dialed","callId":"c-1","agentId":"a-1","from":"+14255550100","to":"9-911","country":"US","location":"B4","occurredAt":"2026-11-22T21:00:00Z"}`
	big := `{"type":"call.ended","callId":"c-1","occurredAt":"2026-11-22T21:00:00Z","pad":"` + strings.Repeat("x", httpapi.MaxBody) + `"}`
	tests := []struct {
		name, path, body string
		header           map[string]string
		status           int
		want             string // a part of the response body
	}{
		{"emergency dial", "/v1/telephony/events", dial, signed(dial), 200, `"emergency":true`},
		{"test call", "/v1/telephony/events", strings.Replace(dial, "9-911", "933", 1), signed(strings.Replace(dial, "9-911", "933", 1)), 200, `"reason":"test-call"`},
		{"unsigned", "/v1/telephony/events", dial, nil, 401, `"error"`},
		{"wrong signature", "/v1/telephony/events", dial, signed(dial + " "), 401, "does not match"},
		{"stale signature", "/v1/telephony/events", dial, map[string]string{webhooksecret.SignatureHeader: webhooksecret.Sign(secret, time.Now().Add(-6*time.Minute), []byte(dial))}, 401, "window"},
		{"malformed JSON", "/v1/telephony/events", `{"type":`, signed(`{"type":`), 400, "malformed JSON"},
		{"wrong field type", "/v1/telephony/events", `{"type":"call.dialed","callId":7}`, signed(`{"type":"call.dialed","callId":7}`), 400, "callId"},
		{"unknown type", "/v1/telephony/events", `{"type":"call.held","callId":"c","occurredAt":"2026-11-22T21:00:00Z"}`, signed(`{"type":"call.held","callId":"c","occurredAt":"2026-11-22T21:00:00Z"}`), 400, "call.held"},
		{"missing agentId", "/v1/telephony/events", `{"type":"call.dialed","callId":"c","to":"911","occurredAt":"2026-11-22T21:00:00Z"}`, signed(`{"type":"call.dialed","callId":"c","to":"911","occurredAt":"2026-11-22T21:00:00Z"}`), 400, "agentId"},
		{"bad occurredAt", "/v1/telephony/events", `{"type":"call.ended","callId":"c","occurredAt":"yesterday"}`, signed(`{"type":"call.ended","callId":"c","occurredAt":"yesterday"}`), 400, "occurredAt"},
		{"ended needs only type, callId, occurredAt", "/v1/telephony/events", `{"type":"call.ended","callId":"c-x","occurredAt":"2026-11-22T21:00:00Z"}`, signed(`{"type":"call.ended","callId":"c-x","occurredAt":"2026-11-22T21:00:00Z"}`), 200, `"emergency":false`},
		{"over 64 KiB", "/v1/telephony/events", big, signed(big), 413, "larger than"},
		{"inbound, not a callback number", "/v1/telephony/inbound", `{"callId":"c-9","from":"+1","to":"+14255550001"}`, signed(`{"callId":"c-9","from":"+1","to":"+14255550001"}`), 200, `"route":"default"`},
		{"inbound unsigned", "/v1/telephony/inbound", `{"callId":"c-9"}`, nil, 401, `"error"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(h, "POST", tt.path, tt.body, tt.header)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) {
				t.Fatalf("%d %s; want %d containing %s", rec.Code, rec.Body, tt.status, tt.want)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Fatalf("Content-Type %q", ct)
			}
			if rec.Code >= 400 {
				var e map[string]string
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e["error"] == "" {
					t.Fatalf("error body %s is not {\"error\": ...}", rec.Body)
				}
			}
		})
	}
}

func TestAdminContract(t *testing.T) {
	h := newAPI(t, nil)
	steps := []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"GET", "/v1/agents/a-1", "", 404, "not found"},
		{"PUT", "/v1/agents/a-1", `{"name":"Ada","email":"ada@example.com","presence":"Busy","country":"uk","emergencyContacts":"sup@example.com; desk@example.com","mailboxEnabled":true,"outboundVoiceProfile":true}`, 200, `"emergencyContacts":["sup@example.com","desk@example.com"]`},
		{"GET", "/v1/agents/a-1", "", 200, `"country":"GB"`},
		{"PUT", "/v1/agents/a-1", `{"name":"Ada","emergencyContacts":"sup@example.com; not-an-address"}`, 400, `not-an-address`},
		{"GET", "/v1/agents/a-1", "", 200, `"presence":"Busy"`}, // the bad PUT lost nothing
		{"PUT", "/v1/agents/a-1", `{"name":"Ada","presence":"Sleeping"}`, 400, "Sleeping"},
		{"PUT", "/v1/agents/a-1/presence", `{"presence":"Away"}`, 200, `"presence":"Away"`},
		{"PUT", "/v1/agents/a-1/presence", `{"presence":"away"}`, 400, "presence"},
		{"PUT", "/v1/agents/nobody/presence", `{"presence":"Away"}`, 404, "not found"},
		{"GET", "/v1/agents/a-1/state", "", 200, `"emergency":{"active":false}`},
		{"GET", "/v1/agents/a-1/history", "", 200, `"activities":[]`},
		{"GET", "/v1/agents/a-1/readiness", "", 200, `"name":"callbackPool","ok":false`},
		{"POST", "/v1/callback-numbers", `{"number":"+442071230001","country":"GB"}`, 201, `"country":"GB"`},
		{"POST", "/v1/callback-numbers", `{"number":"+442071230001","country":"GB"}`, 200, `"number":"+442071230001"`},
		{"POST", "/v1/callback-numbers", `{"number":"+442071230001","country":"US"}`, 400, "not a number of US"},
		{"POST", "/v1/callback-numbers", `{"number":"+14255550001","country":"GB"}`, 400, "not a number of GB"},
		{"POST", "/v1/callback-numbers", `{"number":"12345","country":"US"}`, 400, "E.164"},
		{"POST", "/v1/callback-numbers", `{"number":"+33123456789","country":"FR"}`, 400, "supported"},
		{"GET", "/v1/callback-numbers", "", 200, `"numbers":[{"number":"+442071230001","country":"GB"}]`},
		{"GET", "/v1/agents/a-1/readiness", "", 200, `"name":"callbackPool","ok":true`},
		{"GET", "/v1/agents/a-1/location", "", 404, "no current location"},
		{"PUT", "/v1/agents/a-1/location", `{"address":{"street":"Downing St","city":"London","postalCode":"SW1A 2AA","country":"GB"}}`, 400, "address.houseNumber"},
		{"PUT", "/v1/agents/a-1/location", `{"address":{"houseNumber":"10","street":"Downing St","city":"London","postalCode":"SW1A 2AA","country":"GB"},"postcode":"x"}`, 400, "postcode"},
		{"PUT", "/v1/agents/a-1/location", `{"address":{"houseNumber":"10","street":"Downing St","city":"London","postalCode":"SW1A 2AA","country":"GB"},"callbackNumber":"+14255550142"}`, 400, "callbackNumber"},
		{"PUT", "/v1/agents/nobody/location", `{"siteId":"sea"}`, 404, "not found"},
		{"PUT", "/v1/agents/a-1/location", `{"address":{"houseNumber":"10","street":"Downing St","city":"London","postalCode":"SW1A 2AA","country":"uk"},"detail":"Home office","callbackNumber":"+44 20 7123 0142"}`, 200, `"kind":"remote","address":{"houseNumber":"10","street":"Downing St","city":"London","postalCode":"SW1A 2AA","country":"GB"},"detail":"Home office","callbackNumber":"+442071230142"`},
		{"GET", "/v1/agents/a-1/location", "", 200, `"callbackNumber":"+442071230142"`},
		{"GET", "/v1/agents/a-1/readiness", "", 200, `"name":"location","ok":false,"fix":"the confirmed address did not validate`},
		{"DELETE", "/v1/agents/a-1/location", "", 204, ""},
		{"GET", "/v1/agents/a-1/location", "", 404, "no current location"},
		{"DELETE", "/v1/callback-numbers/+442071230001", "", 204, ""},
		{"DELETE", "/v1/callback-numbers/+442071230001", "", 404, "not found"},
		{"GET", "/v1/sites", "", 200, `"sites":[]`},
		{"PUT", "/v1/sites/sea", `{"name":"Seattle HQ","country":"US","address":{"city":"Seattle","country":"US"}}`, 400, "address.street"},
		{"PUT", "/v1/sites/sea", `{"name":"Seattle HQ","country":"US","address":{"street":"1 Main St","city":"Seattle","postcode":"98101","country":"US"}}`, 400, "postcode"},
		{"PUT", "/v1/sites/sea", `{"siteId":"pdx","name":"Seattle HQ","country":"US","address":{"street":"1 Main St","city":"Seattle","country":"US"}}`, 400, "pdx"},
		{"PUT", "/v1/sites/sea", `{"name":"Seattle HQ","country":"US","address":{"street":"1 Main St","city":"Seattle","region":"WA","postalCode":"98101","country":"US"},"emergencyCallbackNumber":"555"}`, 400, "emergencyCallbackNumber"},
		{"PUT", "/v1/sites/sea", `{"name":"Seattle HQ","country":"US","address":{"street":"1 Main St","city":"Seattle","region":"WA","postalCode":"98101","country":"US"},"notify":"security@example.com; nope"}`, 400, "notify"},
		{"PUT", "/v1/sites/sea", `{"name":"Seattle HQ","country":"US","address":{"street":"1 Main St","city":"Seattle","region":"WA","postalCode":"98101","country":"US"},"emergencyCallbackNumber":"+1 (425) 555-0100","notify":"security@example.com; frontdesk@example.com"}`, 200, `"emergencyCallbackNumber":"+14255550100","notify":["security@example.com","frontdesk@example.com"]`},
		{"GET", "/v1/sites/sea", "", 200, `"address":{"houseNumber":"1","street":"Main St","city":"Seattle","region":"WA","postalCode":"98101","country":"US"}`},
		{"PUT", "/v1/sites/sea", `{"name":"Seattle HQ","country":"US","address":{"street":"1 Main St","city":"Seattle","region":"WA","postalCode":"98101","country":"US"},"emergencyCallbackNumber":"+44 20 7123 0000"}`, 400, "emergencyCallbackNumber +442071230000 is not a number of US"},
		{"GET", "/v1/sites/sea", "", 200, `"emergencyCallbackNumber":"+14255550100"`},
		{"POST", "/v1/callback-numbers", `{"number":"+4533123456","country":"US","siteId":"sea"}`, 400, "not a number of US"},
		{"GET", "/v1/sites/nowhere", "", 404, "not found"},
		{"POST", "/v1/callback-numbers", `{"number":"+442071230002","country":"GB","siteId":"sea"}`, 400, "country"},
		{"POST", "/v1/callback-numbers", `{"number":"+14255550001","country":"US","siteId":"nowhere"}`, 400, "nowhere"},
		{"POST", "/v1/callback-numbers", `{"number":"+14255550001","country":"US","siteId":"sea"}`, 201, `"siteId":"sea"`},
		{"PUT", "/v1/agents/a-2", `{"name":"Bo","country":"US","siteId":"nowhere"}`, 400, "nowhere"},
		{"PUT", "/v1/agents/a-2", `{"name":"Bo","country":"US","siteId":"sea"}`, 200, `"siteId":"sea"`},
		{"DELETE", "/v1/sites/sea", "", 409, "in use"},
		{"GET", "/v1/sites", "", 200, `"sites":[{"siteId":"sea"`},
		{"PUT", "/v1/agents/a-2", `{"name":"Bo","country":"US"}`, 200, `"agentId":"a-2"`},
		{"DELETE", "/v1/callback-numbers/+14255550001", "", 204, ""},
		{"DELETE", "/v1/sites/sea", "", 204, ""},
		{"DELETE", "/v1/sites/sea", "", 404, "not found"},
	}
	for i, s := range steps {
		rec := do(h, s.method, s.path, s.body, nil)
		if rec.Code != s.status || !strings.Contains(rec.Body.String(), s.want) {
			t.Fatalf("step %d %s %s: %d %s; want %d containing %s", i, s.method, s.path, rec.Code, rec.Body, s.status, s.want)
		}
	}
}

// A dial naming a site of another country than its own is located as if
// the site were unknown: never the other country's address.
func TestDialNamingASiteOfAnotherCountry(t *testing.T) {
	h := newAPI(t, nil)
	for _, s := range []struct{ path, body string }{
		{"/v1/sites/sea", `{"name":"Seattle HQ","country":"US","address":{"street":"1 Main St","city":"Seattle","region":"WA","postalCode":"98101","country":"US"},"emergencyCallbackNumber":"+14255550100"}`},
		{"/v1/sites/lon", `{"name":"London","country":"GB","address":{"houseNumber":"1","street":"Strand","city":"London","postalCode":"WC2N 5HR","country":"GB"},"emergencyCallbackNumber":"+442071230000"}`},
		{"/v1/agents/a-1", `{"name":"Ada","country":"US","siteId":"sea"}`},
	} {
		if rec := do(h, "PUT", s.path, s.body, nil); rec.Code != 200 {
			t.Fatalf("PUT %s: %d %s", s.path, rec.Code, rec.Body)
		}
	}
	dial := `{"type":"call.dialed","callId":"c-1","agentId":"a-1","from":"+14255550100","to":"9-911","country":"US","siteId":"lon","occurredAt":"` +
		time.Now().UTC().Format(time.RFC3339) + `"}`
	rec := do(h, "POST", "/v1/telephony/events", dial, signed(dial))
	var out struct {
		Emergency      bool   `json:"emergency"`
		CallerID       string `json:"callerId"`
		CallerIDSource string `json:"callerIdSource"`
		Location       struct {
			SiteID  string `json:"siteId"`
			Source  string `json:"source"`
			Address struct {
				Country string `json:"country"`
			} `json:"address"`
		} `json:"location"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); rec.Code != 200 || err != nil {
		t.Fatalf("dial: %d %s", rec.Code, rec.Body)
	}
	if !out.Emergency || out.Location.SiteID != "sea" || out.Location.Source != mayday.SourceHome || out.Location.Address.Country != "US" ||
		out.CallerID != "+14255550100" || out.CallerIDSource != mayday.CallerECBN {
		t.Fatalf("a US dial naming the GB site answered %s; want the home site sea and its ECBN, never London", rec.Body)
	}
}

func TestAdminLoopbackOnly(t *testing.T) {
	h := newAPI(t, httpapi.LoopbackOnly)
	req := httptest.NewRequest("GET", "/v1/callback-numbers", nil)
	req.RemoteAddr = "203.0.113.9:4000"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("remote admin call: %d", rec.Code)
	}
	req.RemoteAddr = "127.0.0.1:4000"
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b, _ := io.ReadAll(rec.Body)
		t.Fatalf("loopback admin call: %d %s", rec.Code, b)
	}
}

func TestOccurredAtOutOfRange(t *testing.T) {
	h := newAPI(t, nil)
	for _, at := range []string{"9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z", time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)} {
		body := `{"type":"call.ended","callId":"c","occurredAt":"` + at + `"}`
		if rec := do(h, "POST", "/v1/telephony/events", body, signed(body)); rec.Code != 400 || !strings.Contains(rec.Body.String(), "occurredAt") {
			t.Errorf("occurredAt %s: %d %s, want 400 naming occurredAt", at, rec.Code, rec.Body)
		}
	}
}

// downStore is a store that cannot be reached.
type downStore struct{ *inmem.Store }

func (downStore) UpdateCall(context.Context, string, func(*mayday.Call) error) (mayday.Call, error) {
	return mayday.Call{}, errors.New("connection refused")
}

func (downStore) UpdateCallAnnouncing(context.Context, string, func(*mayday.Call) ([]mayday.OutboxEvent, error)) (mayday.Call, error) {
	return mayday.Call{}, errors.New("connection refused")
}

func (downStore) GetCall(context.Context, string) (mayday.Call, error) {
	return mayday.Call{}, errors.New("connection refused")
}

func (downStore) ReadSetup(context.Context, string, string) (mayday.Agent, mayday.Call, error) {
	return mayday.Agent{}, mayday.Call{}, errors.New("connection refused")
}

func TestStoreDownIsRetryable(t *testing.T) {
	o := mayday.Options{Config: settings.Defaults()}
	dial, err := mayday.NewDialDetection(downStore{inmem.NewStore()}, nopBus{}, o)
	if err != nil {
		t.Fatal(err)
	}
	routing, err := mayday.NewPriorityCallbackRouting(downStore{inmem.NewStore()}, nopBus{}, o)
	if err != nil {
		t.Fatal(err)
	}
	h := mustHandler(t, &httpapi.API{DialDetection: dial, PriorityCallbackRouting: routing, Secrets: webhooksecret.Static(string(secret))},
		httpapi.FnDialDetection, httpapi.FnCallbackRouting)
	for _, tc := range []struct{ path, body string }{
		{"/v1/telephony/events", `{"type":"call.ended","callId":"c-1","occurredAt":"2026-11-22T21:00:00Z"}`},
		{"/v1/telephony/events", `{"type":"call.dialed","callId":"c-2","agentId":"a-1","to":"+14255550123","country":"US","occurredAt":"2026-11-22T21:00:00Z"}`},
		{"/v1/telephony/inbound", `{"callId":"c-9","to":"+14255550001"}`},
	} {
		rec := do(h, "POST", tc.path, tc.body, signed(tc.body))
		if rec.Code != 503 || strings.Contains(rec.Body.String(), "refused") {
			t.Errorf("%s %s: %d %s; want 503 without internals, so telephony retries", tc.path, tc.body, rec.Code, rec.Body)
		}
	}
	// An emergency dial is still answered: the chain applies the state later.
	body := `{"type":"call.dialed","callId":"c-3","agentId":"a-1","to":"911","country":"US","occurredAt":"2026-11-22T21:00:00Z"}`
	if rec := do(h, "POST", "/v1/telephony/events", body, signed(body)); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"emergency":true`) {
		t.Errorf("emergency dial with the store down: %d %s", rec.Code, rec.Body)
	}
}

// A function's handler refuses to start without the use case of a route it
// serves, or without the webhook secret for a signed route.
func TestHandlerRefusesMissingDependencies(t *testing.T) {
	uc := newUseCases(t)
	admin := uc.AdminAPI
	for _, tc := range []struct {
		name      string
		api       httpapi.API
		functions []string
		missing   string // "" when it must start
	}{
		{"admin only", httpapi.API{AdminAPI: admin, AlertAck: uc.AlertAck}, []string{httpapi.FnAdmin}, ""},
		{"admin without the alerts", httpapi.API{AdminAPI: admin}, []string{httpapi.FnAdmin}, "alert-ack"},
		{"alert page", httpapi.API{AlertAck: uc.AlertAck}, []string{httpapi.FnAlertAck}, ""},
		{"dial without its use case", httpapi.API{AdminAPI: admin, Secrets: webhooksecret.Static(string(secret))}, []string{httpapi.FnDialDetection}, "dial-detection"},
		{"all without routing", httpapi.API{AdminAPI: admin, Secrets: webhooksecret.Static(string(secret))}, nil, "priority-callback-routing"},
		{"webhook without a secret", httpapi.API{DialDetection: uc.DialDetection}, []string{httpapi.FnDialDetection}, "secret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.api.Handler(tc.functions...)
			switch {
			case tc.missing == "" && err != nil:
				t.Fatalf("err = %v, want it to start", err)
			case tc.missing != "" && (!errors.Is(err, mayday.ErrMissingDependency) || !strings.Contains(err.Error(), tc.missing)):
				t.Fatalf("err = %v, want ErrMissingDependency naming %s", err, tc.missing)
			}
		})
	}
}

// The dial answer carries the caller ID the platform presents and the
// dispatchable location, in the documented shape.
func TestDialAnswerContract(t *testing.T) {
	h := newAPI(t, nil)
	for _, s := range []struct{ method, path, body string }{
		{"PUT", "/v1/sites/sea", `{"name":"Seattle HQ","country":"US","address":{"street":"1 Main St","city":"Seattle","region":"WA","postalCode":"98101","country":"US"},"emergencyCallbackNumber":"+14255550100"}`},
		{"POST", "/v1/callback-numbers", `{"number":"+14255550001","country":"US","siteId":"sea"}`},
		{"PUT", "/v1/agents/a-1", `{"name":"Ada","country":"US","siteId":"sea"}`},
	} {
		if rec := do(h, s.method, s.path, s.body, nil); rec.Code/100 != 2 {
			t.Fatalf("%s %s: %d %s", s.method, s.path, rec.Code, rec.Body)
		}
	}
	at := time.Now().UTC().Truncate(time.Second)
	dial := `{"type":"call.dialed","callId":"c-1","agentId":"a-1","from":"+14255550150","to":"9-911","country":"US","siteId":"sea","location":"Building 4, floor 2","occurredAt":"` + at.Format(time.RFC3339) + `"}`
	rec := do(h, "POST", "/v1/telephony/events", dial, signed(dial))
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	exp, _ := time.Parse(time.RFC3339, fmt.Sprint(got["callbackExpiresAt"]))
	if exp.Sub(time.Now()) < 59*time.Minute {
		t.Errorf("callbackExpiresAt %v: want the lease period from now", got["callbackExpiresAt"])
	}
	delete(got, "callbackExpiresAt")
	want := map[string]any{"callId": "c-1", "emergency": true, "callerId": "+14255550001", "callerIdSource": "lease",
		"location": map[string]any{"kind": "site", "source": "call", "siteId": "sea", "name": "Seattle HQ",
			"detail": "Building 4, floor 2", "validated": true,
			"address": map[string]any{"houseNumber": "1", "street": "Main St", "city": "Seattle", "region": "WA",
				"postalCode": "98101", "country": "US"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("dial answer\n got %v\nwant %v", got, want)
	}
	test := strings.NewReplacer(`"c-1"`, `"c-2"`, `"9-911"`, `"933"`).Replace(dial)
	rec = do(h, "POST", "/v1/telephony/events", test, signed(test))
	if !strings.Contains(rec.Body.String(), `"reason":"test-call","callerId":"+14255550001"`) || !strings.Contains(rec.Body.String(), `"siteId":"sea"`) {
		t.Errorf("933 answer: %s", rec.Body)
	}
}
