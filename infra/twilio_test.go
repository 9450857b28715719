package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/settings"
)

// TestTwilio: the auth-token secret, read by the two webhook functions,
// (with TaskRouter presence, as in testCfg) presence-push and (with the
// account SID, as in testCfg) the admin function only, which get its ARN;
// the webhooks get the context's Twilio settings, the admin function the
// account SID; the URLs to enter in the Twilio console.
func TestTwilio(t *testing.T) {
	secret := logicalID(t, "AWS::SecretsManager::Secret", "TwilioAuthToken")
	fns := functionIDs(t)
	hasProperties(t, "AWS::SecretsManager::Secret", secret, map[string]any{
		"Description": assertions.Match_StringLikeRegexp(jsii.String("Twilio account's auth token")),
	})
	for name, id := range fns {
		t.Run(name, func(t *testing.T) {
			vars, _ := resources[id].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
			webhook := name == functions.DialDetection || name == functions.PriorityCallbackRouting
			if got := ref(vars[settings.TwilioAuthTokenARN.Env]); (got == secret) != (webhook || name == functions.PresencePush || name == functions.AdminAPI) {
				t.Errorf("%s = %v", settings.TwilioAuthTokenARN.Env, vars[settings.TwilioAuthTokenARN.Env])
			}
			for _, s := range []settings.Setting{settings.TwilioAccountSID, settings.TwilioOrdinaryURL} {
				if s.Env == settings.TwilioAccountSID.Env && (name == functions.PresencePush || name == functions.AdminAPI) {
					if vars[s.Env] != testCfg.Get(s) {
						t.Errorf("%s = %v", s.Env, vars[s.Env])
					}
					continue // TaskRouter's account; the readiness report's
				}
				if want := testCfg.Get(s); webhook && vars[s.Env] != want || !webhook && vars[s.Env] != nil {
					t.Errorf("%s = %v", s.Env, vars[s.Env])
				}
			}
			for _, s := range []settings.Setting{settings.TwilioAuthToken, settings.TwilioPublicURL} {
				if vars[s.Env] != nil {
					t.Errorf("%s is deployed: %v", s.Env, vars[s.Env])
				}
			}
		})
	}
	// Who may read the secret: the two webhook functions', presence push's
	// and the admin function's roles, nothing else.
	readers := map[string]bool{}
	for id, sts := range statements() {
		for _, st := range sts {
			res, ok := st["Resource"].([]any)
			if !ok {
				res = []any{st["Resource"]}
			}
			for _, r := range res {
				if ref(r) != secret {
					continue
				}
				roles, _ := resources[id].Properties["Roles"].([]any)
				if len(roles) == 0 {
					readers["(not a policy) "+id] = true
				}
				for _, role := range roles {
					readers[ref(role)] = true
				}
			}
		}
	}
	for name, id := range fns {
		role := getAtt(resources[id].Properties["Role"], "Arn")
		if reads := name == functions.DialDetection || name == functions.PriorityCallbackRouting || name == functions.PresencePush || name == functions.AdminAPI; readers[role] != reads {
			t.Errorf("%s: reads the Twilio secret = %v", name, readers[role])
		}
		delete(readers, role)
	}
	if len(readers) > 0 {
		t.Errorf("others read the Twilio secret: %v", readers)
	}
	check(t, func() {
		template.HasOutput(jsii.String("TwilioAuthTokenSecretArn"), &map[string]any{"Value": refOf(secret)})
		for out, fn := range map[string]string{"TwilioVoiceUrl": functions.DialDetection, "TwilioStatusCallbackUrl": functions.DialDetection,
			"TwilioInboundUrl": functions.PriorityCallbackRouting} {
			template.HasOutput(jsii.String(out), &map[string]any{"Value": map[string]any{"Fn::Join": []any{"", []any{
				map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^" + constructID(fn))), "FunctionUrl"}},
				assertions.Match_StringLikeRegexp(jsii.String("^v1/twilio/")),
			}}}})
		}
	})
}

// TestNoTwilioWithoutAccount: without twilioAccountSid there is no Twilio
// secret, no function is given one or may read one (only the webhook
// secret, by the two webhooks), and no Twilio output.
func TestNoTwilioWithoutAccount(t *testing.T) {
	tpl, res := synth(t, "MaydayNoTwilio", testCfg.With(settings.TwilioAccountSID, "").With(settings.PresencePlatform, settings.PlatformNone))
	var webhookSecret string
	for id, r := range res {
		switch r.Type {
		case "AWS::SecretsManager::Secret":
			if strings.HasPrefix(id, "Alert") { // the alert keys: not Twilio's (alerts_test.go)
				continue
			}
			if !strings.HasPrefix(id, "WebhookSecret") {
				t.Errorf("secret %s without a Twilio account", id)
			}
			webhookSecret = id
		case "AWS::Lambda::Function":
			env, _ := r.Properties["Environment"].(map[string]any)
			vars, _ := env["Variables"].(map[string]any)
			if v, ok := vars[settings.TwilioAuthTokenARN.Env]; ok {
				t.Errorf("%s: %s = %v", id, settings.TwilioAuthTokenARN.Env, v)
			}
		}
	}
	// The secrets read, by role: the webhook secret, by two roles.
	readers := map[string][]string{}
	for _, r := range res {
		if r.Type != "AWS::IAM::Policy" {
			continue
		}
		sts, _ := r.Properties["PolicyDocument"].(map[string]any)["Statement"].([]any)
		for _, st := range sts {
			st := st.(map[string]any)
			if !slices.Contains(strList(st["Action"]), "secretsmanager:GetSecretValue") {
				continue
			}
			if strings.HasPrefix(ref(st["Resource"]), "Alert") {
				continue
			}
			for _, role := range r.Properties["Roles"].([]any) {
				readers[ref(role)] = append(readers[ref(role)], ref(st["Resource"]))
			}
		}
	}
	if len(readers) != 2 {
		t.Errorf("roles reading a secret: %v, want the two webhooks'", readers)
	}
	for role, secrets := range readers {
		if !slices.Equal(secrets, []string{webhookSecret}) {
			t.Errorf("%s reads %q, want only %s", role, secrets, webhookSecret)
		}
	}
	outputs := tpl.FindOutputs(jsii.String("*"), nil)
	for name := range *outputs {
		if strings.HasPrefix(name, "Twilio") {
			t.Errorf("output %s without a Twilio account", name)
		}
	}
}
