package harness

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/webhooksecret"
)

// Client drives a system through the HTTP contract, as a telephony platform
// (signed webhooks) and an operator on this machine (admin routes) would.
type Client struct {
	t      testing.TB
	URL    string
	Secret []byte
	HTTP   *http.Client
}

// Client is a client of the system for the test.
func (s *System) Client(t testing.TB) *Client { return NewClient(t, s.URL, s.Secret) }

// NewClient is a client of the test's own for a server at url: its idle
// connections are closed when the test ends, before the server shuts down
// (http.Server waits for connections opened but not yet used).
func NewClient(t testing.TB, url string, secret []byte) *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	c := &Client{t: t, URL: url, Secret: secret, HTTP: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
	t.Cleanup(c.HTTP.CloseIdleConnections)
	return c
}

// With is the client as seen by a subtest.
func (c *Client) With(t testing.TB) *Client {
	cc := *c
	cc.t = t
	return &cc
}

// Do sends a request, signed (a webhook) or not (an admin route). A body is
// sent as it is when it is a string or []byte, as JSON otherwise. The answer
// must be JSON (or empty).
func (c *Client) Do(method, path string, body any, sign bool) (status int, out map[string]any, took time.Duration) {
	c.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			c.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, c.URL+path, bytes.NewReader(raw))
	if err != nil {
		c.t.Fatal(err)
	}
	if sign {
		req.Header.Set(webhooksecret.SignatureHeader, webhooksecret.Sign(c.Secret, time.Now(), raw))
	}
	start := time.Now()
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	took = time.Since(start)
	out = map[string]any{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			c.t.Fatalf("%s %s: %d %s: not JSON", method, path, resp.StatusCode, b)
		}
	}
	return resp.StatusCode, out, took
}

// OK is Do that fails the test on anything but a 2xx.
func (c *Client) OK(method, path string, body any, sign bool) map[string]any {
	c.t.Helper()
	code, out, _ := c.Do(method, path, body, sign)
	if code/100 != 2 {
		c.t.Fatalf("%s %s: %d %v", method, path, code, out)
	}
	return out
}

// Sample is a request body from the repository's testdata/ (e.g.
// "webhooks/dial.json", "admin/agent.json") with fields set; a webhook's
// occurredAt is now, so that the signature-age and range checks pass.
func Sample(t testing.TB, name string, set map[string]any) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(TestdataDir(), filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if _, ok := m["occurredAt"]; ok {
		m["occurredAt"] = time.Now().UTC().Format(time.RFC3339)
	}
	for k, v := range set {
		m[k] = v
	}
	out, _ := json.Marshal(m)
	return string(out)
}

// TestdataDir is the repository's testdata/, found from this file.
func TestdataDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata")
}
