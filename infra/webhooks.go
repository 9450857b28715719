package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/settings"
)

// urlInvokeMode: the HTTP functions serve the httpapi routes with
// aws-lambda-go's lambdaurl.Start, which supports only Function URLs in
// RESPONSE_STREAM mode (the response is still sent whole; nothing streams).
var urlInvokeMode = awslambda.InvokeMode_RESPONSE_STREAM

// webhooks are the HTTP endpoints and the signing secret.
type webhooks struct {
	Secret          awssecretsmanager.Secret
	DialDetection   awslambda.FunctionUrl
	CallbackRouting awslambda.FunctionUrl
	Admin           awslambda.FunctionUrl
	// AgentState serves only the desktop's read-only state route: a
	// desktop's principal may invoke it without the admin routes.
	AgentState awslambda.FunctionUrl
}

// newWebhooks gives the four HTTP functions a Function URL each.
//
// The two webhooks (dial detection, priority callback routing) are public
// (AuthType NONE): the telephony platform cannot sign AWS requests, and the
// functions reject any request without a valid X-Mayday-Signature (HMAC-SHA256
// with the generated secret, 5-minute window). The admin/state routes need
// SigV4-signed requests from a principal allowed lambda:InvokeFunctionUrl
// and lambda:InvokeFunction (AuthType AWS_IAM; newInvokeAccess): admin-api's
// for every admin route, agent-state's for the desktop's read-only state
// route alone.
func newWebhooks(stack awscdk.Stack, fns map[string]awslambda.Function) webhooks {
	secret := awssecretsmanager.NewSecret(stack, jsii.String("WebhookSecret"), &awssecretsmanager.SecretProps{
		Description: jsii.String("Mayday: HMAC-SHA256 key of the telephony webhooks' X-Mayday-Signature"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength:     jsii.Number(64),
			ExcludePunctuation: jsii.Bool(true),
			IncludeSpace:       jsii.Bool(false),
		},
	})
	nagManuallyRotatedSecret(secret, "The key is shared with a telephony platform, which must be given the new value")
	url := func(name string, auth awslambda.FunctionUrlAuthType) awslambda.FunctionUrl {
		return fns[name].AddFunctionUrl(&awslambda.FunctionUrlOptions{AuthType: auth, InvokeMode: urlInvokeMode})
	}
	w := webhooks{Secret: secret,
		DialDetection:   url(functions.DialDetection, awslambda.FunctionUrlAuthType_NONE),
		CallbackRouting: url(functions.PriorityCallbackRouting, awslambda.FunctionUrlAuthType_NONE),
		Admin:           url(functions.AdminAPI, awslambda.FunctionUrlAuthType_AWS_IAM),
		AgentState:      url(functions.AgentState, awslambda.FunctionUrlAuthType_AWS_IAM),
	}
	for _, name := range []string{functions.DialDetection, functions.PriorityCallbackRouting} {
		fn := fns[name]
		fn.AddEnvironment(jsii.String(settings.WebhookSecretARN.Env), secret.SecretArn(), nil)
		secret.GrantRead(fn, nil)
	}
	return w
}
