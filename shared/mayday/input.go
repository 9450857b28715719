package mayday

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Bounds of what operators and platforms may send.
const (
	// MaxIDLength bounds an id (agent, site, call): well inside every
	// store's key limit.
	MaxIDLength = 128
	// MaxNameLength bounds a name (agent, site): it reaches the Connect
	// flow's answer and email subjects.
	MaxNameLength = 100
	// MaxTextLength bounds other free text (a call's location, an
	// address's parts).
	MaxTextLength = 200
)

// IDPattern is what ValidID accepts, as a regular expression; the API's
// description publishes it.
const IDPattern = `^[A-Za-z0-9._:@-]{1,128}$`

// ValidID checks an id (agent, site, call) against IDPattern, naming field:
// both stores then hold exactly the same ids, and an id is safe in a log
// line, a URL path and a DynamoDB key.
func ValidID(field, id string) error {
	if id == "" {
		return fmt.Errorf("%w: %s is required", ErrInvalid, field)
	}
	if len(id) > MaxIDLength {
		return fmt.Errorf("%w: %s is longer than %d characters", ErrInvalid, field, MaxIDLength)
	}
	for i := 0; i < len(id); i++ {
		if !idByte(id[i]) {
			// The id itself is not echoed: it may hold what a terminal or
			// a log reader would interpret.
			return fmt.Errorf("%w: %s: want 1 to %d of A-Z a-z 0-9 . _ : @ - (character %d is not)", ErrInvalid, field, MaxIDLength, i+1)
		}
	}
	return nil
}

// ValidOptionalID is ValidID where the id may be absent.
func ValidOptionalID(field, id string) error {
	if id == "" {
		return nil
	}
	return ValidID(field, id)
}

// ValidE164 checks a number is E.164 as a store keeps it: ParseE164 would
// return it unchanged. Like ValidID, it does not echo the number.
func ValidE164(field, number string) error {
	if n, err := ParseE164(number); err != nil || n != number {
		return fmt.Errorf("%w: %s: want an E.164 number like +14255550001, without punctuation", ErrInvalid, field)
	}
	return nil
}

// ValidStoredIDs checks the ids an agent carries besides its own: its home
// site, which a store indexes it by.
func (a Agent) ValidStoredIDs() error {
	return ValidOptionalID("siteId", a.SiteID)
}

// ValidStoredIDs checks the ids a callback number carries besides its own:
// its site, the agent it belongs to and its lease's holder, which a store
// indexes it by.
func (n CallbackNumber) ValidStoredIDs() error {
	if err := ValidOptionalID("siteId", n.SiteID); err != nil {
		return err
	}
	if err := ValidOptionalID("agentId", n.AgentID); err != nil {
		return err
	}
	if n.Lease != nil {
		if err := ValidID("lease.agentId", n.Lease.AgentID); err != nil {
			return err
		}
	}
	return nil
}

func idByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '.', '_', ':', '@', '-':
		return true
	}
	return false
}

// ValidText checks a name or free text: valid UTF-8, at most max
// characters, and no control, line-separator or bidirectional-override
// character (which would rewrite a terminal or reorder what an operator
// reads in an email or a log).
func ValidText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, field)
	}
	if utf8.RuneCountInString(s) > max {
		return fmt.Errorf("%w: %s is longer than %d characters", ErrInvalid, field, max)
	}
	for _, r := range s {
		if forbiddenRune(r) {
			return fmt.Errorf("%w: %s has a control or bidirectional-override character (U+%04X)", ErrInvalid, field, r)
		}
	}
	return nil
}

func forbiddenRune(r rune) bool {
	switch {
	case unicode.IsControl(r): // C0, DEL, C1
		return true
	case r == '\u2028' || r == '\u2029': // line and paragraph separators
		return true
	case '\u202A' <= r && r <= '\u202E', '\u2066' <= r && r <= '\u2069': // embeddings, overrides, isolates
		return true
	case r == '\u200E' || r == '\u200F' || r == '\u061C': // directional marks
		return true
	}
	return false
}

// validAddressText checks an address's free-text parts.
func validAddressText(field string, a Address) error {
	for _, p := range []struct{ name, v string }{{"houseNumber", a.HouseNumber}, {"street", a.Street}, {"city", a.City},
		{"region", a.Region}, {"postalCode", a.PostalCode}, {"country", a.Country}, {"detail", a.Detail}} {
		if err := ValidText(field+"."+p.name, p.v, MaxTextLength); err != nil {
			return err
		}
	}
	return nil
}

// validInput checks a call event's ids and free text where present (which
// are required is Validate's to say).
func (e CallEvent) validInput() error {
	for _, id := range []struct{ field, v string }{{"callId", e.CallID}, {"agentId", e.AgentID}, {"siteId", e.SiteID}} {
		if err := ValidOptionalID(id.field, id.v); err != nil {
			return err
		}
	}
	for _, t := range []struct{ field, v string }{{"location", e.Location}, {"from", e.From}, {"to", e.To}} {
		if err := ValidText(t.field, t.v, MaxTextLength); err != nil {
			return err
		}
	}
	return nil
}
