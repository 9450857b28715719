package httpapi_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/mayday"
)

// docOperation is what docs/openapi.yaml says of one operation.
type docOperation struct {
	body      bool            // it has a requestBody
	responses map[string]bool // its status codes
}

// openAPI reads docs/openapi.yaml: its lines, and its operations by
// "METHOD /path". It relies on the document's layout: paths at two spaces,
// methods at four, their keys at six, status codes at eight.
func openAPI(t *testing.T) ([]string, map[string]*docOperation) {
	t.Helper()
	b, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	ops := map[string]*docOperation{}
	pathRe := regexp.MustCompile(`^  (/\S+):\s*$`)
	opRe := regexp.MustCompile(`^    (get|put|post|delete|patch):\s*$`)
	codeRe := regexp.MustCompile(`^        '(\d{3})':\s*$`)
	path, inResponses := "", false
	var op *docOperation
	for _, line := range lines {
		indent := len(line) - len(strings.TrimLeft(line, " "))
		if strings.TrimSpace(line) == "" {
			continue
		}
		if indent <= 4 {
			op = nil
		}
		if indent <= 6 {
			inResponses = false
		}
		switch {
		case pathRe.MatchString(line):
			path = pathRe.FindStringSubmatch(line)[1]
		case indent == 0:
			path = ""
		case path != "" && opRe.MatchString(line):
			op = &docOperation{responses: map[string]bool{}}
			ops[strings.ToUpper(opRe.FindStringSubmatch(line)[1])+" "+path] = op
		case op != nil && line == "      requestBody:":
			op.body = true
		case op != nil && line == "      responses:":
			inResponses = true
		case inResponses && codeRe.MatchString(line):
			op.responses[codeRe.FindStringSubmatch(line)[1]] = true
		}
	}
	return lines, ops
}

// TestOpenAPIDocumentsEveryRoute keeps docs/openapi.yaml and the routing
// table from drifting: every route is documented with its method, and every
// documented /v1 operation is served.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	_, documented := openAPI(t)
	served := map[string]bool{}
	for _, r := range httpapi.Routes {
		key := r.Method + " " + r.Path
		served[key] = true
		if documented[key] == nil {
			t.Errorf("route %s is not in docs/openapi.yaml", key)
		}
	}
	for key := range documented {
		if strings.Contains(key, " /v1/") && !served[key] {
			t.Errorf("docs/openapi.yaml documents %s, which no route serves", key)
		}
	}
	if len(documented) < len(httpapi.Routes) {
		t.Fatalf("parsed %d documented operations; is the document's layout still paths → methods?", len(documented))
	}
}

// block is the lines under the first line equal to head, up to the next
// line indented as much as head or less.
func block(lines []string, head string) string {
	indent := len(head) - len(strings.TrimLeft(head, " "))
	for i, l := range lines {
		if l != head {
			continue
		}
		var out []string
		for _, m := range lines[i+1:] {
			if strings.TrimSpace(m) != "" && len(m)-len(strings.TrimLeft(m, " ")) <= indent {
				break
			}
			out = append(out, m)
		}
		return strings.Join(out, "\n")
	}
	return ""
}

// TestOpenAPIIDPattern: the documented id is the domain's, and every agent
// and site id in a path is one.
func TestOpenAPIIDPattern(t *testing.T) {
	lines, _ := openAPI(t)
	id := block(lines, "    Id:")
	m := regexp.MustCompile(`(?m)^      pattern: '(.*)'$`).FindStringSubmatch(id)
	if m == nil {
		t.Fatalf("components.schemas.Id has no pattern:\n%s", id)
	}
	if m[1] != mayday.IDPattern {
		t.Errorf("documented id pattern %s, the domain's (mayday.IDPattern) %s", m[1], mayday.IDPattern)
	}
	const ref = "$ref: '#/components/schemas/Id'"
	for _, p := range []struct{ name, param string }{{"AgentId", "{agentId}"}, {"SiteId", "{siteId}"}} {
		if !strings.Contains(block(lines, "    "+p.name+":"), ref) {
			t.Errorf("parameter %s is not an Id", p.name)
		}
		for _, l := range lines {
			if path, ok := strings.CutSuffix(l, ":"); ok && strings.HasPrefix(path, "  /") && strings.Contains(path, p.param) &&
				!strings.Contains(block(lines, l), "$ref: '#/components/parameters/"+p.name+"'") {
				t.Errorf("%s: %s is not the %s parameter", strings.TrimSpace(path), p.param, p.name)
			}
		}
	}
}

