package mayday

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Fuzz targets for the parsers that take what people type: dialled numbers
// and emergency-contact lists. Seeds are here (f.Add) and under
// testdata/fuzz/<target>/. Each target checks properties, not just "no panic".

// dialPunct is what NormaliseDialed drops.
const dialPunct = " -.()\t"

// punctuate inserts dialler punctuation between the runes of s as seed says,
// copying s's bytes through untouched (even invalid UTF-8).
func punctuate(s string, seed []byte) string {
	if len(seed) == 0 {
		return s
	}
	var b strings.Builder
	for i := 0; ; i++ {
		if k := seed[i%len(seed)]; k&1 == 1 {
			b.WriteByte(dialPunct[int(k>>1)%len(dialPunct)])
		}
		if s == "" {
			return b.String()
		}
		_, size := utf8.DecodeRuneInString(s)
		b.WriteString(s[:size])
		s = s[size:]
	}
}

func dialSeeds(f *testing.F) {
	for _, s := range []string{"911", "9-911", "9911", "(9) 911", "9.9.1.1", "+1 911", "+1 (425) 555-0100",
		"９１１", "9\u00a0911", "933", "9-933", "112", "999", "000", "*67 911", "#911", "", "9", "99", "\xff911",
		"9\t1\t1", "((((911))))", "1-800-FLOWERS"} {
		f.Add(s, []byte{1, 3, 0, 5})
	}
}

func FuzzNormaliseDialed(f *testing.F) {
	dialSeeds(f)
	f.Fuzz(func(t *testing.T, s string, seed []byte) {
		n := NormaliseDialed(s)
		if again := NormaliseDialed(n); again != n {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, n, again)
		}
		for _, r := range n {
			if !(r >= '0' && r <= '9' || r == '+' || r == '*' || r == '#') {
				t.Fatalf("NormaliseDialed(%q) = %q holds %q", s, n, r)
			}
		}
		// Exactly the punctuation is dropped; anything else empties it.
		want, valid := "", utf8.ValidString(s)
		for _, r := range s {
			switch {
			case strings.ContainsRune(dialPunct, r):
			case r >= '0' && r <= '9' || r == '+' || r == '*' || r == '#':
				want += string(r)
			default:
				valid = false
			}
		}
		if !valid {
			want = ""
		}
		if n != want {
			t.Fatalf("NormaliseDialed(%q) = %q, want %q", s, n, want)
		}
		if p := punctuate(s, seed); NormaliseDialed(p) != n {
			t.Fatalf("punctuation changed the number: %q -> %q, %q -> %q", s, n, p, NormaliseDialed(p))
		}
		// ParseE164 accepts only what normalises to E.164, and is stable.
		e, err := ParseE164(s)
		switch {
		case err != nil && !errors.Is(err, ErrInvalid):
			t.Fatalf("ParseE164(%q) error %v does not wrap ErrInvalid", s, err)
		case err == nil && (e != n || !e164.MatchString(e)):
			t.Fatalf("ParseE164(%q) = %q; normalised %q", s, e, n)
		case err == nil:
			if again, err := ParseE164(e); err != nil || again != e {
				t.Fatalf("ParseE164(%q) = %q, %v; want it back", e, again, err)
			}
		}
	})
}

func FuzzClassify(f *testing.F) {
	for _, c := range []string{"US", "us", " gb ", "UK", "DK", "CA", "PR", "FR", "", "zz"} {
		for _, s := range []string{"911", "9-911", "(9) 911", "+1 911", "９１１", "933", "9 112", "999", "110", "9110"} {
			f.Add(s, c, "9", []byte{1, 7})
		}
	}
	f.Add("00-911", "US", "00", []byte{3})
	f.Add("911", "US", "91", []byte{})
	f.Add("8 999", "GB", "8", []byte{255})
	f.Add("9911", "US", "", []byte{0})
	f.Add("*911", "US", "*", []byte{9})
	f.Fuzz(func(t *testing.T, s, country, prefix string, seed []byte) {
		rules := DialRules{Prefix: prefix}
		got := rules.Classify(s, country)
		cc, n, p := NormaliseCountry(country), NormaliseDialed(s), NormaliseDialed(prefix)
		list := emergencyNumbers[cc]
		if got.Country != cc {
			t.Fatalf("Classify(%q, %q).Country = %q, want %q", s, country, got.Country, cc)
		}
		withoutPrefix := ""
		if p != "" && len(n) > len(p) && strings.HasPrefix(n, p) {
			withoutPrefix = n[len(p):]
		}
		if got.Emergency {
			// Only a listed number, dialled alone or after the prefix.
			if got.Reason != "" || !slices.Contains(list, got.Number) || (got.Number != n && got.Number != withoutPrefix) {
				t.Fatalf("Classify(%q, %q, prefix %q) = %+v: %q (minus prefix %q) is not an emergency number of %q %v",
					s, country, prefix, got, n, withoutPrefix, cc, list)
			}
		} else {
			switch {
			case slices.Contains(list, n), withoutPrefix != "" && slices.Contains(list, withoutPrefix):
				t.Fatalf("Classify(%q, %q, prefix %q) = %+v: an emergency number of %q was missed", s, country, prefix, got, cc)
			case got.Reason == ReasonNotEmergencyNumber:
			case got.Reason == ReasonTestCall && slices.Contains(testNumbers[cc], got.Number):
			case got.Reason == ReasonLocationUnsupported && !SupportedCountry(cc) && slices.Contains(recognisedElsewhere, got.Number):
			default:
				t.Fatalf("Classify(%q, %q) = %+v: inconsistent reason", s, country, got)
			}
		}
		if SupportedCountry(cc) != (len(list) > 0) {
			t.Fatalf("SupportedCountry(%q) disagrees with its list %v", cc, list)
		}
		// Punctuation anywhere, in the number or the prefix, changes nothing.
		if again := (DialRules{Prefix: punctuate(prefix, seed)}).Classify(punctuate(s, seed), country); again != got {
			t.Fatalf("punctuation changed the verdict: %q -> %+v, %q -> %+v", s, got, punctuate(s, seed), again)
		}
		// Every known emergency number, punctuated as seed says, with or
		// without the prefix, is an emergency in its country.
		for c, nums := range emergencyNumbers {
			for _, num := range nums {
				for _, dial := range []string{num, p + num} {
					d := punctuate(dial, seed)
					if v := rules.Classify(d, strings.ToLower(c)); !v.Emergency || v.Number != num {
						t.Fatalf("Classify(%q, %q, prefix %q) = %+v, want emergency %s", d, c, prefix, v, num)
					}
				}
			}
		}
	})
}

