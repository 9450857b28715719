package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
	"github.com/mayday/mayday/shared/testkit/twiliotest"
	"github.com/mayday/mayday/shared/webhooksecret"
)

// FuzzTwilioWebhook posts arbitrary form bodies, signed as Twilio signs
// them, to the three Twilio routes: never a 500; a body that is a form with
// one value per parameter passes the signature check; a 200 is TwiML with
// one verb, an error {"error": "..."}.
func FuzzTwilioWebhook(f *testing.F) {
	paths := []string{"/v1/twilio/voice", "/v1/twilio/status", "/v1/twilio/inbound"}
	for i, name := range []string{"voice", "status", "inbound", "inbound-dial-action"} {
		b, err := os.ReadFile(filepath.Join(twiliotest.Dir(), name+".form"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), b)
	}
	for _, s := range []string{
		"CallSid=CA1&From=client%3Aa-1&To=911&Country=US",
		"CallSid=CA1&From=client%3Aa-1&To=%EF%BC%99%EF%BC%91%EF%BC%91&Country=US",
		"CallSid=CA1&From=client%3Aa-1&To=(9)+911&Country=uk",
		"CallSid=CA1&From=client%3A&To=911",
		"CallSid=CA1&From=%2B14255550100&To=911",
		"CallSid=CA1&CallStatus=completed&Timestamp=yesterday",
		"CallSid=CA1&From=x&To=%2B14255550001&DialCallStatus=busy",
		"CallSid=CA1&CallSid=CA2&From=client%3Aa&To=911",
		"%zz", "", "&&&", "=", "CallSid=\x00&From=client:\xff&To=9-1-1",
		"To=+1&Pad=" + strings.Repeat("x", httpapi.MaxBody),
	} {
		for i := range paths {
			f.Add(uint8(i), []byte(s))
		}
	}
	h := twilioFuzzHandler(f)
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		checkTwilioWebhook(t, h, paths[int(route)%len(paths)], body)
	})
}

// twilioFuzzHandler is both webhook functions' API with Twilio configured,
// over the embedded store, logging nowhere.
func twilioFuzzHandler(f testing.TB) http.Handler {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := settings.Defaults()
	c.Fallback = "+14255559999"
	uc, err := mayday.NewUseCases(inmem.NewStore(), fuzzBus{}, inmem.NewOutbox(mayday.SystemClock{}), mayday.Options{Config: c, Log: log})
	if err != nil {
		f.Fatal(err)
	}
	if _, _, err := uc.AdminAPI.AddNumberAt(context.Background(), "+14255550001", "US", ""); err != nil {
		f.Fatal(err)
	}
	api := httpapi.ForUseCases(uc)
	api.Secrets, api.Log, api.TwilioOrdinaryURL = webhooksecret.Static(string(fuzzSecret)), log, "https://voice.example.com/twiml"
	api.TwilioAuthToken = func(context.Context) ([][]byte, error) { return [][]byte{[]byte("fuzz-token")}, nil }
	h, err := api.Handler()
	if err != nil {
		f.Fatal(err)
	}
	return h
}

func checkTwilioWebhook(t *testing.T, h http.Handler, path string, body []byte) {
	form, perr := url.ParseQuery(string(body))
	repeated := false
	for k, v := range form {
		// twilio-go checks the first value of a repeated parameter, while
		// Twilio (and Sign) sign every value: they differ unless what
		// follows the first adds nothing (an empty name, empty values).
		repeated = repeated || len(v) > 1 && (k != "" || strings.Join(v[1:], "") != "")
	}
	req := httptest.NewRequest("POST", path, bytes.NewReader(body))
	req.Header.Set(httpapi.TwilioSignatureHeader, twiliotest.Sign("fuzz-token", "http://example.com"+path, form))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	code, out := rec.Code, rec.Body.Bytes()
	if !slices.Contains([]int{200, 204, 400, 403, 413, 503}, code) {
		t.Fatalf("%s %q: status %d %s", path, body, code, out)
	}
	if (code == 413) != (len(body) > httpapi.MaxBody) {
		t.Fatalf("body of %d bytes: status %d", len(body), code)
	}
	if code != 413 && (code == 403) != (perr != nil || repeated) {
		t.Fatalf("%s %q (form error %v, repeated %v): status %d %s", path, body, perr, repeated, code, out)
	}
	switch code {
	case 204:
		if path != "/v1/twilio/status" || len(out) != 0 {
			t.Fatalf("%s: 204 with %q", path, out)
		}
	case 200:
		d, err := twiliotest.ParseTwiML(out)
		if err != nil {
			t.Fatalf("%s %q: 200 with %v", path, body, err)
		}
		if d.Dial != nil && len(d.Dial.Number)+len(d.Dial.Client) != 1 {
			t.Fatalf("%s %q: dial of %s", path, body, out)
		}
	default:
		var e struct {
			Error string `json:"error"`
		}
		if err := json.Unmarshal(out, &e); err != nil || e.Error == "" {
			t.Fatalf("status %d: body %s is not {\"error\": \"...\"}", code, out)
		}
	}
}
