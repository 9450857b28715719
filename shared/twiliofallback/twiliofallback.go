// Package twiliofallback writes what Twilio runs when Mayday cannot answer
// (the Voice Fallback URLs), for the operator to host on Twilio itself so
// that it works while Mayday is down: the TwiML a pool number's fallback
// answers a PSAP's callback with, and a Twilio Function for the TwiML App,
// which strips the access prefix from an emergency dial and places it
// presenting the country's default caller ID (a Twilio number with its
// emergency address registered). TwiML Bins are logic-less templates, so
// the dial's decision is a table computed here with the domain's dial
// rules, looked up by the function.
package twiliofallback

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/twilio/twilio-go/twiml"

	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
)

// RingSeconds is how long a fallback rings before Twilio gives up.
const RingSeconds = "30"

// ErrNoCallerID: a dial from a Twilio client needs a callerId.
var ErrNoCallerID = errors.New("no default caller ID")

// Callback is the TwiML of a pool number's Voice Fallback URL: the PSAP's
// callback rings the callback fallback (an E.164 number, or client:<identity>).
func Callback(fallback string) (string, error) {
	client, number, err := settings.TwilioTarget(fallback)
	if err != nil {
		return "", fmt.Errorf("%w: callback fallback %q: %w", mayday.ErrInvalid, fallback, err)
	}
	var to twiml.Element = twiml.VoiceNumber{PhoneNumber: number}
	if client != "" {
		to = twiml.VoiceClient{Identity: client}
	}
	return twiml.Voice([]twiml.Element{twiml.VoiceDial{Timeout: RingSeconds, AnswerOnBridge: "true", InnerElements: []twiml.Element{to}}})
}

// Dial is the TwiML placing number (without access prefix) from callerID.
func Dial(number, callerID string) (string, error) {
	return twiml.Voice([]twiml.Element{twiml.VoiceDial{CallerId: callerID, AnswerOnBridge: "true",
		InnerElements: []twiml.Element{twiml.VoiceNumber{PhoneNumber: number}}}})
}

// Table maps each dialled string the rules recognise as an emergency or
// 933 test number (with and without the access prefix) to the TwiML per
// country that dials it, presenting that country's default caller ID, else
// the first configured country's ("*": any other or no country, as the
// first supported country that has the number).
func Table(rules mayday.DialRules, defaults map[string]string) (map[string]map[string]string, error) {
	if len(defaults) == 0 {
		return nil, ErrNoCallerID
	}
	configured := slices.Sorted(maps.Keys(defaults))
	callerID := func(c string) string {
		if id := defaults[c]; id != "" {
			return id
		}
		return defaults[configured[0]]
	}
	out := map[string]map[string]string{}
	for _, c := range mayday.SupportedCountries() {
		for _, n := range append(mayday.EmergencyNumbers(c), mayday.TestNumbers(c)...) {
			doc, err := Dial(n, callerID(c))
			if err != nil {
				return nil, err
			}
			for _, d := range []string{n, mayday.NormaliseDialed(rules.Prefix) + n} {
				if cls := rules.Classify(d, c); cls.Number != n {
					continue
				}
				if out[d] == nil {
					out[d] = map[string]string{}
				}
				out[d][c] = doc
				if _, ok := out[d]["*"]; !ok {
					out[d]["*"] = doc
				}
			}
		}
	}
	return out, nil
}

// Function is the source of a Twilio Function (Node.js) to set as the TwiML
// App's Voice Fallback URL: an emergency or test dial is placed from the
// default caller ID, anything else redirected to ordinaryURL.
func Function(rules mayday.DialRules, defaults map[string]string, ordinaryURL string) (string, error) {
	table, err := Table(rules, defaults)
	if err != nil {
		return "", err
	}
	ordinary, err := twiml.Voice([]twiml.Element{twiml.VoiceRedirect{Url: ordinaryURL, Method: "POST"}})
	if err != nil {
		return "", err
	}
	js := func(v any) (string, error) {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // readable TwiML; the source is JavaScript, not HTML
		enc.SetIndent("", "  ")
		err := enc.Encode(v)
		return strings.TrimSpace(b.String()), err
	}
	t, err := js(table)
	if err != nil {
		return "", err
	}
	o, err := js(ordinary)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(functionSource, rules.Prefix, t, o), nil
}

const functionSource = `// Mayday: the TwiML App's Voice Fallback URL, written by "mayday twilio-fallback".
// Twilio runs it when Mayday's Voice URL fails or times out: an emergency
// or test dial (access prefix %q stripped) is placed presenting the default
// caller ID; any other call goes to the ordinary calls' URL.
const DIALS = %s;
const ORDINARY = %s;

exports.handler = function (context, event, callback) {
  const dialled = String(event.To || '').replace(/[\s\-.()]/g, '');
  const country = String(event.Country || '').trim().toUpperCase().replace(/^UK$/, 'GB');
  const dial = DIALS[dialled];
  const response = new Twilio.Response();
  response.appendHeader('Content-Type', 'text/xml');
  response.setBody(dial ? (dial[country] || dial['*']) : ORDINARY);
  callback(null, response);
};
`
