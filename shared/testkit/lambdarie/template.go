package lambdarie

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Template is a synthesized CloudFormation template, read generically: the
// deployment takes the functions' environments, the rules' patterns and
// targets, the asynchronous-invocation configs and the outputs from it,
// never from the code that produced it.
type Template struct {
	Resources map[string]Resource
	Outputs   map[string]struct{ Value any }
}

// Resource is one resource of the template.
type Resource struct {
	Type       string
	Properties map[string]any
}

// ParseTemplate reads a template's JSON.
func ParseTemplate(b []byte) (*Template, error) {
	var t Template
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	return &t, nil
}

// OfType returns the logical ids of the resources of a type, sorted.
func (t *Template) OfType(typ string) []string {
	var ids []string
	for id, r := range t.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// Physical is what a logical resource is in the local deployment: its Ref
// value and its attributes (Arn, …).
type Physical struct {
	Ref   string
	Attrs map[string]string
}

// Pseudo parameters as a stack in us-east-1 of account 123456789012 sees them.
var pseudo = map[string]string{
	"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws",
	"AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "Mayday", "AWS::NoValue": "",
}

// Resolve evaluates a property value to a string: literals, Ref (resources
// and pseudo parameters), Fn::GetAtt and Fn::Join. Anything else is an
// error naming it, so that a template the deployment cannot honour fails the
// test rather than starting a function with a guessed value.
func Resolve(v any, phys map[string]Physical) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64, bool:
		return fmt.Sprint(x), nil
	case map[string]any:
		if len(x) != 1 {
			break
		}
		if id, ok := x["Ref"].(string); ok {
			if p, ok := pseudo[id]; ok {
				return p, nil
			}
			if p, ok := phys[id]; ok {
				return p.Ref, nil
			}
			return "", fmt.Errorf("Ref %s: no local stand-in for it", id)
		}
		if ga, ok := x["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
			id, _ := ga[0].(string)
			attr, _ := ga[1].(string)
			if v, ok := phys[id].Attrs[attr]; ok {
				return v, nil
			}
			return "", fmt.Errorf("Fn::GetAtt %s.%s: no local stand-in for it", id, attr)
		}
		if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
			sep, _ := j[0].(string)
			parts, _ := j[1].([]any)
			out := make([]string, len(parts))
			for i, p := range parts {
				s, err := Resolve(p, phys)
				if err != nil {
					return "", err
				}
				out[i] = s
			}
			return strings.Join(out, sep), nil
		}
	}
	b, _ := json.Marshal(v)
	return "", fmt.Errorf("cannot resolve %s locally", b)
}

// refersTo reports the logical id a Ref or Fn::GetAtt value names, or "".
func refersTo(v any) string {
	m, _ := v.(map[string]any)
	if id, ok := m["Ref"].(string); ok {
		return id
	}
	if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
		id, _ := ga[0].(string)
		return id
	}
	return ""
}

// path reads nested properties: path(p, "Environment", "Variables").
func path(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
