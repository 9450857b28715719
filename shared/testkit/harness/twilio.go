package harness

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/testkit/twiliotest"
)

// Twilio posts a sample of testdata/twilio/ (with parameters set) to path
// as Twilio does: form-encoded, signed with the runner's Twilio auth token
// (token, when not empty, instead) over the URL called. It answers the
// status, the TwiML (when 200) and the raw body.
func (s *System) Twilio(t testing.TB, path, sample string, set map[string]string, token string) (int, twiliotest.TwiML, string) {
	t.Helper()
	form, err := twiliotest.Sample(sample, set)
	if err != nil {
		t.Fatal(err)
	}
	if token == "" {
		token = s.Main.Config.TwilioAuthToken
	}
	req, err := http.NewRequest("POST", s.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(httpapi.TwilioSignatureHeader, twiliotest.Sign(token, s.URL+path, form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var doc twiliotest.TwiML
	if resp.StatusCode == http.StatusOK {
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
			t.Fatalf("%s: Content-Type %q", path, ct)
		}
		if doc, err = twiliotest.ParseTwiML(b); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	return resp.StatusCode, doc, string(b)
}
