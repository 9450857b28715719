package emailtemplate_test

import (
	"errors"
	"testing"

	"github.com/mayday/mayday/shared/emailtemplate"
	"github.com/mayday/mayday/shared/mayday"
)

// The HTML part may output only the escaped *Html twins, in text, and
// link only to fixed https:// URLs: SES does not escape variables, so a raw
// {{agentName}} would put an agent's name into the mail as markup, and a
// variable in a link would survive escaping ("javascript:…").
func TestHTMLPartRules(t *testing.T) {
	if err := emailtemplate.Default().Check(); err != nil {
		t.Fatalf("the shipped template: %v", err)
	}
	for _, tc := range []struct {
		name, html string
		ok         bool
	}{
		{"escaped twin, triple", `<p>{{{agentNameHtml}}}</p>`, true},
		{"escaped twin, double", `<p>{{agentNameHtml}}</p>`, true},
		{"conditions on either", `{{#if siteName}}<b>{{{siteNameHtml}}}</b>{{else}}-{{/if}}{{#unless locationHtml}}x{{/unless}}`, true},
		{"a comment", `{{! note }}<!-- {{{callIdHtml}}} --><p>x</p>`, true},
		{"a fixed https link", `<a href="https://status.example.com/mayday">status</a><img src='https://example.com/logo.png' alt="">`, true},
		{"a style without url()", `<style>td { color: red }</style><td style="padding:4px">x</td>`, true},
		{"raw double", `<p>{{agentName}}</p>`, false},
		{"raw triple", `<p>{{{agentName}}}</p>`, false},
		{"raw ampersand", `<p>{{&agentName}}</p>`, false},
		{"raw with whitespace control", `<p>{{~agentName~}}</p>`, false},
		{"unknown twin", `<p>{{{passwordHtml}}}</p>`, false},
		{"a partial", `<p>{{> footer}}</p>`, false},
		{"each", `{{#each contacts}}{{this}}{{/each}}`, false},
		{"a lookup path", `<p>{{../agentNameHtml}}</p>`, false},
		{"a variable in a link", `<a href="{{{agentEmailHtml}}}">mail</a>`, false},
		{"a variable in mailto", `<a href="mailto:{{{agentEmailHtml}}}">mail</a>`, false},
		{"a variable in an attribute", `<td title="{{{agentNameHtml}}}">x</td>`, false},
		{"an http link", `<a href="http://evil.example">x</a>`, false},
		{"a javascript link", `<a href="javascript:alert(1)">x</a>`, false},
		{"a relative link", `<a href="/x">x</a>`, false},
		{"an unquoted link", `<a href=//evil.example>x</a>`, false},
		{"a data image", `<img src="data:image/png;base64,AAAA">`, false},
		{"a script", `<script>var a = 1</script>`, false},
		{"an iframe", `<iframe src="https://example.com"></iframe>`, false},
		{"an event attribute", `<img src="https://example.com/a.png" onerror="alert(1)">`, false},
		{"url() in a style attribute", `<td style="background:url(https://evil.example/t.gif)">x</td>`, false},
		{"a variable in a style element", `<style>td { color: {{{colorHtml}}} }</style>`, false},
		{"a meta refresh", `<meta http-equiv="refresh" content="0;url=https://evil.example">`, false},
		{"an unclosed mustache", `<p>{{agentNameHtml</p>`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tpl := emailtemplate.Default()
			tpl.HTML = tc.html
			err := tpl.Check()
			if (err == nil) != tc.ok {
				t.Fatalf("Check(%q) = %v, want ok=%v", tc.html, err, tc.ok)
			}
			if err != nil && !errors.Is(err, mayday.ErrInvalid) {
				t.Errorf("Check = %v, not ErrInvalid", err)
			}
		})
	}
	// The subject and text parts are not HTML: raw variables are theirs.
	tpl := emailtemplate.Default()
	tpl.Subject, tpl.Text = "{{agentName}} at {{siteName}}", "{{agentName}} {{{location}}}"
	if err := tpl.Check(); err != nil {
		t.Errorf("raw variables in the subject and text: %v", err)
	}
}
