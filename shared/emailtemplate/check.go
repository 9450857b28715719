package emailtemplate

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/mayday/mayday/shared/mayday"
)

// The HTML part's rules, since SES does not escape variables and a
// template is pushed by operators (the console, mayday template push):
//
//   - a value is output only from an escaped twin, {{{<variable>Html}}} (or
//     {{<variable>Html}}) of a variable the notification sends; a raw
//     {{agentName}}, {{{agentName}}} or {{&agentName}} is refused;
//   - besides outputs, only {{#if x}}, {{#unless x}}, {{else}}, {{/if}},
//     {{/unless}} and {{! comments }}: no partials, no other helpers;
//   - a variable appears only in text, never inside a tag: an escaped
//     value is safe as text, not as a URL ("javascript:…" survives
//     escaping) or an unquoted attribute;
//   - a link or resource (href, src, action, …) is a fixed https:// URL;
//     no script, iframe, object, embed, form, base, meta or link element,
//     no on… event attribute, no url() in a style.
//
// The subject and text parts are not HTML: any variable may appear there.

// knownVariables are the variables a notification sends.
var knownVariables = func() map[string]bool {
	out := map[string]bool{}
	for k := range (mayday.NotificationData{}).Map() {
		out[k] = true
	}
	return out
}()

var (
	mustache   = regexp.MustCompile(`\{\{\{?~?\s*(.*?)\s*~?\}?\}\}`)
	identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	attribute  = regexp.MustCompile(`([^\s=/>"']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?`)
	tagName    = regexp.MustCompile(`^</?\s*([A-Za-z][A-Za-z0-9:-]*)`)
)

// urlAttributes hold a URL that the mail client follows or loads.
var urlAttributes = map[string]bool{"href": true, "src": true, "action": true, "formaction": true, "background": true,
	"poster": true, "srcset": true, "cite": true, "xlink:href": true, "data": true, "ping": true, "longdesc": true,
	"usemap": true, "lowsrc": true, "dynsrc": true, "codebase": true, "manifest": true, "profile": true}

// refusedElements run code, load other documents or redirect.
var refusedElements = map[string]bool{"script": true, "iframe": true, "frame": true, "object": true, "embed": true,
	"applet": true, "form": true, "base": true, "meta": true, "link": true, "svg": true, "math": true}

// Check applies the HTML part's rules above, naming what breaks one.
func (t Template) Check() error {
	if err := checkHTML(t.HTML); err != nil {
		return fmt.Errorf("%w: html part: %w", mayday.ErrInvalid, err)
	}
	return nil
}

func checkHTML(s string) error {
	for rest := s; rest != ""; {
		lt := strings.IndexByte(rest, '<')
		if lt < 0 {
			return checkText(rest)
		}
		if err := checkText(rest[:lt]); err != nil {
			return err
		}
		rest = rest[lt:]
		if strings.HasPrefix(rest, "<!--") {
			end := strings.Index(rest, "-->")
			if end < 0 {
				return fmt.Errorf("an unclosed comment")
			}
			if err := checkText(rest[4:end]); err != nil {
				return err
			}
			rest = rest[end+3:]
			continue
		}
		end := tagEnd(rest)
		if end < 0 {
			return fmt.Errorf("an unclosed tag %.40q", rest)
		}
		tag := rest[:end+1]
		rest = rest[end+1:]
		name, err := checkTag(tag)
		if err != nil {
			return err
		}
		if name == "style" && !strings.HasPrefix(tag, "</") { // its text is CSS up to </style>
			close := strings.Index(strings.ToLower(rest), "</style")
			if close < 0 {
				return fmt.Errorf("an unclosed style element")
			}
			css := rest[:close]
			if strings.Contains(css, "{{") || strings.Contains(strings.ToLower(css), "url(") || strings.Contains(strings.ToLower(css), "@import") {
				return fmt.Errorf("a style element with a variable, url() or @import")
			}
			rest = rest[close:]
		}
	}
	return nil
}

// tagEnd is the index of the '>' closing the tag s starts with, outside
// quotes; -1 when none.
func tagEnd(s string) int {
	var quote byte
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i
		}
	}
	return -1
}

// checkTag checks one tag and returns its element name, lower-cased.
func checkTag(tag string) (string, error) {
	if strings.Contains(tag, "{{") {
		return "", fmt.Errorf("a variable inside the tag %.60q: variables go in text only", tag)
	}
	m := tagName.FindStringSubmatch(tag)
	if m == nil {
		if strings.HasPrefix(tag, "<!") { // a doctype
			return "", nil
		}
		return "", fmt.Errorf("a malformed tag %.40q", tag)
	}
	name := strings.ToLower(m[1])
	if refusedElements[name] {
		return "", fmt.Errorf("a %s element", name)
	}
	inner := strings.TrimSuffix(strings.TrimSuffix(tag[len(m[0]):], ">"), "/")
	for _, a := range attribute.FindAllStringSubmatch(inner, -1) {
		key := strings.ToLower(a[1])
		value := strings.Trim(a[2], `"'`)
		switch {
		case strings.HasPrefix(key, "on"):
			return "", fmt.Errorf("the event attribute %s on %s", key, name)
		case urlAttributes[key] && !fixedHTTPS(value):
			return "", fmt.Errorf("%s=%.60q on %s: a link or resource must be a fixed https:// URL", key, value, name)
		case key == "style" && (strings.Contains(strings.ToLower(value), "url(") || strings.Contains(strings.ToLower(value), "expression(")):
			return "", fmt.Errorf("url() in the style of %s", name)
		}
	}
	return name, nil
}

func fixedHTTPS(v string) bool {
	v = strings.TrimSpace(v)
	return strings.HasPrefix(strings.ToLower(v), "https://") && !strings.ContainsAny(v, " \t\r\n")
}

// checkText checks the mustaches of text between tags.
func checkText(s string) error {
	if strings.Count(s, "{{") != len(mustache.FindAllStringIndex(s, -1)) {
		return fmt.Errorf("an unclosed or nested {{ in %.60q", s)
	}
	for _, m := range mustache.FindAllStringSubmatch(s, -1) {
		if err := checkMustache(m[0], m[1]); err != nil {
			return err
		}
	}
	return nil
}

func checkMustache(whole, inner string) error {
	switch {
	case strings.HasPrefix(inner, "!"), inner == "else", inner == "/if", inner == "/unless":
		return nil
	}
	for _, block := range []string{"#if ", "#unless "} {
		if arg, ok := strings.CutPrefix(inner, block); ok {
			arg = strings.TrimSpace(arg)
			if knownVariables[arg] || knownVariables[strings.TrimSuffix(arg, "Html")] && strings.HasSuffix(arg, "Html") {
				return nil
			}
			return fmt.Errorf("%s: not a variable the notification sends", whole)
		}
	}
	if !identifier.MatchString(inner) {
		return fmt.Errorf("%s: only {{{<variable>Html}}}, #if, #unless, else and comments are allowed", whole)
	}
	base, escaped := strings.CutSuffix(inner, "Html")
	switch {
	case !escaped && knownVariables[inner]:
		return fmt.Errorf("%s: the raw variable; use its escaped twin {{{%sHtml}}}", whole, inner)
	case !escaped || !knownVariables[base]:
		return fmt.Errorf("%s: not a variable the notification sends", whole)
	}
	return nil
}