// isUnsafeAddressRune is what must never reach a mail header: line breaks,
// any control character, any Unicode space, list and angle punctuation.
func isUnsafeAddressRune(r rune) bool {
	return unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Bidi_Control, r) ||
		strings.ContainsRune(",;<>\"", r)
}

func FuzzParseContacts(f *testing.F) {
	for _, s := range []string{
		"sup@example.com; desk@example.com",
		"a@b.com\r\nBcc: x@y.com",
		"a@b.com\nBcc:x@y.com",
		"a@b.com;\r\nBcc: x@y.com",
		"A@B.com; a@b.com;a@B.COM",
		"Name <a@b.com>",
		"a@b.com, c@d.com",
		";;; ;",
		"",
		`"x y"@b.com`,
		"a@b",
		"a@b.com\u0085",
		"a\u2028b@x.com",
		"a\u202eb@x.com",
		"a\xffb@x.com",
		"a(comment)@b.com",
		"a@[192.0.2.1]",
		"ä@exämple.com",
		strings.Repeat("x@y.com;", 3) + strings.Repeat("u@v.org; ", 2),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		list, err := ParseContacts(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) || list != nil {
				t.Fatalf("ParseContacts(%q) = %q, %v; want nil and an error wrapping ErrInvalid", s, list, err)
			}
			return
		}
		if len(list) > maxContacts {
			t.Fatalf("ParseContacts(%q): %d contacts", s, len(list))
		}
		seen := map[string]bool{}
		for _, a := range list {
			if err := ValidateAddress(a); err != nil {
				t.Fatalf("ParseContacts(%q) returned %q, which ValidateAddress refuses: %v", s, a, err)
			}
			if i := strings.IndexFunc(a, isUnsafeAddressRune); i >= 0 || a == "" || !utf8.ValidString(a) {
				t.Fatalf("ParseContacts(%q) returned %q holding an unsafe character at %d", s, a, i)
			}
			if !strings.Contains(s, a) {
				t.Fatalf("ParseContacts(%q) invented %q", s, a)
			}
			if k := strings.ToLower(a); seen[k] {
				t.Fatalf("ParseContacts(%q) = %q: duplicate %q", s, list, a)
			} else {
				seen[k] = true
			}
		}
		again, err := ParseContacts(strings.Join(list, "; "))
		if err != nil || !slices.Equal(again, list) {
			t.Fatalf("re-parsing %q gave %q, %v", list, again, err)
		}
		if len(list) > 0 {
			if err := ValidateRecipients(list); err != nil {
				t.Fatalf("ValidateRecipients(%q) = %v after ParseContacts accepted them", list, err)
			}
		}
	})
}

// FuzzValidID: an id is accepted exactly when it matches
// [A-Za-z0-9._:@-]{1,128}, so both stores hold the same ids.
func FuzzValidID(f *testing.F) {
	for _, s := range []string{"a-1", "A.z_0:9@x-y", "", "a\r\nb", "a\x00b", "a\u202eb", "a\xffb", "a b", strings.Repeat("a", 128), strings.Repeat("a", 129)} {
		f.Add(s)
	}
	re := regexp.MustCompile(IDPattern)
	f.Fuzz(func(t *testing.T, id string) {
		err := ValidID("id", id)
		if (err == nil) != re.MatchString(id) {
			t.Fatalf("ValidID(%q) = %v, pattern says %v", id, err, re.MatchString(id))
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("ValidID(%q) = %v, not ErrInvalid", id, err)
		}
		// The refusal does not echo the id: it stays printable ASCII, safe
		// in a log line or a terminal.
		if err != nil && strings.ContainsFunc(err.Error(), func(r rune) bool { return r < 0x20 || r > 0x7e }) {
			t.Fatalf("ValidID(%q) = %q: not printable ASCII", id, err)
		}
	})
}

// FuzzValidText: accepted text is valid UTF-8, within its length, and
// holds no control, line-separator or bidirectional-formatting character.
func FuzzValidText(f *testing.F) {
	for _, s := range []string{"Ada", "Floor 3 — près", "日本", "Ada\x1b[2J", "A\u0085da", "A\u2028da", "a\u202eb", "a\u2066b", "\xff", strings.Repeat("x", 101)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidText("name", s, MaxNameLength)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ValidText(%q) = %v, not ErrInvalid", s, err)
			}
			return
		}
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxNameLength {
			t.Fatalf("ValidText accepted %q", s)
		}
		for _, r := range s {
			if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
				t.Fatalf("ValidText accepted %q with U+%04X", s, r)
			}
		}
	})
}
