package httpapi

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestOpenAPIDocumentsEveryRoute keeps docs/openapi.yaml and the routing
// table from drifting: every route is documented with its method, and every
// documented /v1 operation is served.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	b, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{} // "GET /v1/..."
	path := ""
	pathRe := regexp.MustCompile(`^  (/\S+):\s*$`)
	opRe := regexp.MustCompile(`^    (get|put|post|delete|patch):\s*$`)
	for _, line := range strings.Split(string(b), "\n") {
		if m := pathRe.FindStringSubmatch(line); m != nil {
			path = m[1]
		} else if m := opRe.FindStringSubmatch(line); m != nil && path != "" {
			documented[strings.ToUpper(m[1])+" "+path] = true
		} else if len(line) > 0 && line[0] != ' ' {
			path = ""
		}
	}
	served := map[string]bool{}
	for _, r := range Routes {
		key := r.Method + " " + r.Path
		served[key] = true
		if !documented[key] {
			t.Errorf("route %s is not in docs/openapi.yaml", key)
		}
	}
	for key := range documented {
		if strings.Contains(key, " /v1/") && !served[key] {
			t.Errorf("docs/openapi.yaml documents %s, which no route serves", key)
		}
	}
	if len(documented) < len(Routes) {
		t.Fatalf("parsed %d documented operations; is the document's layout still paths → methods?", len(documented))
	}
}
