package settings

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/mayday/mayday/shared/mayday"
)

// Twilio Programmable Voice: the /v1/twilio/* routes of the two webhook
// functions. They are served only when an auth token is configured (its
// secret in AWS, the plain token locally); without one a deployment simply
// does not answer them.
var (
	TwilioAuthTokenARN = Setting{Env: "MAYDAY_TWILIO_AUTH_TOKEN_ARN", Source: FromResource, Optional: true,
		Or:  "MAYDAY_TWILIO_AUTH_TOKEN",
		Doc: "Secrets Manager secret holding the Twilio account's auth token (X-Twilio-Signature); the operator puts the token in it"}
	TwilioAuthToken = Setting{Env: "MAYDAY_TWILIO_AUTH_TOKEN", Source: NotDeployed,
		Doc: "the Twilio auth token itself, for the local runner and local stand-ins; unset, the Twilio routes are not served"}
	TwilioAccountSID = Setting{Env: "MAYDAY_TWILIO_ACCOUNT_SID", Context: "twilioAccountSid", Source: IfConfigured,
		Doc: "Twilio account SID (AC...); when set, Twilio requests naming another account are refused", check: accountSID}
	TwilioOrdinaryURL = Setting{Env: "MAYDAY_TWILIO_ORDINARY_URL", Context: "twilioOrdinaryUrl", Source: IfConfigured,
		Doc: "the customer's own TwiML URL that ordinary calls (and calls to numbers that are not callback numbers) are redirected to; unset, those calls are refused (503) so that the Voice Fallback URL takes them", check: absoluteURL}
	TwilioPublicURL = Setting{Env: "MAYDAY_TWILIO_PUBLIC_URL", Source: NotDeployed,
		Doc: "public base URL Twilio calls (a tunnel or proxy in front of the local runner), over which X-Twilio-Signature is checked; unset, the URL the request arrived at"}
)

// DevTwilioAuthToken checks Twilio signatures locally when
// MAYDAY_TWILIO_AUTH_TOKEN is not set: the simulator signs with it. A runner
// that real Twilio calls (through a tunnel) needs the account's own token.
const DevTwilioAuthToken = "mayday-local-dev-twilio-token"

// Twilio lists the Twilio settings the two webhook functions read.
var Twilio = []Setting{TwilioAuthTokenARN, TwilioAuthToken, TwilioAccountSID, TwilioOrdinaryURL, TwilioPublicURL}

var accountSID = twilioSID("AC")

// twilioSID checks a Twilio SID: a two-letter prefix and 32 hex digits.
func twilioSID(prefix string) func(string) error {
	re := regexp.MustCompile(`^` + prefix + `[0-9a-fA-F]{32}$`)
	return func(v string) error {
		if !re.MatchString(v) {
			return errors.New("want a Twilio SID: " + prefix + " and 32 hex digits")
		}
		return nil
	}
}

// TwilioTarget reads a destination Twilio can dial: client:<identity> (a
// Voice SDK client) or an E.164 number; exactly one of client and number is
// set.
func TwilioTarget(v string) (client, number string, err error) {
	if id, ok := strings.CutPrefix(v, "client:"); ok {
		if id == "" || strings.ContainsFunc(id, unicode.IsSpace) {
			return "", "", errors.New("want client:<identity> with an identity and no spaces")
		}
		return id, "", nil
	}
	n, err := mayday.ParseE164(v)
	if err != nil {
		return "", "", errors.New("Twilio cannot dial it: want an E.164 number (+14255550100) or client:<identity>")
	}
	return "", n, nil
}

// TwilioConfigured reports whether lookup configures a Twilio account: its
// SID (context twilioAccountSid), or locally its plain auth token.
func TwilioConfigured(lookup Lookup) bool {
	sid, _ := lookup(TwilioAccountSID.Env)
	token, _ := lookup(TwilioAuthToken.Env)
	return strings.TrimSpace(sid) != "" || strings.TrimSpace(token) != ""
}

// CheckTwilio reports what a deployment with a Twilio account configured
// cannot do without: a fallback Twilio can dial (a callback nobody answers
// must ring someone), and a default caller ID (Twilio refuses an emergency
// dial from a client that presents none). Without an account it checks
// nothing.
func CheckTwilio(lookup Lookup) error {
	if !TwilioConfigured(lookup) {
		return nil
	}
	return CheckTwilioVoice(lookup)
}

// CheckTwilioVoice is CheckTwilio's checks, made whatever is configured:
// for a runner that always serves the Twilio routes.
func CheckTwilioVoice(lookup Lookup) error {
	var errs []error
	fallback, _ := CallbackFallback.Get(lookup)
	if _, _, err := TwilioTarget(fallback); err != nil {
		errs = append(errs, fmt.Errorf("%s=%q (context %s): %w", CallbackFallback.Env, fallback, CallbackFallback.Context, err))
	}
	if ids, err := DefaultCallerID.Get(lookup); err == nil && strings.TrimSpace(ids) == "" {
		errs = append(errs, fmt.Errorf("%s (context %s) is not set: with Twilio every emergency dial must present a caller ID (like US=+12065550100,GB=+442071230000)",
			DefaultCallerID.Env, DefaultCallerID.Context))
	}
	return errors.Join(errs...)
}
