package settings

import (
	"errors"
	"regexp"
)

// The Twilio account Mayday acts in.
var (
	TwilioAccountSID = Setting{Env: "MAYDAY_TWILIO_ACCOUNT_SID", Context: "twilioAccountSid", Source: IfConfigured,
		Doc: "Twilio account SID (AC...): the user of Twilio's REST API", check: twilioSID("AC")}
	TwilioAuthTokenARN = Setting{Env: "MAYDAY_TWILIO_AUTH_TOKEN_ARN", Source: FromResource, Or: "MAYDAY_TWILIO_AUTH_TOKEN",
		Doc: "Secrets Manager secret holding the Twilio account's auth token"}
	TwilioAuthToken = Setting{Env: "MAYDAY_TWILIO_AUTH_TOKEN", Source: NotDeployed,
		Doc: "Twilio auth token itself, for the local runner and local stand-ins"}
)

func init() {
	All = append(All, TwilioAccountSID, TwilioAuthTokenARN, TwilioAuthToken)
}

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
