package twiliotest_test

import (
	"net/url"
	"testing"

	"github.com/mayday/mayday/shared/testkit/twiliotest"
)

// The signer agrees with the known answers published with Twilio's own
// helper library (twilio-go's request validator tests), with and without
// TLS.
func TestSignKnownAnswers(t *testing.T) {
	form := url.Values{"Digits": {"1234"}, "CallSid": {"CA1234567890ABCDE"}, "To": {"+18005551212"},
		"Caller": {"+14158675309"}, "From": {"+14158675309"}, "ReasonConferenceEnded": {"test"}, "Reason": {"Participant"}}
	for u, want := range map[string]string{
		"https://mycompany.com/myapp.php?foo=1&bar=2": "vOEb5UThFn24KEfnOFLQY2AE5FY=",
		"http://mycompany.com/myapp.php?foo=1&bar=2":  "n2xBNyzSW7rfYStDtOFiFMv7qNo=",
	} {
		if got := twiliotest.Sign("12345", u, form); got != want {
			t.Errorf("Sign over %s = %s, want %s", u, got, want)
		}
	}
}

func TestSamples(t *testing.T) {
	for _, name := range []string{"voice", "status", "inbound", "inbound-dial-action"} {
		f, err := twiliotest.Sample(name, map[string]string{"CallSid": "CAx", "Called": ""})
		if err != nil {
			t.Fatal(err)
		}
		if f.Get("CallSid") != "CAx" || f.Has("Called") || f.Get("AccountSid") == "" || f.Get("ApiVersion") != "2010-04-01" {
			t.Errorf("%s: %v", name, f)
		}
	}
}
