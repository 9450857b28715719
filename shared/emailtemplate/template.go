// Package emailtemplate ships the default Emergency Call Notification email
// template, and the template data every mailer sends (package render renders
// it the way SES does: Handlebars).
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

	"github.com/mayday/mayday/shared/mayday"
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

// Default returns the template the repo ships, under the name the
// notification sends with (mayday.TemplateName).
func Default() Template {
	read := func(f string) string {
		b, err := files.ReadFile("EmergencyCallNotification/" + f)
		if err != nil {
			panic(fmt.Sprintf("emailtemplate: embedded %s: %v", f, err))
		}
		return string(b)
	}
	return Template{Name: mayday.TemplateName,
		Subject: strings.TrimSpace(read("subject.txt")), HTML: read("body.html"), Text: read("body.txt")}
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
