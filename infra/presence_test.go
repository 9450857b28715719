package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/settings"
)

// presencePushTemplate synthesises a stack with the test configuration but
// another presence platform.
func presencePushTemplate(t *testing.T, name string, cfg Config) assertions.Template {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(assetDir, "cdk.out-"+name))})
	var tpl assertions.Template
	check(t, func() {
		stack := NewMaydayStack(app, "Mayday", &MaydayStackProps{Config: cfg, AssetDir: assetDir})
		tpl = assertions.Template_FromStack(stack, nil)
	})
	return tpl
}

// count counts the template's resources of typ whose properties match.
func count(t *testing.T, tpl assertions.Template, typ string, props map[string]any) int {
	t.Helper()
	var n int
	check(t, func() {
		n = len(*tpl.FindResources(jsii.String(typ), &map[string]any{"Properties": assertions.Match_ObjectLike(&props)}))
	})
	return n
}

var presencePushDescription = map[string]any{"Description": assertions.Match_StringLikeRegexp(jsii.String("^Mayday presence-push: "))}

// With TaskRouter (the test configuration) presence push gets the
// TaskRouter settings and reads the Twilio auth token's secret, which the
// stack creates, and nothing else secret.
func TestPresencePushTaskRouter(t *testing.T) {
	id := functionIDs(t)[functions.PresencePush]
	token := logicalID(t, "AWS::SecretsManager::Secret", "TwilioAuthToken")
	hasProperties(t, "AWS::Lambda::Function", id, map[string]any{"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{
		settings.PresencePlatform.Env:         "taskrouter",
		settings.TaskRouterWorkspaceSID.Env:   testCfg.Get(settings.TaskRouterWorkspaceSID),
		settings.TaskRouterDNDActivitySID.Env: testCfg.Get(settings.TaskRouterDNDActivitySID),
		settings.TwilioAccountSID.Env:         testCfg.Get(settings.TwilioAccountSID),
		settings.TwilioAuthTokenARN.Env:       refOf(token),
		settings.WebhookSecretARN.Env:         assertions.Match_Absent(),
		settings.PresenceSecretARN.Env:        assertions.Match_Absent(),
	})}})
	role := getAtt(resources[id].Properties["Role"], "Arn")
	reads := secretsReadBy(resources, role)
	for _, r := range reads {
		if r != token {
			t.Errorf("presence push may read secret %s, not only the Twilio auth token", r)
		}
	}
	if len(reads) == 0 {
		t.Error("presence push may not read the Twilio auth token")
	}
	check(t, func() {
		template.HasOutput(jsii.String("TwilioAuthTokenSecretArn"), &map[string]any{"Value": refOf(token)})
	})
}

