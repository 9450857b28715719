package mayday

import "testing"

func TestClassify(t *testing.T) {
	us := DialRules{Prefix: "9"}
	tests := []struct {
		name, dialled, country string
		rules                  DialRules
		emergency              bool
		number, reason         string
	}{
		{"US 911", "911", "US", us, true, "911", ""},
		{"US prefix and dash", "9-911", "US", us, true, "911", ""},
		{"US prefix no dash (Kari's Law both ways)", "9911", "US", us, true, "911", ""},
		{"punctuation dropped", " (9) 9.1-1 ", "US", us, true, "911", ""},
		{"CA 911", "911", "CA", us, true, "911", ""},
		{"PR 911", "911", "pr", us, true, "911", ""},
		{"GB 999", "999", "GB", us, true, "999", ""},
		{"GB 999 with prefix", "9999", "GB", us, true, "999", ""},
		{"UK alias 112", "112", "UK", us, true, "112", ""},
		{"GB 911", "911", "GB", us, true, "911", ""},
		{"DK 112", "112", "DK", us, true, "112", ""},
		{"DK 911", "9 911", "DK", us, true, "911", ""},
		{"DK 999 is not an emergency number", "999", "DK", us, false, "", ReasonNotEmergencyNumber},
		{"US 112 is not in the US table", "112", "US", us, false, "", ReasonNotEmergencyNumber},
		{"US 999 is not an emergency number", "999", "US", us, false, "", ReasonNotEmergencyNumber},
		{"933 is a test call", "933", "US", us, false, "933", ReasonTestCall},
		{"933 with prefix is a test call", "9-933", "US", us, false, "933", ReasonTestCall},
		{"ordinary number", "+1 425 555 0100", "US", us, false, "", ReasonNotEmergencyNumber},
		{"911 inside a longer number", "19115550100", "US", us, false, "", ReasonNotEmergencyNumber},
		{"letters are not a dial", "9-911x", "US", us, false, "", ReasonNotEmergencyNumber},
		{"empty", "", "US", us, false, "", ReasonNotEmergencyNumber},
		{"unsupported location", "112", "FR", us, false, "112", ReasonLocationUnsupported},
		{"unknown location", "9-911", "", us, false, "911", ReasonLocationUnsupported},
		{"unsupported location, ordinary number", "5550100", "FR", us, false, "", ReasonNotEmergencyNumber},
		{"another prefix", "0-911", "US", DialRules{Prefix: "0"}, true, "911", ""},
		{"no prefix configured", "9-911", "US", DialRules{}, false, "", ReasonNotEmergencyNumber},
		{"prefix alone is not a dial", "9", "US", us, false, "", ReasonNotEmergencyNumber},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.rules.Classify(tt.dialled, tt.country)
			if got.Emergency != tt.emergency || got.Number != tt.number || got.Reason != tt.reason {
				t.Errorf("Classify(%q, %q) = %+v, want emergency=%v number=%q reason=%q",
					tt.dialled, tt.country, got, tt.emergency, tt.number, tt.reason)
			}
		})
	}
}

func TestNormaliseCountry(t *testing.T) {
	for in, want := range map[string]string{"uk": "GB", "UK": "GB", " us ": "US", "dk": "DK", "": ""} {
		if got := NormaliseCountry(in); got != want {
			t.Errorf("NormaliseCountry(%q) = %q, want %q", in, got, want)
		}
	}
}
