package lambdarie

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// DynamoDB under the functions' roles: with Options.EnforceIAM each
// function reaches DynamoDB Local through an authoriser of its own that
// allows a request only if a statement of the role's policies in the
// template does, as IAM would: the action, the table or index ARN, and the
// dynamodb:LeadingKeys condition (ForAllValues:StringLike/StringEquals).
// A request none allows is answered AccessDeniedException, as DynamoDB
// answers it, and recorded. A batch's keys must all be allowed by one
// statement; a transaction's items are authorised one by one, each as its
// own action (Put as PutItem, ...).

// Statement is an IAM statement as far as the authoriser reads it.
type Statement struct {
	Actions   []string
	Resources []string
	// LeadingKeys is the statement's dynamodb:LeadingKeys patterns (nil:
	// no such condition); Unsupported names a condition it cannot judge,
	// which makes the statement allow nothing.
	LeadingKeys []string
	// StringEquals is the statement's StringEquals condition on keys of
	// the request's context (iam:PassedToService, say).
	StringEquals map[string][]string
	Unsupported  string
}

// Request is one authorisation: an action on a resource, with the
// partition keys it names (none for an index read or a scan).
type Request struct {
	Action   string
	Resource string
	Keys     []string
}

// Allowed reports whether a statement allows the request.
func Allowed(sts []Statement, r Request) bool { return AllowedIn(sts, r, nil) }

// AllowedIn reports whether a statement allows the request made in a
// context: the condition keys' values (iam:PassedToService, ...).
func AllowedIn(sts []Statement, r Request, context map[string]string) bool {
	return slices.ContainsFunc(sts, func(s Statement) bool {
		if s.Unsupported != "" || !slices.ContainsFunc(s.Actions, func(a string) bool { return globMatch(a, r.Action) }) ||
			!slices.ContainsFunc(s.Resources, func(p string) bool { return globMatch(p, r.Resource) }) {
			return false
		}
		for k, vs := range s.StringEquals {
			if v, ok := context[k]; !ok || !slices.Contains(vs, v) {
				return false
			}
		}
		if s.LeadingKeys == nil {
			return true
		}
		// ForAllValues: every key must match a pattern (no key: true).
		for _, k := range r.Keys {
			if !slices.ContainsFunc(s.LeadingKeys, func(p string) bool { return globMatch(p, k) }) {
				return false
			}
		}
		return true
	})
}

// globMatch is IAM's wildcard match: * any run, ? one character.
func globMatch(pattern, s string) bool {
	re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	ok, _ := regexp.MatchString(re, s)
	return ok
}

// roleStatements reads the DynamoDB statements of the policies attached to
// the function's role.
func (d *Deployment) roleStatements(function string) ([]Statement, error) {
	return d.policyStatements(refersTo(d.Template.Resources[function].Properties["Role"]), "dynamodb:")
}

// policyStatements reads the Allow statements of the policies attached to
// a role (by logical id) with an action of one of the services (prefixes
// such as "dynamodb:").
func (d *Deployment) policyStatements(role string, services ...string) ([]Statement, error) {
	var out []Statement
	for _, id := range d.Template.OfType("AWS::IAM::Policy") {
		p := d.Template.Resources[id].Properties
		roles, _ := p["Roles"].([]any)
		if !slices.ContainsFunc(roles, func(r any) bool { return refersTo(r) == role }) {
			continue
		}
		sts, _ := path(p, "PolicyDocument", "Statement").([]any)
		for _, raw := range sts {
			st, _ := raw.(map[string]any)
			if st["Effect"] != "Allow" {
				continue
			}
			s := Statement{Actions: strs(st["Action"])}
			if !slices.ContainsFunc(s.Actions, func(a string) bool {
				return slices.ContainsFunc(services, func(p string) bool { return strings.HasPrefix(a, p) })
			}) {
				continue
			}
			for _, r := range list(st["Resource"]) {
				arn, err := Resolve(r, d.Physical)
				if err != nil {
					return nil, fmt.Errorf("policy %s: %w", id, err)
				}
				s.Resources = append(s.Resources, arn)
			}
			if cond, ok := st["Condition"].(map[string]any); ok {
				for op, kv := range cond {
					keys, _ := kv.(map[string]any)
					for k, v := range keys {
						if k == "dynamodb:LeadingKeys" && (op == "ForAllValues:StringLike" || op == "ForAllValues:StringEquals") {
							s.LeadingKeys = strs(v)
							if op == "ForAllValues:StringEquals" {
								for i, p := range s.LeadingKeys {
									s.LeadingKeys[i] = strings.NewReplacer("*", `\*`, "?", `\?`).Replace(p)
								}
							}
							continue
						}
						if v, err := Resolve(v, d.Physical); err == nil && op == "StringEquals" && strings.HasPrefix(k, "iam:") {
							if s.StringEquals == nil {
								s.StringEquals = map[string][]string{}
							}
							s.StringEquals[k] = append(s.StringEquals[k], v)
							continue
						}
						s.Unsupported = op + " " + k
					}
				}
			}
			out = append(out, s)
		}
	}
	return out, nil
}

