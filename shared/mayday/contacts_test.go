package mayday

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseContacts(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string // a part of the error naming the bad address
	}{
		{"sup@example.com; desk@example.com", []string{"sup@example.com", "desk@example.com"}, ""},
		{"sup@example.com;desk@example.com;", []string{"sup@example.com", "desk@example.com"}, ""},
		{"  sup@example.com  ", []string{"sup@example.com"}, ""},
		{"Sup@Example.com; sup@example.com", []string{"Sup@Example.com"}, ""},
		{"", nil, ""},
		{" ; ; ", nil, ""},
		{"sup@example.com; not-an-address", nil, `"not-an-address"`},
		{"sup@example.com, desk@example.com", nil, `"sup@example.com, desk@example.com"`},
		{"Sup <sup@example.com>", nil, `"Sup <sup@example.com>"`},
		{"sup@localhost", nil, `"sup@localhost"`},
		{"a@example.com\r\nBcc: evil@example.com", nil, "not a valid email address"},
		{"a b@example.com", nil, `"a b@example.com"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseContacts(tt.in)
			if tt.wantErr != "" {
				if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseContacts(%q) error = %v, want ErrInvalid naming %s", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("ParseContacts(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseContactsLimit(t *testing.T) {
	var b strings.Builder
	for i := range 51 {
		b.WriteString("c" + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + "@example.com;")
	}
	if _, err := ParseContacts(b.String()); !errors.Is(err, ErrInvalid) {
		t.Fatalf("51 contacts: err = %v, want ErrInvalid", err)
	}
}
