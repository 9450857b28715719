package amazonconnect_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/mayday/mayday/shared/amazonconnect"
	"github.com/mayday/mayday/shared/mayday"
)

func TestCivicAddress(t *testing.T) {
	seattle := mayday.Address{Street: "1 Main St", City: "Seattle", Region: "WA", PostalCode: "98101", Country: "US"}
	long := strings.Repeat("Ö", 50) // two bytes a rune: a byte cut would split one
	for _, tt := range []struct {
		name string
		in   *mayday.Location
		want string
	}{
		{"no location", nil, ""},
		{"a location without an address", &mayday.Location{Kind: mayday.LocationRemote, Detail: "home"}, ""},
		{"site, street number in the street", &mayday.Location{Kind: mayday.LocationSite, Name: "Seattle HQ", Address: seattle,
			Detail: "Building 4, floor 2"},
			`{"country":"US","A1":"WA","A3":"Seattle","RD":"Main","STS":"St","HNO":"1","LOC":"Building 4, floor 2","NAM":"Seattle HQ","PC":"98101"}`},
		{"Connect's own example", &mayday.Location{Kind: mayday.LocationSite, Address: mayday.Address{HouseNumber: "2121",
			Street: "7th Ave", City: "Seattle", Region: "WA", PostalCode: "98121", Country: "US"}},
			`{"country":"US","A1":"WA","A3":"Seattle","RD":"7th","STS":"Ave","HNO":"2121","PC":"98121"}`},
		{"remote: no site name, ZIP+4 cut, street spelled out", &mayday.Location{Kind: mayday.LocationRemote, Name: "ignored",
			Address: mayday.Address{HouseNumber: "42", Street: "Maple Avenue", City: "Tacoma", Region: "wa",
				PostalCode: "98402-1234", Country: "us"}, Detail: "Home office"},
			`{"country":"US","A1":"WA","A3":"Tacoma","RD":"Maple","STS":"Ave","HNO":"42","LOC":"Home office","PC":"98402"}`},
		{"house-number suffix", &mayday.Location{Kind: mayday.LocationRemote, Address: mayday.Address{Street: "221B Baker Street",
			City: "London", Region: "LN", PostalCode: "NW1 6XE", Country: "GB"}},
			`{"country":"GB","A1":"LN","A3":"London","RD":"Baker","STS":"St","HNO":"221","HNS":"B","PC":"NW1 6"}`},
		{"fraction suffix, directions, no suffix word", &mayday.Location{Kind: mayday.LocationRemote, Address: mayday.Address{
			HouseNumber: "12 1/2", Street: "N Broadway", City: "Fargo", Region: "ND", PostalCode: "58102", Country: "US"}},
			`{"country":"US","A1":"ND","A3":"Fargo","PRD":"N","RD":"Broadway","HNO":"12","HNS":"1/2","PC":"58102"}`},
		{"trailing direction; a street named for a direction", &mayday.Location{Kind: mayday.LocationRemote, Address: mayday.Address{
			HouseNumber: "5", Street: "Capitol Way SW", City: "Olympia", Region: "WA", PostalCode: "98501", Country: "US"}},
			`{"country":"US","A1":"WA","A3":"Olympia","RD":"Capitol","STS":"Way","POD":"SW","HNO":"5","PC":"98501"}`},
		{"North Ave is named North", &mayday.Location{Kind: mayday.LocationRemote, Address: mayday.Address{
			HouseNumber: "7", Street: "North Ave", City: "Chicago", Region: "IL", PostalCode: "60601", Country: "US"}},
			`{"country":"US","A1":"IL","A3":"Chicago","RD":"North","STS":"Ave","HNO":"7","PC":"60601"}`},
		{"long names cut by rune, control characters gone", &mayday.Location{Kind: mayday.LocationSite,
			Name: "The Very Long Name Of A Campus & Co\nBuilding", Detail: "Floor 3\r\n\tdesk 42 " + long,
			Address: mayday.Address{HouseNumber: "12345678901234", Street: long + " Street", City: long, Region: " wa ",
				PostalCode: "981011234", Country: "USA", Detail: "Room 1"}},
			`{"country":"US","A1":"WA","A3":"` + long[:64] + `","RD":"` + long[:80] + `","STS":"St","HNO":"1234567890","LOC":"Floor 3 desk 42 ` +
				long[:88] + `","NAM":"The Very Long Name Of A Campus &","PC":"98101"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := amazonconnect.CivicAddress(tt.in)
			if got != tt.want {
				t.Errorf("CivicAddress =\n%s\nwant\n%s", got, tt.want)
			}
			if got == "" {
				return
			}
			var fields map[string]string
			if err := json.Unmarshal([]byte(got), &fields); err != nil {
				t.Fatalf("not a JSON string map: %v", err)
			}
			limits := map[string]int{"country": 2, "A1": 2, "A3": 32, "PRD": 2, "RD": 40, "STS": 5, "POD": 2, "HNO": 10, "HNS": 4,
				"LOC": 60, "NAM": 32, "PC": 5}
			for _, k := range []string{"country", "A1", "A3", "RD", "HNO", "PC"} {
				if _, ok := fields[k]; !ok {
					t.Errorf("required %s missing", k)
				}
			}
			for k, v := range fields {
				max, ok := limits[k]
				switch {
				case !ok:
					t.Errorf("%s is not a CivicAddress field", k)
				case utf8.RuneCountInString(v) > max || !utf8.ValidString(v):
					t.Errorf("%s = %q: over %d characters or not UTF-8", k, v, max)
				case strings.ContainsFunc(v, unicode.IsControl):
					t.Errorf("%s = %q has control characters", k, v)
				}
			}
		})
	}
}
