// Package emailtemplate ships the default Emergency Call Notification email
// template and renders templates the way SES does: Handlebars.
//
// SES does not HTML-escape variables when it renders a stored template, so
// escaping cannot be left to the renderer: TemplateData adds, for every
// variable, an escaped twin named <variable>Html, and the HTML part uses only
// those with {{{ }}} (raw in every Handlebars). The result is the same from
// SES, aws-ses-v2-local and the embedded outbox.
package emailtemplate

import (
	"embed"
	"fmt"
	"html"
	"strings"

	"github.com/aymerick/raymond"
)

//go:embed EmergencyCallNotification
var files embed.FS

// Template is an SES email template: a name and its three parts.
type Template struct {
	Name    string
	Subject string
	HTML    string
	Text    string
}

// Rendered is a template filled with data.
type Rendered struct {
	Subject string
	HTML    string
	Text    string
}

// Default returns the template the repo ships, named EmergencyCallNotification.
func Default() Template {
	read := func(f string) string {
		b, err := files.ReadFile("EmergencyCallNotification/" + f)
		if err != nil {
			panic(fmt.Sprintf("emailtemplate: embedded %s: %v", f, err))
		}
		return string(b)
	}
	return Template{Name: "EmergencyCallNotification",
		Subject: strings.TrimSpace(read("subject.txt")), HTML: read("body.html"), Text: read("body.txt")}
}

// Render fills the template's parts with data. A subject never spans lines:
// a line break there would start a new mail header.
func (t Template) Render(data map[string]string) (Rendered, error) {
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

// TemplateData is what a send hands the template: the variables, with line
// breaks folded (a value never spans lines, so never forges a header), plus
// their HTML-escaped twins <variable>Html for the HTML part.
func TemplateData(vars map[string]string) map[string]string {
	out := make(map[string]string, 2*len(vars))
	for k, v := range vars {
		v = strings.Join(strings.FieldsFunc(v, func(r rune) bool { return r == '\r' || r == '\n' }), " ")
		out[k], out[k+"Html"] = v, html.EscapeString(v)
	}
	return out
}
