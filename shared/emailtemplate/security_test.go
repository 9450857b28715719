package emailtemplate_test

import (
	"html"
	"strings"
	"testing"

	"github.com/mayday/mayday/shared/emailtemplate"
	"github.com/mayday/mayday/shared/emailtemplate/render"
)

// TestEveryVariableEscapedInHTML puts markup into each template variable in
// turn: the HTML part shows it escaped, never raw; the text part shows it as
// typed (text/plain has no markup); line breaks never survive anywhere.
// SES does not escape stored-template variables, so this is the only guard.
func TestEveryVariableEscapedInHTML(t *testing.T) {
	payloads := []string{
		`<script>alert("x")</script>`,
		`"><img src=x onerror=alert(1)>`,
		`' onmouseover='alert(1)`,
		`</td></tr></table><a href="https://evil.example">click</a>`,
		`&lt;b&gt; already escaped & more`,
		"line\r\n<b>Bcc: x@y.com</b>",
	}
	for _, k := range variables {
		for _, p := range payloads {
			t.Run(k+"/"+p, func(t *testing.T) {
				d := fullData()
				d[k] = p
				r, err := render.Render(emailtemplate.Default(), emailtemplate.TemplateData(d))
				if err != nil {
					t.Fatal(err)
				}
				folded := fold(p)
				if escaped := html.EscapeString(folded); !strings.Contains(r.HTML, escaped) {
					t.Errorf("HTML does not show %s escaped as %q:\n%s", k, escaped, r.HTML)
				}
				for _, raw := range []string{"<script", "<img", "<a ", "onmouseover='", "</td></tr></table><a", "<b>"} {
					if strings.Contains(r.HTML, raw) {
						t.Errorf("HTML holds raw %q from %s:\n%s", raw, k, r.HTML)
					}
				}
				if !strings.Contains(r.Text, folded) {
					t.Errorf("text does not show %s as %q:\n%s", k, folded, r.Text)
				}
				if strings.ContainsAny(r.Subject, "\r\n") || strings.Contains(r.HTML, "\r") || strings.Contains(r.Text, "\r") {
					t.Errorf("a line break from %s survived: subject %q", k, r.Subject)
				}
			})
		}
	}
}
