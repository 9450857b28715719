// Package render renders email templates the way SES does: Handlebars
// (raymond). It is kept apart from package emailtemplate because raymond's
// reflection would keep every exported method of every SDK client in the
// binaries that only send (SES renders there).
package render

import (
	"fmt"
	"strings"

	"github.com/aymerick/raymond"

	"github.com/mayday/mayday/shared/emailtemplate"
)

// Rendered is a template filled with data.
type Rendered struct {
	Subject string
	HTML    string
	Text    string
}

// Render fills the template's parts with data. A subject never spans lines:
// a line break there would start a new mail header.
func Render(t emailtemplate.Template, data map[string]string) (Rendered, error) {
	var r Rendered
	for _, p := range []struct {
		name string
		src  string
		dst  *string
	}{{"subject", t.Subject, &r.Subject}, {"html", t.HTML, &r.HTML}, {"text", t.Text, &r.Text}} {
		out, err := raymond.Render(p.src, data)
		if err != nil {
			return Rendered{}, fmt.Errorf("template %s: %s: %w", t.Name, p.name, err)
		}
		*p.dst = out
	}
	r.Subject = strings.Join(strings.Fields(r.Subject), " ")
	return r, nil
}
