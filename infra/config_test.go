package main

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/mayday/mayday/shared/settings"
)

func TestParsePool(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []PoolNumber
		wantErr bool
	}{
		{"", nil, false},
		{"US=+14255550001,+14255550002;GB=+442071230001", []PoolNumber{
			{"GB", "+442071230001"}, {"US", "+14255550001"}, {"US", "+14255550002"}}, false},
		{" uk = +44 20 7123 0001 ; ", []PoolNumber{{"GB", "+442071230001"}}, false},
		{"US=+14255550001;CA=+14255550001", nil, true}, // the same number in two pools
		{"FR=+33140000000", nil, true},                 // not a supported location
		{"US=14255550001x", nil, true},
		{"+14255550001", nil, true},
	} {
		got, err := ParsePool(tc.in)
		if (err != nil) != tc.wantErr || !tc.wantErr && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParsePool(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestConfigFromContext(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{
		"sender": "alerts@contoso.com", "callbackPool": "DK=+4533123456", "dialPrefix": "", "callbackLease": "90m",
		"maxEmergency": "6h"}})
	c, err := ConfigFromContext(app.Node())
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig().With(settings.Sender, "alerts@contoso.com").With(settings.DialPrefix, "").
		With(settings.CallbackLease, "90m").With(settings.MaxEmergency, "6h")
	want.CallbackPool = []PoolNumber{{"DK", "+4533123456"}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("config %+v, want %+v", c, want)
	}
	if d := DefaultConfig(); d.Get(settings.CallbackLease) != "60m" || d.Get(settings.DialPrefix) != "9" ||
		d.Get(settings.CallbackFallback) != "security-desk" || d.Get(settings.MaxEmergency) != "4h" {
		t.Errorf("defaults %+v, want the settings' defaults", d)
	}
	for _, bad := range []map[string]any{
		{"sender": "not an address"}, {"callbackLease": "an hour"}, {"dialPrefix": "99999"}, {"maxEmergency": "-1h"},
		{"sesConfigurationSet": "not a name!"}, {"alarmEmail": "nobody"},
	} {
		if _, err := ConfigFromContext(awscdk.NewApp(&awscdk.AppProps{Context: &bad}).Node()); err == nil {
			t.Errorf("context %v: no error", bad)
		}
	}
}

// With a Twilio account (twilioAccountSid), the synth refuses a fallback
// Twilio cannot dial and a missing default caller ID, as the webhook
// functions would at cold start.
func TestConfigWithTwilio(t *testing.T) {
	const sid = "AC0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		name    string
		context map[string]any
		want    []string // each in the error; none: valid
	}{
		{"no Twilio account", map[string]any{}, nil},
		{"the default fallback, no caller ID", map[string]any{"twilioAccountSid": sid},
			[]string{"callbackFallback", "security-desk", "defaultCallerId"}},
		{"a client fallback, no caller ID", map[string]any{"twilioAccountSid": sid, "callbackFallback": "client:security-desk"},
			[]string{"defaultCallerId"}},
		{"a fallback that is no number", map[string]any{"twilioAccountSid": sid, "callbackFallback": "desk-queue",
			"defaultCallerId": "US=+12065550100"}, []string{"callbackFallback", "E.164"}},
		{"no URL for ordinary calls", map[string]any{"twilioAccountSid": sid, "callbackFallback": "+14255559999",
			"defaultCallerId": "US=+12065550100,GB=+442071230000"}, []string{"twilioOrdinaryUrl"}},
		{"all set", map[string]any{"twilioAccountSid": sid, "callbackFallback": "+14255559999",
			"defaultCallerId": "US=+12065550100,GB=+442071230000", "twilioOrdinaryUrl": "https://voice.contoso.com/twiml"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ConfigFromContext(awscdk.NewApp(&awscdk.AppProps{Context: &tc.context}).Node())
			if len(tc.want) == 0 && err != nil {
				t.Fatalf("err = %v", err)
			}
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to name %q", err, w)
				}
			}
		})
	}
}

// TestGuards: a placeholder sender and a missing alarm email fail the synth
// unless the context acknowledges them.
func TestGuards(t *testing.T) {
	for _, tc := range []struct {
		name    string
		context map[string]any
		want    []string // each in the error; none: passes
	}{
		{"defaults", map[string]any{}, []string{"placeholder", "allowPlaceholderSender", "allowNoAlarmEmail"}},
		{"placeholder acknowledged", map[string]any{"allowPlaceholderSender": "true"}, []string{"allowNoAlarmEmail"}},
		{"both acknowledged", map[string]any{"allowPlaceholderSender": true, "allowNoAlarmEmail": true}, nil},
		{"set", map[string]any{"sender": "mayday@contoso.com", "alarmEmail": "oncall@contoso.com"}, nil},
		{"no alarm email", map[string]any{"sender": "mayday@contoso.com", "allowNoAlarmEmail": "false"}, []string{"alarmEmail"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ConfigFromContext(awscdk.NewApp(&awscdk.AppProps{Context: &tc.context}).Node())
			if err != nil {
				t.Fatal(err)
			}
			err = c.Guards()
			if len(tc.want) == 0 && err != nil {
				t.Fatalf("err = %v", err)
			}
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to name %q", err, w)
				}
			}
		})
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "placeholder") {
			t.Errorf("synth with the placeholder sender: %v, want a panic naming it", r)
		}
	}()
	NewMaydayStack(awscdk.NewApp(nil), "Placeholder", &MaydayStackProps{Config: Config{
		Values: testCfg.With(settings.Sender, "mayday@example.com").Values, AlarmEmail: testCfg.AlarmEmail}, AssetDir: assetDir})
}

// TestPresenceWebhookURL: the presence notices go over https; plain http
// only to a loopback host (the emulator tests' receiver).
func TestPresenceWebhookURL(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://presence.contoso.com/notices", true},
		{"http://presence.contoso.com/notices", false},
		{"http://10.0.0.5:8080/notices", false},
		{"ftp://presence.contoso.com/notices", false},
		{"http://127.0.0.1:8080/notices", true},
		{"http://[::1]:8080/notices", true},
		{"http://localhost:8080/notices", true},
	} {
		t.Run(tc.url, func(t *testing.T) {
			context := map[string]any{"presencePlatform": "webhook", "presenceWebhookUrl": tc.url}
			_, err := ConfigFromContext(awscdk.NewApp(&awscdk.AppProps{Context: &context}).Node())
			if tc.ok && err != nil {
				t.Fatalf("err = %v", err)
			}
			if !tc.ok && (err == nil || !strings.Contains(err.Error(), "presenceWebhookUrl") || !strings.Contains(err.Error(), "https")) {
				t.Errorf("err = %v, want presenceWebhookUrl refused for want of https", err)
			}
		})
	}
}