func list(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

func strs(v any) []string {
	var out []string
	for _, e := range list(v) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Denial is a DynamoDB request a function's role did not allow.
type Denial struct {
	Function string
	Request
}

// authorizer is one function's way to DynamoDB Local.
type authorizer struct {
	function   string
	statements []Statement
	upstream   *httputil.ReverseProxy
	tables     map[string]string // table name → ARN

	mu      *sync.Mutex
	denied  *[]Denial
	actions map[string]int
}

func (a *authorizer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, ok := rereadable(w, r)
	if !ok {
		return
	}
	_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	reqs, err := a.requests(op, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	for _, q := range reqs {
		ok := Allowed(a.statements, q)
		a.mu.Lock()
		if ok {
			a.actions[q.Action]++
		} else {
			*a.denied = append(*a.denied, Denial{a.function, q})
		}
		a.mu.Unlock()
		if !ok {
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{
				"__type":  "com.amazon.coral.service#AccessDeniedException",
				"message": fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", a.function, q.Action, q.Resource),
			})
			return
		}
	}
	a.upstream.ServeHTTP(w, r)
}

// rereadable reads the request's body and puts it back for the
// upstream; a body that cannot be read is answered 400.
func rereadable(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, true
}

// attrs is a DynamoDB item or key as JSON.
type attrs map[string]map[string]any

// pk is the item's partition key value ("pk", the only key design here).
func (m attrs) pk() string {
	v, _ := m["pk"]["S"].(string)
	return v
}

// requests is what one DynamoDB API call asks IAM for.
func (a *authorizer) requests(op string, body []byte) ([]Request, error) {
	var in struct {
		TableName                 string
		IndexName                 string
		Key, Item                 attrs
		KeyConditionExpression    string
		ExpressionAttributeNames  map[string]string
		ExpressionAttributeValues attrs
		RequestItems              map[string]json.RawMessage
		TransactItems             []map[string]struct {
			TableName string
			Key, Item attrs
		}
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	arn := func(table, index string) string {
		out := a.tables[table]
		if out == "" {
			out = "arn:aws:dynamodb:us-east-1:123456789012:table/" + table
		}
		if index != "" {
			out += "/index/" + index
		}
		return out
	}
	action := "dynamodb:" + op
	switch op {
	case "GetItem", "DeleteItem", "UpdateItem":
		return []Request{{action, arn(in.TableName, ""), []string{in.Key.pk()}}}, nil
	case "PutItem":
		return []Request{{action, arn(in.TableName, ""), []string{in.Item.pk()}}}, nil
	case "Query":
		q := Request{Action: action, Resource: arn(in.TableName, in.IndexName)}
		if in.IndexName == "" {
			q.Keys = []string{partitionOf(in.KeyConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues)}
		}
		return []Request{q}, nil
	case "BatchGetItem", "BatchWriteItem":
		var out []Request
		for table, raw := range in.RequestItems {
			q := Request{Action: action, Resource: arn(table, "")}
			var get struct{ Keys []attrs }
			var write []struct {
				PutRequest    struct{ Item attrs }
				DeleteRequest struct{ Key attrs }
			}
			if op == "BatchGetItem" && json.Unmarshal(raw, &get) == nil {
				for _, k := range get.Keys {
					q.Keys = append(q.Keys, k.pk())
				}
			} else if json.Unmarshal(raw, &write) == nil {
				for _, w := range write {
					q.Keys = append(q.Keys, w.PutRequest.Item.pk()+w.DeleteRequest.Key.pk())
				}
			}
			out = append(out, q)
		}
		return out, nil
	case "TransactWriteItems", "TransactGetItems":
		var out []Request
		for _, item := range in.TransactItems {
			for kind, x := range item {
				act := map[string]string{"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
					"ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}[kind]
				k := x.Key.pk()
				if kind == "Put" {
					k = x.Item.pk()
				}
				out = append(out, Request{"dynamodb:" + act, arn(x.TableName, ""), []string{k}})
			}
		}
		return out, nil
	}
	return []Request{{action, arn(in.TableName, in.IndexName), nil}}, nil
}

// keyEquals finds "<name> = <value>" in a key condition.
var keyEquals = regexp.MustCompile(`([#\w]+)\s*=\s*(:\w+)`)

// partitionOf is the pk value a table query's key condition names.
func partitionOf(cond string, names map[string]string, values attrs) string {
	for _, m := range keyEquals.FindAllStringSubmatch(cond, -1) {
		name := m[1]
		if n, ok := names[name]; ok {
			name = n
		}
		if name == "pk" {
			v, _ := values[m[2]]["S"].(string)
			return v
		}
	}
	return ""
}

// authorize puts an authoriser between each function and DynamoDB Local
// (upstream): the function's AWS_ENDPOINT_URL_DYNAMODB becomes its own.
func (d *Deployment) authorize(upstream string, ids []string) error {
	u, err := url.Parse(upstream)
	if err != nil {
		return fmt.Errorf("dynamodb endpoint %q: %w", upstream, err)
	}
	tables := map[string]string{}
	for _, p := range d.Physical {
		if arn := p.Attrs["Arn"]; strings.Contains(arn, ":dynamodb:") {
			tables[p.Ref] = arn
		}
	}
	for _, id := range ids {
		sts, err := d.roleStatements(id)
		if err != nil {
			return fmt.Errorf("function %s: %w", id, err)
		}
		a := &authorizer{function: id, statements: sts, upstream: httputil.NewSingleHostReverseProxy(u), tables: tables,
			mu: &d.mu, denied: &d.denied, actions: map[string]int{}}
		srv := httptest.NewServer(a)
		d.stops = append(d.stops, srv.Close)
		d.functions[id].env["AWS_ENDPOINT_URL_DYNAMODB"] = srv.URL
		d.dynamoActions[id] = a.actions
	}
	return nil
}

// Denied is every request a role did not allow: DynamoDB, Scheduler, SMS.
func (d *Deployment) Denied() []Denial {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.denied)
}

// DynamoDBActions is, per function, the DynamoDB actions its role allowed
// and how many times.
func (d *Deployment) DynamoDBActions() map[string]map[string]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string]map[string]int{}
	for id, m := range d.dynamoActions {
		out[id] = map[string]int{}
		for k, v := range m {
			out[id][k] = v
		}
	}
	return out
}
