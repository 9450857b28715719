package lambdarie

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// MatchFilter reports whether a log event matches a CloudWatch Logs JSON
// filter pattern as a metric filter evaluates it: `{ $.a = "x" && ($.b = 401
// || $.b != 403) }`, with =, !=, <, <=, >, >= on strings and numbers, && and
// || and parentheses. A pattern outside that subset is an error, so that a
// filter the stack adds later fails the test instead of counting nothing.
// An event that is not JSON matches no JSON pattern, as in CloudWatch.
func MatchFilter(pattern, event string) (bool, error) {
	p := &filterParser{src: strings.TrimSpace(pattern)}
	if !p.eat("{") {
		return false, fmt.Errorf("filter pattern %q: only JSON patterns ({ … }) are supported", pattern)
	}
	expr, err := p.or()
	if err != nil {
		return false, fmt.Errorf("filter pattern %q: %w", pattern, err)
	}
	if !p.eat("}") || strings.TrimSpace(p.src[p.pos:]) != "" {
		return false, fmt.Errorf("filter pattern %q: unexpected %q", pattern, p.src[p.pos:])
	}
	var doc any
	if err := json.Unmarshal([]byte(event), &doc); err != nil {
		return false, nil
	}
	return expr(doc), nil
}

type filterParser struct {
	src string
	pos int
}

func (p *filterParser) skip() {
	for p.pos < len(p.src) && unicode.IsSpace(rune(p.src[p.pos])) {
		p.pos++
	}
}

func (p *filterParser) eat(tok string) bool {
	p.skip()
	if strings.HasPrefix(p.src[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

type matcher func(doc any) bool

func (p *filterParser) or() (matcher, error) {
	left, err := p.and()
	for err == nil && p.eat("||") {
		var right matcher
		if right, err = p.and(); err == nil {
			l := left
			left = func(d any) bool { return l(d) || right(d) }
		}
	}
	return left, err
}

func (p *filterParser) and() (matcher, error) {
	left, err := p.term()
	for err == nil && p.eat("&&") {
		var right matcher
		if right, err = p.term(); err == nil {
			l := left
			left = func(d any) bool { return l(d) && right(d) }
		}
	}
	return left, err
}

func (p *filterParser) term() (matcher, error) {
	if p.eat("(") {
		m, err := p.or()
		if err == nil && !p.eat(")") {
			err = fmt.Errorf("missing ) at %d", p.pos)
		}
		return m, err
	}
	p.skip()
	if !p.eat("$.") {
		return nil, fmt.Errorf("want a $. selector at %d", p.pos)
	}
	start := p.pos
	for p.pos < len(p.src) && (p.src[p.pos] == '.' || p.src[p.pos] == '_' ||
		unicode.IsLetter(rune(p.src[p.pos])) || unicode.IsDigit(rune(p.src[p.pos]))) {
		p.pos++
	}
	path := strings.Split(p.src[start:p.pos], ".")
	var op string
	for _, o := range []string{"!=", "<=", ">=", "=", "<", ">"} {
		if p.eat(o) {
			op = o
			break
		}
	}
	if op == "" {
		return nil, fmt.Errorf("want a comparison after $.%s", strings.Join(path, "."))
	}
	p.skip()
	if p.eat(`"`) {
		end := strings.IndexByte(p.src[p.pos:], '"')
		if end < 0 || (op != "=" && op != "!=") {
			return nil, fmt.Errorf("string comparison at %d", p.pos)
		}
		want := p.src[p.pos : p.pos+end]
		p.pos += end + 1
		return func(d any) bool {
			s, ok := lookup(d, path).(string)
			return ok && (s == want) == (op == "=")
		}, nil
	}
	start = p.pos
	for p.pos < len(p.src) && strings.ContainsRune("-+.0123456789eE", rune(p.src[p.pos])) {
		p.pos++
	}
	want, err := strconv.ParseFloat(p.src[start:p.pos], 64)
	if err != nil {
		return nil, fmt.Errorf("want a quoted string or a number at %d", start)
	}
	return func(d any) bool {
		n, ok := lookup(d, path).(float64)
		if !ok {
			return false
		}
		switch op {
		case "=":
			return n == want
		case "!=":
			return n != want
		case "<":
			return n < want
		case "<=":
			return n <= want
		case ">":
			return n > want
		}
		return n >= want
	}, nil
}

func lookup(d any, path []string) any {
	for _, k := range path {
		m, ok := d.(map[string]any)
		if !ok {
			return nil
		}
		d = m[k]
	}
	return d
}

// MetricFilterCount is what a template's metric filter (by logical id) has
// counted so far, as CloudWatch Logs would: its pattern evaluated on every
// event of its log group, which holds what rules delivered there and what
// the functions logging to it printed.
func (d *Deployment) MetricFilterCount(id string) (int, error) {
	r, ok := d.Template.Resources[id]
	if !ok || r.Type != "AWS::Logs::MetricFilter" {
		return 0, fmt.Errorf("metric filter %s: not in the template", id)
	}
	pattern, _ := r.Properties["FilterPattern"].(string)
	group, _ := r.Properties["LogGroupName"].(map[string]any)["Ref"].(string)
	var lines []string
	for _, e := range d.LogGroupEvents(group) {
		lines = append(lines, string(e))
	}
	for _, fn := range d.Template.OfType("AWS::Lambda::Function") {
		logging, _ := d.Template.Resources[fn].Properties["LoggingConfig"].(map[string]any)
		if ref, _ := logging["LogGroup"].(map[string]any)["Ref"].(string); ref == group && d.Function(fn) != nil {
			lines = append(lines, strings.Split(d.Function(fn).Output(), "\n")...)
		}
	}
	n := 0
	for _, l := range lines {
		ok, err := MatchFilter(pattern, l)
		if err != nil {
			return 0, fmt.Errorf("metric filter %s: %w", id, err)
		}
		if ok {
			n++
		}
	}
	return n, nil
}
