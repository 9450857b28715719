package settings_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/settings"
)

func env(kv ...string) settings.Lookup {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDeclarations(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range settings.All {
		if !strings.HasPrefix(s.Env, "MAYDAY_") || seen[s.Env] {
			t.Errorf("%s: want a unique MAYDAY_ name", s.Env)
		}
		seen[s.Env] = true
		if err := s.Check(s.Default); err != nil {
			t.Errorf("%s: default %q fails its own check: %v", s.Env, s.Default, err)
		}
		if (s.Source == settings.FromContext || s.Source == settings.IfConfigured) != (s.Context != "") {
			t.Errorf("%s: context key %q with source %v", s.Env, s.Context, s.Source)
		}
		if s.Doc == "" {
			t.Errorf("%s: undocumented", s.Env)
		}
	}
	for _, s := range settings.All {
		if s.Or != "" && !seen[s.Or] {
			t.Errorf("%s: stands in with %s, which is not declared", s.Env, s.Or)
		}
	}
	for _, s := range settings.Domain {
		if !seen[s.Env] {
			t.Errorf("%s: in Domain but not in All", s.Env)
		}
	}
}

// Every function of the list has its settings declared, and nothing else
// does.
func TestFunctionsMatchTheList(t *testing.T) {
	names := functions.Names()
	slices.Sort(names)
	var declared []string
	for name, reads := range settings.Functions {
		declared = append(declared, name)
		// The stream's publisher gets the table's records; it never calls it.
		if f, _ := functions.Get(name); f.Trigger != functions.Stream && !slices.ContainsFunc(reads, func(s settings.Setting) bool {
			return s.Env == settings.Table.Env || s.Env == settings.RecordTable.Env
		}) {
			t.Errorf("%s reads neither %s nor %s: every function uses a table", name, settings.Table.Env, settings.RecordTable.Env)
		}
	}
	slices.Sort(declared)
	if !slices.Equal(names, declared) {
		t.Errorf("functions.All has %v, settings.Functions declares %v", names, declared)
	}
}

func TestDomainConfig(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     settings.Lookup
		check   func(t *testing.T, lease, maxEmergency time.Duration, fallback, prefix string)
		wantErr string
	}{
		{name: "defaults", env: env(), check: func(t *testing.T, lease, maxE time.Duration, fallback, prefix string) {
			if lease != time.Hour || maxE != 4*time.Hour || fallback != "security-desk" || prefix != "9" {
				t.Errorf("defaults: %v %v %q %q", lease, maxE, fallback, prefix)
			}
		}},
		{name: "set", env: env("MAYDAY_CALLBACK_LEASE", "90m", "MAYDAY_MAX_EMERGENCY", "2h", "MAYDAY_CALLBACK_FALLBACK", "+14255559999",
			"MAYDAY_DIAL_PREFIX", "8"), check: func(t *testing.T, lease, maxE time.Duration, fallback, prefix string) {
			if lease != 90*time.Minute || maxE != 2*time.Hour || fallback != "+14255559999" || prefix != "8" {
				t.Errorf("set: %v %v %q %q", lease, maxE, fallback, prefix)
			}
		}},
		{name: "empty prefix means none; empty fallback means the default", env: env("MAYDAY_DIAL_PREFIX", "", "MAYDAY_CALLBACK_FALLBACK", ""),
			check: func(t *testing.T, _, _ time.Duration, fallback, prefix string) {
				if prefix != "" || fallback != "security-desk" {
					t.Errorf("prefix %q fallback %q", prefix, fallback)
				}
			}},
		{name: "bad lease", env: env("MAYDAY_CALLBACK_LEASE", "an hour"), wantErr: "MAYDAY_CALLBACK_LEASE"},
		{name: "negative watchdog", env: env("MAYDAY_MAX_EMERGENCY", "-4h"), wantErr: "MAYDAY_MAX_EMERGENCY"},
		{name: "long prefix", env: env("MAYDAY_DIAL_PREFIX", "99999"), wantErr: "MAYDAY_DIAL_PREFIX"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := settings.DomainConfig(tc.env)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.StateTimeout != settings.StateTimeout || c.WebhookBudget != settings.WebhookBudget {
				t.Errorf("webhook bounds %v/%v", c.StateTimeout, c.WebhookBudget)
			}
			tc.check(t, c.Lease, c.MaxEmergency, c.Fallback, c.Dial.Prefix)
		})
	}
}

// A default caller ID belongs to its country: the emergency network of
// another cannot call it back.
func TestParseCallerIDs(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    map[string]string
		refused string // in the error, "" when accepted
	}{
		{"US=+12065550100, gb=+44 20 7123 0000", map[string]string{"US": "+12065550100", "GB": "+442071230000"}, ""},
		{"CA=+16135550100,PR=+17875550100,DK=+4533123456", map[string]string{"CA": "+16135550100", "PR": "+17875550100", "DK": "+4533123456"}, ""},
		{"US=+442071230000", nil, "not a number of US"},
		{"GB=+12065550100", nil, "not a number of GB"},
		{"DK=+442071230000", nil, "not a number of DK"},
		{"FR=+33123456789", nil, "not a supported country"},
		{"US+12065550100", nil, "COUNTRY=+E164"},
	} {
		got, err := settings.ParseCallerIDs(tc.in)
		switch {
		case tc.refused == "" && (err != nil || !maps.Equal(got, tc.want)):
			t.Errorf("ParseCallerIDs(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		case tc.refused != "" && (err == nil || !strings.Contains(err.Error(), tc.refused)):
			t.Errorf("ParseCallerIDs(%q) = %v, %v; want an error saying %q", tc.in, got, err, tc.refused)
		}
	}
}