// TestOpenAPIDocumentsErrorAnswers: each route documents the error answers
// it gives — found by asking it, where a request can show them.
func TestOpenAPIDocumentsErrorAnswers(t *testing.T) {
	_, documented := openAPI(t)
	h := newAPI(t, nil) // no Twilio auth token: its routes are not served (404)
	bodies := map[string]string{
		"POST /v1/telephony/events":         `{"type":"call.ended","callId":"c-1","occurredAt":"2026-11-22T21:00:00Z"}`,
		"POST /v1/telephony/inbound":        `{"callId":"c-9","from":"+14255550199","to":"+14255550001"}`,
		"PUT /v1/agents/{agentId}":          `{"name":"Ada","email":"ada@example.com","country":"US"}`,
		"PUT /v1/agents/{agentId}/presence": `{"presence":"Available"}`,
		"PUT /v1/agents/{agentId}/location": `{"siteId":"sea"}`,
		"POST /v1/callback-numbers":         `{"number":"+14255550001","country":"US"}`,
		"PUT /v1/sites/{siteId}": `{"name":"Seattle HQ","country":"US",` +
			`"address":{"street":"1 Main St","city":"Seattle","region":"WA","postalCode":"98101","country":"US"}}`,
	}
	in := func(r httpapi.Route, agent, site, number string) string {
		return strings.NewReplacer("{agentId}", agent, "{siteId}", site, "{number}", number, "{callId}", agent).Replace(r.Path)
	}
	for _, r := range httpapi.Routes {
		key := r.Method + " " + r.Path
		op := documented[key]
		if op == nil {
			continue // TestOpenAPIDocumentsEveryRoute says so
		}
		want := func(code, why string) {
			t.Helper()
			if !op.responses[code] {
				t.Errorf("%s: %s, and docs/openapi.yaml does not document %s", key, why, code)
			}
		}
		body := bodies[key]
		// Unknown (valid) ids.
		if rec := do(h, r.Method, in(r, "nobody", "nowhere", "%2B14255550009"), body, signed(body)); rec.Code == 404 {
			want("404", "it answers 404 ("+strings.TrimSpace(rec.Body.String())+")")
		}
		if strings.Contains(r.Path, "{") {
			// An id that is not an Id, a number that is not E.164.
			if rec := do(h, r.Method, in(r, "a%20b", "a%2Fb", "x"), body, signed(body)); rec.Code != 400 {
				t.Errorf("%s with a hostile id: %d, want 400", key, rec.Code)
			}
			want("400", "a hostile id is refused")
		}
		if r.Method == "PUT" || r.Method == "POST" {
			big := `{"pad":"` + strings.Repeat("x", httpapi.MaxBody) + `"}`
			if rec := do(h, r.Method, in(r, "a-1", "sea", "%2B14255550001"), big, signed(big)); rec.Code == 413 {
				want("413", "a body over 64 KiB is refused")
			}
			if !op.body {
				t.Errorf("%s: documents no requestBody", key)
			}
		}
		// The local runner's browser guard (shared/local) refuses a form
		// content type on every admin route that changes something.
		if r.Access == httpapi.Admin && r.Method != "GET" {
			want("415", "the local runner refuses a form content type")
		}
	}
	if op := documented["GET /v1/agents/{agentId}/state"]; op != nil && !op.responses["499"] {
		t.Error("GET /v1/agents/{agentId}/state: a closed state stream is 499, and docs/openapi.yaml does not document it")
	}
}