// With no platform there is no presence-push function or rule; with the
// generic webhook, the function signs with a secret of its own, which no
// other function reads, and is given neither the webhook secret nor the
// Twilio auth token (which the two webhooks always read).
func TestPresencePushOtherPlatforms(t *testing.T) {
	noneCfg := Config{Values: DefaultConfig().With(settings.MaxEmergency, "2h").Values, AllowPlaceholderSender: true, AllowNoAlarmEmail: true}
	none := presencePushTemplate(t, "none", noneCfg)
	if n := count(t, none, "AWS::Lambda::Function", presencePushDescription); n != 0 {
		t.Errorf("platform none: %d presence-push functions", n)
	}
	check(t, func() {
		none.ResourceCountIs(jsii.String("AWS::Events::Rule"), jsii.Number(float64(len(rulesDeployed(noneCfg)))))
		// the webhook secret (no Twilio account, no token), the alert links' and alert webhooks' keys
		none.ResourceCountIs(jsii.String("AWS::SecretsManager::Secret"), jsii.Number(3))
	})
	// Without a Twilio account the admin function does not read the token.
	if n := count(t, none, "AWS::Lambda::Function", map[string]any{
		"Description": assertions.Match_StringLikeRegexp(jsii.String("^Mayday " + functions.AdminAPI + ":")),
		"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{
			settings.TwilioAuthTokenARN.Env: assertions.Match_Absent(), settings.TwilioAccountSID.Env: assertions.Match_Absent()})},
	}); n != 1 {
		t.Errorf("no Twilio account: %d admin functions without the Twilio token, want 1", n)
	}

	webhookCfg := Config{Values: DefaultConfig().
		With(settings.PresencePlatform, settings.PlatformWebhook).
		With(settings.PresenceWebhookURL, "https://presence.contoso.com/mayday").Values, AllowPlaceholderSender: true, AllowNoAlarmEmail: true}
	webhook := presencePushTemplate(t, "webhook", webhookCfg)
	// The notices have their own secret: the receiver holds its key, and
	// must not hold the key that signs dials and callbacks.
	secretOf := func(description string) string {
		var id string
		check(t, func() {
			id = *webhook.GetResourceId(jsii.String("AWS::SecretsManager::Secret"), &map[string]any{
				"Properties": assertions.Match_ObjectLike(&map[string]any{"Description": assertions.Match_StringLikeRegexp(jsii.String(description))})})
		})
		return id
	}
	hook, presence := secretOf("X-Mayday-Signature"), secretOf("presence notices")
	props := map[string]any{"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{
		settings.PresencePlatform.Env:   "webhook",
		settings.PresenceWebhookURL.Env: "https://presence.contoso.com/mayday",
		settings.PresenceSecretARN.Env:  refOf(presence),
		settings.WebhookSecretARN.Env:   assertions.Match_Absent(),
		settings.TwilioAuthTokenARN.Env: assertions.Match_Absent(),
	})}}
	for k, v := range presencePushDescription {
		props[k] = v
	}
	if n := count(t, webhook, "AWS::Lambda::Function", props); n != 1 {
		t.Errorf("platform webhook: %d presence-push functions with the webhook settings, want 1", n)
	}
	check(t, func() {
		webhook.ResourceCountIs(jsii.String("AWS::Events::Rule"), jsii.Number(float64(len(rulesDeployed(webhookCfg)))))
		webhook.HasOutput(jsii.String("PresenceSecretArn"), &map[string]any{"Value": refOf(presence)})
	})
	// Who reads which: presence push the presence secret only, the two
	// webhooks never the presence secret.
	var res map[string]resource
	check(t, func() {
		raw, err := json.Marshal(webhook.ToJSON())
		if err != nil {
			t.Fatal(err)
		}
		var doc struct{ Resources map[string]resource }
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		res = doc.Resources
	})
	readers := map[string][]string{} // secret -> functions whose role reads it
	for _, r := range res {
		if r.Type != "AWS::Lambda::Function" {
			continue
		}
		d, _ := r.Properties["Description"].(string)
		name := strings.TrimSuffix(strings.TrimPrefix(strings.SplitN(d, ":", 2)[0], "Mayday "), ":")
		for _, s := range secretsReadBy(res, getAtt(r.Properties["Role"], "Arn")) {
			readers[s] = append(readers[s], name)
		}
	}
	if got := readers[presence]; len(got) != 1 || got[0] != functions.PresencePush {
		t.Errorf("the presence secret is read by %v, want presence-push only", got)
	}
	if slices.Contains(readers[hook], functions.PresencePush) {
		t.Error("presence push reads the webhook secret")
	}
}

// secretsReadBy lists the secrets role may act on (read) in res.
func secretsReadBy(res map[string]resource, role string) []string {
	var out []string
	for _, r := range res {
		if r.Type != "AWS::IAM::Policy" {
			continue
		}
		roles, _ := r.Properties["Roles"].([]any)
		if !slices.ContainsFunc(roles, func(x any) bool { return ref(x) == role }) {
			continue
		}
		doc, _ := r.Properties["PolicyDocument"].(map[string]any)
		sts, _ := doc["Statement"].([]any)
		for _, st := range sts {
			m, _ := st.(map[string]any)
			if !slices.ContainsFunc(strList(m["Action"]), func(a string) bool { return strings.HasPrefix(a, "secretsmanager:") }) {
				continue
			}
			switch rs := m["Resource"].(type) {
			case []any:
				for _, x := range rs {
					out = append(out, ref(x))
				}
			default:
				out = append(out, ref(rs))
			}
		}
	}
	return out
}

