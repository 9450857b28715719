package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
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

type fuzzBus struct{}

func (fuzzBus) Publish(context.Context, ...events.Event) error { return nil }

var fuzzSecret = []byte("fuzz-secret")

// fuzzHandler is the webhook API over the embedded store, logging nowhere.
func fuzzHandler() http.Handler {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	uc, err := mayday.NewUseCases(inmem.NewStore(), fuzzBus{}, inmem.NewOutbox(mayday.SystemClock{}),
		mayday.Options{Config: settings.Defaults(), Log: log})
	if err != nil {
		panic(err)
	}
	api := httpapi.ForUseCases(uc)
	api.Secrets, api.Log = webhooksecret.Static(string(fuzzSecret)), log
	h, err := api.Handler()
	if err != nil {
		panic(err)
	}
	return h
}

// FuzzCallWebhook posts arbitrary, correctly signed bodies to the call
// webhook: the answer is always 200, 400, 413 or 503, always JSON; an error
// is {"error": "<non-empty>"}; a 200 is a call outcome; never a 500.
func FuzzCallWebhook(f *testing.F) {
	for _, s := range []string{
		`{"type":"call.dialed","callId":"c-1","agentId":"a-1","from":"+14255550100","to":"9-911","country":"US","location":"Building 4, floor 2","occurredAt":"2026-11-22T21:00:00Z"}`,
		`{"type":"call.dialed","callId":"c-2","agentId":"a-1","to":"(9) 911","country":"uk","occurredAt":"2026-11-22T21:00:00+01:00"}`,
		`{"type":"call.dialed","callId":"c-3","agentId":"a-2","to":"112","country":"FR","occurredAt":"2026-11-22T21:00:00Z"}`,
		`{"type":"call.dialed","callId":"c-4","agentId":"a-2","to":"９１１","country":"US","occurredAt":"2026-11-22T21:00:00Z"}`,
		`{"type":"call.ended","callId":"c-1","occurredAt":"2026-11-22T21:05:00Z"}`,
		`{"type":"call.ended","callId":"c-1","occurredAt":"0001-01-01T00:00:00Z"}`,
		`{"type":"call.held","callId":"c","occurredAt":"2026-11-22T21:00:00Z"}`,
		`{"type":"call.dialed","callId":7}`,
		`{"type":"call.dialed","callId":"c-5","agentId":"a\u0000","to":"911","occurredAt":"2026-11-22T21:00:00Z","extra":[1,{"x":null}]}`,
		`{"type":"call.ended","callId":"c","occurredAt":"yesterday"}`,
		`{"type":"call.ended","callId":"c","occurredAt":"2026-11-22T21:00:00Z"} {}`,
		`[]`, `null`, `""`, ``, `{`, "\xff\xfe{}", `{"type":"call.dialed","callId":"c","callId":"d"}`,
		`{"type":"call.ended","callId":"c-6","occurredAt":"2026-11-22T21:00:00Z","pad":"` + strings.Repeat("x", httpapi.MaxBody-80) + `"}`,
		`{"pad":"` + strings.Repeat("x", httpapi.MaxBody) + `"}`,
	} {
		f.Add([]byte(s))
	}
	h := fuzzHandler()
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/v1/telephony/events", bytes.NewReader(body))
		req.Header.Set(webhooksecret.SignatureHeader, webhooksecret.Sign(fuzzSecret, time.Now(), body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		code, out := rec.Code, rec.Body.Bytes()
		if !slices.Contains([]int{200, 400, 413, 503}, code) {
			t.Fatalf("body %q: status %d %s", body, code, out)
		}
		if (code == 413) != (len(body) > httpapi.MaxBody) {
			t.Fatalf("body of %d bytes: status %d (limit %d)", len(body), code, httpapi.MaxBody)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("status %d: Content-Type %q", code, ct)
		}
		dec := json.NewDecoder(bytes.NewReader(out))
		dec.DisallowUnknownFields()
		if code != 200 {
			var e struct {
				Error string `json:"error"`
			}
			if err := dec.Decode(&e); err != nil || e.Error == "" || dec.More() {
				t.Fatalf("status %d: body %s is not {\"error\": \"...\"} (%v)", code, out, err)
			}
			return
		}
		var o struct {
			CallID         string `json:"callId"`
			Emergency      *bool  `json:"emergency"`
			Reason         string `json:"reason"`
			CallerIDSource string `json:"callerIdSource"`
		}
		if err := dec.Decode(&o); err != nil || o.CallID == "" || o.Emergency == nil || dec.More() {
			t.Fatalf("200 for %q: body %s is not a call outcome (%v)", body, out, err)
		}
		if *o.Emergency && o.Reason != "" || !slices.Contains([]string{"", mayday.ReasonNotEmergencyNumber,
			mayday.ReasonLocationUnsupported, mayday.ReasonTestCall}, o.Reason) {
			t.Fatalf("200 for %q: outcome %s", body, out)
		}
		// An emergency dial's answer always says where its caller ID came from.
		var sent struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(body, &sent)
		if *o.Emergency && sent.Type == mayday.CallEventDialed && !slices.Contains([]string{mayday.CallerLease, mayday.CallerECBN, mayday.CallerAgent,
			mayday.CallerDefault, mayday.CallerNone}, o.CallerIDSource) {
			t.Fatalf("200 for %q: callerIdSource %q", body, o.CallerIDSource)
		}
	})
}
