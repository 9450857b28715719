package settings

import (
	"errors"
	"regexp"
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
