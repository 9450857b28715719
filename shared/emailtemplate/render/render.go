// Package render renders email templates the way SES does: Handlebars
// (raymond). It is kept apart from package emailtemplate because raymond's
// reflection would keep every exported method of every SDK client in the
// binaries that only send (SES renders there).
package render

import (
	"fmt"
	"strings"
	"sync"

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
	return renderWith(t, data, parse)
}

// Preview renders as Render does but keeps no parsed source: an editor's
// every keystroke is a new source, which the cache would keep forever.
func Preview(t emailtemplate.Template, data map[string]string) (Rendered, error) {
	return renderWith(t, data, raymond.Parse)
}

func renderWith(t emailtemplate.Template, data map[string]string, parse func(string) (*raymond.Template, error)) (Rendered, error) {
	var r Rendered
	for _, p := range []struct {
		name string
		src  string
		dst  *string
	}{{"subject", t.Subject, &r.Subject}, {"html", t.HTML, &r.HTML}, {"text", t.Text, &r.Text}} {
		tpl, err := parse(p.src)
		if err != nil {
			return Rendered{}, fmt.Errorf("template %s: %s: %w", t.Name, p.name, err)
		}
		out, err := tpl.Exec(data)
		if err != nil {
			return Rendered{}, fmt.Errorf("template %s: %s: %w", t.Name, p.name, err)
		}
		*p.dst = out
	}
	r.Subject = strings.Join(strings.Fields(r.Subject), " ")
	return r, nil
}

// parsed keeps each template source parsed once: parsing is most of a
// render's cost, and the local runner renders every email it sends.
var parsed sync.Map // source → *raymond.Template

func parse(src string) (*raymond.Template, error) {
	if t, ok := parsed.Load(src); ok {
		return t.(*raymond.Template), nil
	}
	t, err := raymond.Parse(src)
	if err != nil {
		return nil, err
	}
	parsed.Store(src, t)
	return t, nil
}
