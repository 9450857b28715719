// Package presenceplatform builds the presence platform the settings name
// (MAYDAY_PRESENCE_PLATFORM), for the presence-push function and the local
// runner alike.
package presenceplatform

import (
	"context"
	"errors"
	"fmt"

	"github.com/mayday/mayday/shared/amazonconnect/agentstatus"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/presencewebhook"
	"github.com/mayday/mayday/shared/settings"
	"github.com/mayday/mayday/shared/taskrouter"
)

// Secret returns a secret's values, the current one first.
type Secret = func(context.Context) ([][]byte, error)

// ConnectClient returns an Amazon Connect client; called only for the
// connect platform, so the others need no AWS configuration.
type ConnectClient = func() agentstatus.API

// New returns the platform get's settings name, or nil for none. get
// returns a setting's value (coldstart's Function.Setting, or the local
// runner's environment); fromARN reads a Secrets Manager secret; connect
// builds the Connect client.
func New(get func(settings.Setting) string, fromARN func(arn string) Secret, connect ConnectClient) (mayday.PresencePlatform, error) {
	switch platform := get(settings.PresencePlatform); platform {
	case settings.PlatformNone, "":
		return nil, nil
	case settings.PlatformTaskRouter:
		token, err := secret(get, fromARN, settings.TwilioAuthTokenARN, settings.TwilioAuthToken)
		if err != nil {
			return nil, err
		}
		p, err := taskrouter.New(taskrouter.Config{AccountSID: get(settings.TwilioAccountSID), AuthToken: token,
			WorkspaceSID: get(settings.TaskRouterWorkspaceSID), DoNotDisturb: get(settings.TaskRouterDNDActivitySID),
			RestoreTo: get(settings.TaskRouterRestoreActivitySID)})
		if err != nil {
			return nil, fmt.Errorf("presence platform %s: %w", platform, err)
		}
		return p, nil
	case settings.PlatformWebhook:
		// Never the webhook secret: the receiver would hold the key that
		// signs dials.
		key, err := secret(get, fromARN, settings.PresenceSecretARN, settings.PresenceSecret)
		if err != nil {
			return nil, err
		}
		p, err := presencewebhook.New(get(settings.PresenceWebhookURL), key, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("presence platform %s: %w", platform, err)
		}
		return p, nil
	case settings.PlatformConnect:
		if connect == nil {
			return nil, fmt.Errorf("%w: presence platform %s: no Connect client", mayday.ErrMissingDependency, platform)
		}
		p, err := agentstatus.NewPresence(connect(), agentstatus.Config{InstanceARN: get(settings.ConnectInstanceARN),
			DoNotDisturb: get(settings.ConnectDNDStatus), Routable: get(settings.ConnectRoutableStatus)})
		if err != nil {
			kind := mayday.ErrInvalid // the instance ARN
			if errors.Is(err, agentstatus.ErrNoDoNotDisturb) {
				kind = mayday.ErrMissingDependency
			}
			return nil, fmt.Errorf("%w: presence platform %s: %w", kind, platform, err)
		}
		return p, nil
	default:
		return nil, fmt.Errorf("%w: presence platform %q is not available in this build", mayday.ErrMissingDependency, platform)
	}
}

// secret is the secret named by its ARN setting, else the plain one.
func secret(get func(settings.Setting) string, fromARN func(string) Secret, arn, plain settings.Setting) (Secret, error) {
	if a := get(arn); a != "" {
		return fromARN(a), nil
	}
	v := []byte(get(plain))
	if len(v) == 0 {
		return nil, fmt.Errorf("%w: neither %s nor %s is set", mayday.ErrMissingDependency, arn.Env, plain.Env)
	}
	return func(context.Context) ([][]byte, error) { return [][]byte{v}, nil }, nil
}
