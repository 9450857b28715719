package amazonconnect

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mayday/mayday/shared/mayday"
)

// civicAddress is Connect's E911 CivicAddress, a JSON string the whisper
// flow sets as the contact attribute CivicAddress so the call carries its
// dispatchable address. The field order is fixed, so the same location
// always gives the same string.
type civicAddress struct {
	Country string `json:"country"`
	A1      string `json:"A1"`            // state, region
	A3      string `json:"A3"`            // city
	PRD     string `json:"PRD,omitempty"` // leading street direction
	RD      string `json:"RD"`            // street
	STS     string `json:"STS,omitempty"` // street suffix
	POD     string `json:"POD,omitempty"` // trailing street direction
	HNO     string `json:"HNO"`           // house number, numeric part
	HNS     string `json:"HNS,omitempty"` // house-number suffix
	LOC     string `json:"LOC,omitempty"` // where in the building
	NAM     string `json:"NAM,omitempty"` // site name
	PC      string `json:"PC"`            // postal code
}

// Connect's character limits for the CivicAddress fields.
const (
	maxCountry, maxA1, maxA3, maxDirection, maxRD, maxSTS = 2, 2, 32, 2, 40, 5
	maxHNO, maxHNS, maxLOC, maxNAM, maxPC                 = 10, 4, 60, 32, 5
)

// CivicAddress is the location as Connect's E911 CivicAddress JSON string,
// each field cleaned of control characters and cut to Connect's limit; ""
// when no location (or no address) is known.
func CivicAddress(l *mayday.Location) string {
	if l == nil || l.Address == (mayday.Address{}) {
		return ""
	}
	a := l.Address.Normalised()
	hno, hns := splitHouseNumber(clean(a.HouseNumber))
	prd, rd, sts, pod := splitStreet(clean(a.Street))
	c := civicAddress{
		Country: cut(strings.ToUpper(clean(a.Country)), maxCountry),
		A1:      cut(strings.ToUpper(clean(a.Region)), maxA1),
		A3:      cut(clean(a.City), maxA3),
		PRD:     cut(prd, maxDirection),
		RD:      cut(rd, maxRD),
		STS:     cut(sts, maxSTS),
		POD:     cut(pod, maxDirection),
		HNO:     cut(hno, maxHNO),
		HNS:     cut(hns, maxHNS),
		LOC:     cut(joinNonEmpty(clean(l.Detail), clean(a.Detail)), maxLOC),
		PC:      cut(postalCode(clean(a.PostalCode), a.Country), maxPC),
	}
	if l.Kind == mayday.LocationSite {
		c.NAM = cut(clean(l.Name), maxNAM)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // "&" in a site name stays readable
	if err := enc.Encode(c); err != nil {
		return "" // strings only: cannot fail
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// clean turns control and line-separator characters into spaces and
// collapses whitespace: an attribute value is one line.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// cut keeps at most n runes, never splitting one, and no trailing space
// or separator left by the cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	return strings.TrimRight(string(r), " ,-/")
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" && !(len(out) > 0 && out[len(out)-1] == p) {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

// splitHouseNumber is the numeric part of a house number and what follows
// it ("221B": 221 and B; "12 1/2": 12 and 1/2).
func splitHouseNumber(s string) (number, suffix string) {
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// postalCode is the US ZIP without its +4.
func postalCode(pc, country string) string {
	if mayday.NormaliseCountry(country) == "US" {
		pc, _, _ = strings.Cut(pc, "-")
		pc = strings.TrimSpace(pc)
	}
	return pc
}

// streetSuffixes are the common street suffixes as USPS abbreviates them
// (Publication 28), by the word written or its abbreviation.
var streetSuffixes = map[string]string{
	"ALLEY": "Aly", "ALY": "Aly", "AVENUE": "Ave", "AVE": "Ave", "AV": "Ave", "BOULEVARD": "Blvd", "BLVD": "Blvd",
	"CIRCLE": "Cir", "CIR": "Cir", "COURT": "Ct", "CT": "Ct", "DRIVE": "Dr", "DR": "Dr", "EXPRESSWAY": "Expy",
	"EXPY": "Expy", "FREEWAY": "Fwy", "FWY": "Fwy", "HIGHWAY": "Hwy", "HWY": "Hwy", "LANE": "Ln", "LN": "Ln",
	"PARKWAY": "Pkwy", "PKWY": "Pkwy", "PLACE": "Pl", "PL": "Pl", "PLAZA": "Plz", "PLZ": "Plz", "ROAD": "Rd",
	"RD": "Rd", "SQUARE": "Sq", "SQ": "Sq", "STREET": "St", "ST": "St", "TERRACE": "Ter", "TER": "Ter",
	"TRAIL": "Trl", "TRL": "Trl", "WAY": "Way",
}

// directions are street directions as USPS abbreviates them.
var directions = map[string]string{
	"N": "N", "NORTH": "N", "S": "S", "SOUTH": "S", "E": "E", "EAST": "E", "W": "W", "WEST": "W",
	"NE": "NE", "NORTHEAST": "NE", "NW": "NW", "NORTHWEST": "NW", "SE": "SE", "SOUTHEAST": "SE", "SW": "SW", "SOUTHWEST": "SW",
}

// splitStreet splits a street into its leading direction, name, suffix and
// trailing direction ("N Main St SW"), each only where the name keeps a
// word of its own: "North Ave" is the street named North, "Broadway" has
// no suffix.
func splitStreet(s string) (prd, rd, sts, pod string) {
	w := strings.Fields(s)
	key := func(i int) string { return strings.ToUpper(strings.TrimSuffix(w[i], ".")) }
	if len(w) > 2 {
		if d, ok := directions[key(len(w)-1)]; ok {
			if _, suffixed := streetSuffixes[key(len(w)-2)]; suffixed {
				pod, w = d, w[:len(w)-1]
			}
		}
	}
	if len(w) > 1 {
		if x, ok := streetSuffixes[key(len(w)-1)]; ok {
			sts, w = x, w[:len(w)-1]
		}
	}
	if len(w) > 1 {
		if d, ok := directions[key(0)]; ok {
			prd, w = d, w[1:]
		}
	}
	return prd, strings.Join(w, " "), sts, pod
}