// A platform without its settings fails at synth, not at the first
// emergency.
func TestPresenceConfigChecked(t *testing.T) {
	for _, c := range []Config{
		DefaultConfig().With(settings.PresencePlatform, settings.PlatformTaskRouter),
		DefaultConfig().With(settings.PresencePlatform, settings.PlatformWebhook),
		DefaultConfig().With(settings.PresencePlatform, "genesys"),
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%s=%s without its settings: no error", settings.PresencePlatform.Env, c.Get(settings.PresencePlatform))
		}
	}
	// Connect names the context keys it misses.
	for _, c := range []struct {
		cfg     Config
		missing []string
	}{
		{DefaultConfig().With(settings.PresencePlatform, settings.PlatformConnect), []string{"connectInstanceArn", "connectDndStatusId"}},
		{DefaultConfig().With(settings.PresencePlatform, settings.PlatformConnect).With(settings.ConnectInstanceARN, connectInstance),
			[]string{"connectDndStatusId"}},
	} {
		err := c.cfg.Validate()
		for _, m := range c.missing {
			if err == nil || !strings.Contains(err.Error(), m) {
				t.Errorf("presencePlatform=connect without %s: %v", m, err)
			}
		}
	}
	ok := DefaultConfig().With(settings.PresencePlatform, settings.PlatformConnect).
		With(settings.ConnectInstanceARN, connectInstance).With(settings.ConnectDNDStatus, connectDND)
	if err := ok.Validate(); err != nil {
		t.Errorf("presencePlatform=connect with its settings: %v", err)
	}
}

// With Amazon Connect, presence push reads the instance and its statuses,
// no secret, and may look up, read and set the status of that instance's
// agents only.
func TestPresencePushConnect(t *testing.T) {
	cfg := Config{Values: DefaultConfig().
		With(settings.PresencePlatform, settings.PlatformConnect).
		With(settings.ConnectInstanceARN, connectInstance).With(settings.ConnectDNDStatus, connectDND).
		With(settings.ConnectRoutableStatus, connectRoutable).Values, AllowPlaceholderSender: true, AllowNoAlarmEmail: true}
	_, res := synth(t, "MaydayConnectPresence", cfg)
	var fn string
	for id, r := range res {
		if d, _ := r.Properties["Description"].(string); r.Type == "AWS::Lambda::Function" && strings.HasPrefix(d, "Mayday presence-push: ") {
			fn = id
		}
	}
	if fn == "" {
		t.Fatal("platform connect: no presence-push function")
	}
	vars, _ := res[fn].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
	for env, want := range map[string]any{
		settings.PresencePlatform.Env:      "connect",
		settings.ConnectInstanceARN.Env:    connectInstance,
		settings.ConnectDNDStatus.Env:      connectDND,
		settings.ConnectRoutableStatus.Env: connectRoutable,
		settings.TwilioAuthTokenARN.Env:    nil,
		settings.WebhookSecretARN.Env:      nil,
		settings.PresenceSecretARN.Env:     nil,
	} {
		if got := vars[env]; got != want {
			t.Errorf("presence-push %s = %v, want %v", env, got, want)
		}
	}
	deployed := map[string]string{}
	for k, v := range vars {
		deployed[k] = fmt.Sprint(v)
	}
	if _, err := coldstart.Read(functions.PresencePush, func(k string) (string, bool) { v, ok := deployed[k]; return v, ok }); err != nil {
		t.Errorf("presence-push: cold start with the deployed environment: %v", err)
	}
	role := getAtt(res[fn].Properties["Role"], "Arn")
	checkGrants(t, "presence push", grantsByRole(res, "connect:", "secretsmanager:")[role], agentStatusGrants)
}
