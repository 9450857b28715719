package mayday

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// Header injection through recipients: an emergency contact is entered by an
// operator, stored, and later handed to SES as a recipient. A line break or
// a second address smuggled into one contact must be refused both where the
// list is entered (ParseContacts) and where the email is sent
// (ValidateRecipients), so a stored value that bypassed the first check still
// cannot add a Bcc or a header.
func TestRecipientHeaderInjection(t *testing.T) {
	attacks := []string{
		"a@b.com\r\nBcc: x@y.com",
		"a@b.com\nBcc: x@y.com",
		"a@b.com\rBcc:x@y.com",
		"a@b.com\r\n\r\nbody",
		"a@b.com\nBcc:x@y.com",
		"a@b.com,x@y.com",
		"a@b.com, x@y.com",
		"Boss <a@b.com>",
		"<a@b.com>",
		"\"a@b.com\r\nBcc: x\"@y.com",
		"a\x00@b.com",
		"a@b.com\tBcc:x@y.com",
		"a\u0085Bcc:x@y.com",         // NEL, a C1 control
		"a@b.com\u2028Bcc:x@y.com",   // Unicode line separator
		"a@b.com\u2029Bcc:x@y.com",   // paragraph separator
		"a\u00a0@b.com",              // no-break space
		"moc.evil\u202e@example.com", // bidi override disguising the address
	}
	for _, in := range attacks {
		t.Run(in, func(t *testing.T) {
			if got, err := ParseContacts("ok@example.com; " + in); !errors.Is(err, ErrInvalid) {
				t.Errorf("ParseContacts accepted %q: %q, %v", in, got, err)
			}
			if err := ValidateRecipients([]string{"ok@example.com", in}); !errors.Is(err, ErrInvalid) {
				t.Errorf("ValidateRecipients accepted %q: %v", in, err)
			}
			if err := ValidateAddress(in); !errors.Is(err, ErrInvalid) {
				t.Errorf("ValidateAddress accepted %q", in)
			}
		})
	}
	// Surrounding whitespace (including a trailing CRLF pasted from a
	// spreadsheet) is trimmed by ParseContacts, so nothing of it is stored;
	// the raw value is still refused at send time.
	for _, in := range []string{"a@b.com\r\n", "\r\na@b.com", "\ta@b.com ", "a@b.com\u0085"} {
		got, err := ParseContacts(in)
		if err != nil || !slices.Equal(got, []string{"a@b.com"}) {
			t.Errorf("ParseContacts(%q) = %q, %v; want [a@b.com]", in, got, err)
		}
		if err := ValidateRecipients([]string{in}); !errors.Is(err, ErrInvalid) {
			t.Errorf("ValidateRecipients accepted the raw %q", in)
		}
	}
	for _, ok := range []string{"sup@example.com", "first.last+tag@sub.example.co.uk", "ä@exämple.com"} {
		if err := ValidateRecipients([]string{ok}); err != nil {
			t.Errorf("ValidateRecipients(%q) = %v", ok, err)
		}
	}
	if err := ValidateRecipients(nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("no recipients: %v", err)
	}
	if err := ValidateRecipients(slices.Repeat([]string{"a@b.com"}, maxContacts+1)); !errors.Is(err, ErrInvalid) ||
		!strings.Contains(err.Error(), "recipients") {
		t.Errorf("%d recipients: %v", maxContacts+1, err)
	}
}
