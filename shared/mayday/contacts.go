package mayday

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"unicode"
)

// maxContacts is SES's limit on recipients of one message.
const maxContacts = 50

// ParseContacts parses emergency contacts as entered in the admin centre:
// addresses separated by semicolons. Each must be a bare address; a bad one is
// named in the error. Duplicates (ignoring case) are dropped.
func ParseContacts(s string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(s, ";") {
		addr := strings.TrimSpace(part)
		if addr == "" {
			continue
		}
		if err := ValidateAddress(addr); err != nil {
			return nil, fmt.Errorf("emergency contact: %w", err)
		}
		out = append(out, addr)
	}
	out = uniqueAddresses(out)
	if len(out) > maxContacts {
		return nil, fmt.Errorf("%w: %d emergency contacts, at most %d", ErrInvalid, len(out), maxContacts)
	}
	return out, nil
}

// uniqueAddresses keeps each address once, ignoring case, in order (in
// place: addrs is the caller's to give).
func uniqueAddresses(addrs []string) []string {
	seen := map[string]bool{}
	return slices.DeleteFunc(addrs, func(a string) bool {
		k := strings.ToLower(a)
		dup := seen[k]
		seen[k] = true
		return dup
	})
}

// ValidateAddress accepts a bare email address (no display name, no control
// characters that could inject headers).
func ValidateAddress(addr string) error {
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Address != addr || a.Name != "" || strings.ContainsAny(addr, "\r\n\t ,<>\"") ||
		strings.IndexFunc(addr, unsafeInAddress) >= 0 ||
		!strings.Contains(addr[strings.LastIndexByte(addr, '@')+1:], ".") {
		return fmt.Errorf("%w: %q is not a valid email address", ErrInvalid, addr)
	}
	return nil
}

// unsafeInAddress reports characters net/mail lets through in a non-ASCII
// local part or domain that must never reach a header: C1 controls such as
// NEL (U+0085), Unicode spaces and the line/paragraph separators U+2028/9,
// and bidi overrides that disguise an address.
func unsafeInAddress(r rune) bool {
	return unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Bidi_Control, r)
}

// ValidateRecipients checks a message's recipients before anything is sent:
// at least one, at most SES's 50, each a bare address (no line break that
// could inject a header).
func ValidateRecipients(to []string) error {
	if len(to) == 0 || len(to) > maxContacts {
		return fmt.Errorf("%w: %d recipients, want 1 to %d", ErrInvalid, len(to), maxContacts)
	}
	for _, a := range to {
		if err := ValidateAddress(a); err != nil {
			return fmt.Errorf("recipient: %w", err)
		}
	}
	return nil
}
