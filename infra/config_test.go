package main

import (
	"reflect"
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
