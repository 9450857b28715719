package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/settings"
)

// presencePlatform is the deployment's presence platform (context
// presencePlatform); with none, neither the presence-push function nor its
// rule exists.
func presencePlatform(c Config) string {
	if p := c.Get(settings.PresencePlatform); p != "" {
		return p
	}
	return settings.PlatformNone
}

// lookup reads the configuration as settings read an environment.
func (c Config) lookup(k string) (string, bool) {
	v, ok := c.Values[k]
	return v, ok
}

// newPresencePush gives the presence-push function, where it exists, the
// secret of its platform and only that one: for TaskRouter the Twilio
// account's auth token (the secret newTwilio creates), for the generic
// webhook a signing secret of its own, which no other function reads (the
// receiver holds it, and must not hold the key that signs dials); for
// Amazon Connect no secret but the agent-status calls on the instance.
func newPresencePush(stack awscdk.Stack, cfg Config, fns map[string]awslambda.Function, twilioToken awssecretsmanager.Secret) {
	fn, ok := fns[functions.PresencePush]
	if !ok {
		return
	}
	var secret awssecretsmanager.ISecret
	var env string
	switch presencePlatform(cfg) {
	case settings.PlatformTaskRouter:
		// Validate has required the account: newTwilio made the secret.
		secret, env = twilioToken, settings.TwilioAuthTokenARN.Env
	case settings.PlatformWebhook:
		s := awssecretsmanager.NewSecret(stack, jsii.String("PresenceSecret"), &awssecretsmanager.SecretProps{
			Description: jsii.String("Mayday: HMAC-SHA256 key that signs the presence notices POSTed to presenceWebhookUrl"),
			GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
				PasswordLength:     jsii.Number(64),
				ExcludePunctuation: jsii.Bool(true),
				IncludeSpace:       jsii.Bool(false),
			},
		})
		nagManuallyRotatedSecret(s, "The key is shared with the presence receiver, which must be given the new value")
		awscdk.NewCfnOutput(stack, jsii.String("PresenceSecretArn"), &awscdk.CfnOutputProps{
			Description: jsii.String("Secrets Manager secret holding the presence notices' HMAC key"), Value: s.SecretArn()})
		secret, env = s, settings.PresenceSecretARN.Env
	case settings.PlatformConnect:
		// No secret: the function's role calls Connect, on this instance
		// only (Validate has required the instance).
		grantConnectAgentStatus(fn, cfg.Get(settings.ConnectInstanceARN))
		return
	default:
		return
	}
	fn.AddEnvironment(jsii.String(env), secret.SecretArn(), nil)
	secret.GrantRead(fn, nil)
}
