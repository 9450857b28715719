package mayday

import (
	"slices"
	"strings"
)

// Reasons a dial is not handled as an emergency call, as the dial answer
// gives them.
const (
	ReasonNotEmergencyNumber  = "not-emergency-number"
	ReasonLocationUnsupported = "location-unsupported"
	ReasonTestCall            = "test-call"
)

// emergencyNumbers are the supported locations and their emergency numbers:
// the article names 911 for all five; the national numbers work too.
var emergencyNumbers = map[string][]string{
	"US": {"911"},
	"CA": {"911"},
	"PR": {"911"},
	"GB": {"999", "112", "911"},
	"DK": {"112", "911"},
}

// testNumbers are address-check test numbers: a test call, not an emergency.
var testNumbers = map[string][]string{
	"US": {"933"},
	"CA": {"933"},
	"PR": {"933"},
}

// recognisedElsewhere are emergency numbers of unsupported locations: dialled
// from there, they raise "Emergency Dial Unsupported" for operators.
var recognisedElsewhere = []string{"000", "100", "101", "102", "108", "110", "118", "119", "190", "911", "999", "112"}

// NormaliseCountry upper-cases an ISO country code and maps "UK" to "GB".
func NormaliseCountry(c string) string {
	c = strings.ToUpper(strings.TrimSpace(c))
	if c == "UK" {
		return "GB"
	}
	return c
}

// SupportedCountry reports whether emergency handling runs in the country.
func SupportedCountry(c string) bool {
	_, ok := emergencyNumbers[NormaliseCountry(c)]
	return ok
}

// SupportedCountries lists the supported locations.
func SupportedCountries() []string {
	out := make([]string, 0, len(emergencyNumbers))
	for c := range emergencyNumbers {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// EmergencyNumbers lists the emergency numbers of a supported country.
func EmergencyNumbers(country string) []string {
	return slices.Clone(emergencyNumbers[NormaliseCountry(country)])
}

// TestNumbers lists the address-check test numbers of a country.
func TestNumbers(country string) []string {
	return slices.Clone(testNumbers[NormaliseCountry(country)])
}

// NormaliseDialed drops the punctuation people and dialers put in numbers
// (spaces, dashes, dots, parentheses). It returns "" when what remains is not
// a dialable string.
func NormaliseDialed(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '\t':
		case r >= '0' && r <= '9', r == '+' || r == '*' || r == '#':
			b.WriteRune(r)
		default:
			return ""
		}
	}
	return b.String()
}

// DialRules classify dialled strings. Prefix is the outside-line access
// prefix (e.g. "9"), stripped when present; dialling without it works too
// (Kari's Law).
type DialRules struct {
	Prefix string
}

// Classification is the verdict on one dial.
type Classification struct {
	Emergency bool
	// Number is the emergency or test number recognised, without prefix.
	Number  string
	Country string
	Reason  string // set when Emergency is false
}

// Classify decides whether dialling s from country is an emergency call.
func (r DialRules) Classify(s, country string) Classification {
	country = NormaliseCountry(country)
	n := NormaliseDialed(s)
	candidates := []string{n}
	if p := NormaliseDialed(r.Prefix); p != "" && len(n) > len(p) && strings.HasPrefix(n, p) {
		candidates = append(candidates, n[len(p):])
	}
	out := Classification{Country: country, Reason: ReasonNotEmergencyNumber}
	if n == "" {
		return out
	}
	for _, c := range candidates {
		switch {
		case slices.Contains(emergencyNumbers[country], c):
			return Classification{Emergency: true, Number: c, Country: country}
		case slices.Contains(testNumbers[country], c):
			out.Number, out.Reason = c, ReasonTestCall
		case !SupportedCountry(country) && slices.Contains(recognisedElsewhere, c):
			out.Number, out.Reason = c, ReasonLocationUnsupported
		}
	}
	return out
}

// ClassifyAnywhere decides a dial whose country is unknown: an emergency
// number of any supported country is an emergency call (Country empty),
// because under-handling an emergency is the failure that cannot be undone.
func (r DialRules) ClassifyAnywhere(s string) Classification {
	out := Classification{Reason: ReasonNotEmergencyNumber}
	for _, c := range SupportedCountries() {
		switch cls := r.Classify(s, c); {
		case cls.Emergency:
			return Classification{Emergency: true, Number: cls.Number}
		case cls.Reason == ReasonTestCall:
			out.Number, out.Reason = cls.Number, ReasonTestCall
		}
	}
	return out
}
