package settings

import (
	"errors"
	"slices"

	"github.com/mayday/mayday/functions"
)

// Presence push: the contact-center platform that owns agents' presence.
var (
	PresencePlatform = Setting{Env: "MAYDAY_PRESENCE_PLATFORM", Default: PlatformNone, Context: "presencePlatform", Source: FromContext,
		Doc: "contact-center platform whose presence Mayday moves during emergencies: none, taskrouter, webhook or connect", check: oneOf(presencePlatforms...)}
	// The notices have their own key: the receiver must not hold the key
	// that signs dials and callbacks.
	PresenceSecretARN = Setting{Env: "MAYDAY_PRESENCE_SECRET_ARN", Source: FromResource, Or: "MAYDAY_PRESENCE_SECRET",
		Doc: "Secrets Manager secret holding the HMAC key that signs the webhook presence platform's notices"}
	PresenceSecret = Setting{Env: "MAYDAY_PRESENCE_SECRET", Source: NotDeployed,
		Doc: "presence notices' HMAC key itself, for the local runner and local stand-ins; never the webhook secret"}
	PresenceWebhookURL = Setting{Env: "MAYDAY_PRESENCE_WEBHOOK_URL", Context: "presenceWebhookUrl", Source: IfConfigured,
		Doc: "where the webhook presence platform POSTs its signed notices (https)", check: absoluteURL}
	TaskRouterWorkspaceSID = Setting{Env: "MAYDAY_TASKROUTER_WORKSPACE_SID", Context: "taskrouterWorkspaceSid", Source: IfConfigured,
		Doc: "TaskRouter workspace (WS...) of the agents' workers", check: twilioSID("WS")}
	TaskRouterDNDActivitySID = Setting{Env: "MAYDAY_TASKROUTER_DND_ACTIVITY_SID", Context: "taskrouterDndActivitySid", Source: IfConfigured,
		Doc: "TaskRouter activity (WA..., unavailable) workers move to during an emergency", check: twilioSID("WA")}
	TaskRouterRestoreActivitySID = Setting{Env: "MAYDAY_TASKROUTER_RESTORE_ACTIVITY_SID", Context: "taskrouterRestoreActivitySid", Source: IfConfigured,
		Doc: "TaskRouter activity (WA...) a worker returns to when the one it had is unknown; unset: left on Do Not Disturb", check: twilioSID("WA")}
)

// The presence platforms.
const (
	PlatformNone       = "none"
	PlatformTaskRouter = "taskrouter"
	PlatformWebhook    = "webhook"
	PlatformConnect    = "connect"
)

// presencePlatforms lists MAYDAY_PRESENCE_PLATFORM's values.
var presencePlatforms = []string{PlatformNone, PlatformTaskRouter, PlatformWebhook, PlatformConnect}

// PresencePush lists what the presence-push function reads for each
// platform, besides its Functions entry: only the chosen platform's
// settings are deployed, its secret included.
var PresencePush = map[string][]Setting{
	PlatformTaskRouter: {TaskRouterWorkspaceSID, TaskRouterDNDActivitySID, TaskRouterRestoreActivitySID,
		TwilioAccountSID, needed(TwilioAuthTokenARN), TwilioAuthToken},
	PlatformWebhook: {PresenceWebhookURL, PresenceSecretARN, PresenceSecret},
	PlatformConnect: {ConnectInstanceARN, ConnectDNDStatus, ConnectRoutableStatus},
}

// presenceRequired lists the settings each platform cannot do without.
var presenceRequired = map[string][]Setting{
	PlatformTaskRouter: {TaskRouterWorkspaceSID, TaskRouterDNDActivitySID, TwilioAccountSID},
	PlatformWebhook:    {PresenceWebhookURL},
	PlatformConnect:    {ConnectInstanceARN, ConnectDNDStatus},
}

func init() {
	All = append(All, PresencePlatform, PresenceWebhookURL, PresenceSecretARN, PresenceSecret, TaskRouterWorkspaceSID, TaskRouterDNDActivitySID,
		TaskRouterRestoreActivitySID)
}

// Reads is what the function reads besides Domain: its Functions entry
// and, for presence push, the settings of the platform lookup names.
func Reads(function string, lookup Lookup) []Setting {
	own := slices.Clone(Functions[function])
	if function == functions.PresencePush { // only where a platform is configured
		platform, _ := PresencePlatform.Get(lookup)
		own = append(own, PresencePush[platform]...)
	}
	return own
}

// CheckPresence reports a platform's missing settings.
func CheckPresence(lookup Lookup) error {
	platform, err := PresencePlatform.Get(lookup)
	if err != nil {
		return err
	}
	var errs []error
	for _, s := range presenceRequired[platform] {
		if v, _ := s.Get(lookup); v == "" {
			name := s.Env
			if s.Context != "" {
				name += " (context " + s.Context + ")"
			}
			errs = append(errs, errors.New(name+" is not set (MAYDAY_PRESENCE_PLATFORM="+platform+" needs it)"))
		}
	}
	return errors.Join(errs...)
}

func oneOf(values ...string) func(string) error {
	return func(v string) error {
		if !slices.Contains(values, v) {
			return errors.New("want one of " + joinOr(values))
		}
		return nil
	}
}

func joinOr(values []string) string {
	out := ""
	for i, v := range values {
		switch {
		case i == 0:
		case i == len(values)-1:
			out += " or "
		default:
			out += ", "
		}
		out += v
	}
	return out
}

// needed is s where a function cannot do without it: TaskRouter presence
// needs the Twilio token the webhooks can do without.
func needed(s Setting) Setting {
	s.Optional = false
	return s
}
