package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/settings"
)

// newTwilio wires Twilio Programmable Voice, when an account is configured
// (twilioAccountSid; without one there is no secret, no function may read
// one, and the functions serve no Twilio route): a secret for the account's
// auth token, readable by the two webhook functions, which check
// X-Twilio-Signature with it (read and cached as the webhook secret is, so
// a rotated token is served within a minute and the previous one stays
// accepted for the rotation window). The stack cannot know the token: the secret starts with a
// generated placeholder, which no Twilio request matches (403), until the
// operator puts the token in it. The account SID and the ordinary calls'
// URL come from the context (settings TwilioAccountSID, TwilioOrdinaryURL).
// The outputs are the URLs to enter in the Twilio console. The admin
// function reads the token too: the readiness report asks Twilio's REST API
// which numbers have an emergency address registered (and presence push,
// for TaskRouter, newPresencePush).
func newTwilio(stack awscdk.Stack, cfg Config, w webhooks, fns map[string]awslambda.Function) awssecretsmanager.Secret {
	if cfg.Get(settings.TwilioAccountSID) == "" {
		return nil
	}
	secret := awssecretsmanager.NewSecret(stack, jsii.String("TwilioAuthToken"), &awssecretsmanager.SecretProps{
		Description: jsii.String("Mayday: the Twilio account's auth token, which signs Twilio's webhooks (X-Twilio-Signature); put the token here"),
	})
	nagManuallyRotatedSecret(secret, "Twilio issues the auth token (its console promotes the secondary token)")
	for _, name := range []string{functions.DialDetection, functions.PriorityCallbackRouting, functions.AdminAPI} {
		fns[name].AddEnvironment(jsii.String(settings.TwilioAuthTokenARN.Env), secret.SecretArn(), nil)
		secret.GrantRead(fns[name], nil)
	}
	out := func(id, description string, value *string) {
		awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Description: jsii.String(description), Value: value})
	}
	// Function URLs end with "/".
	routeURL := func(u awslambda.FunctionUrl, path string) *string {
		return awscdk.Fn_Join(jsii.String(""), &[]*string{u.Url(), jsii.String(path[1:])})
	}
	out("TwilioAuthTokenSecretArn", "Secrets Manager secret to put the Twilio auth token in", secret.SecretArn())
	out("TwilioVoiceUrl", "Twilio TwiML App: Voice Request URL (POST)", routeURL(w.DialDetection, "/v1/twilio/voice"))
	out("TwilioStatusCallbackUrl", "Twilio TwiML App and pool numbers: Status Callback URL (POST)", routeURL(w.DialDetection, "/v1/twilio/status"))
	out("TwilioInboundUrl", "Twilio pool (callback) numbers: A Call Comes In URL (POST)", routeURL(w.CallbackRouting, "/v1/twilio/inbound"))
	return secret
}
