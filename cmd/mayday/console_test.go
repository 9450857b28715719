package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

var authRe = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$`)

// verifySigV4 checks a request as Lambda's Function URL IAM auth does:
// the credential scope, the payload hash, and the signature recomputed
// over the signed headers with the same credentials.
func verifySigV4(r *http.Request, body []byte, creds aws.Credentials, region string) error {
	m := authRe.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return fmt.Errorf("authorization %q is not SigV4", r.Header.Get("Authorization"))
	}
	if m[1] != creds.AccessKeyID || m[3] != region || m[4] != "lambda" {
		return fmt.Errorf("credential scope %s/%s/%s, want %s/%s/lambda", m[1], m[3], m[4], creds.AccessKeyID, region)
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	if got := r.Header.Get("X-Amz-Content-Sha256"); got != hash {
		return fmt.Errorf("payload hash %q, want %q", got, hash)
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Errorf("x-amz-date: %w", err)
	}
	if d := time.Since(at); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("signed at %s: too far from now", at)
	}
	again, err := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	for _, h := range strings.Split(m[5], ";") {
		if h != "host" && h != "x-amz-date" {
			again.Header.Set(h, r.Header.Get(h))
		}
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, again, hash, "lambda", region, at); err != nil {
		return err
	}
	if got, want := r.Header.Get("Authorization"), again.Header.Get("Authorization"); got != want {
		return fmt.Errorf("signature mismatch:\n got %s\nwant %s", got, want)
	}
	return nil
}

// functionURL is a stand-in for the admin Function URL with IAM auth: it
// answers 403 to what is not signed by creds, and records what it served.
type functionURL struct {
	creds  aws.Credentials
	region string
	mu     sync.Mutex
	seen   []string // "METHOD /path body"
	errs   []error
}

func (f *functionURL) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := verifySigV4(r, body, f.creds, f.region); err != nil {
		f.errs = append(f.errs, err)
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"message":"Forbidden"}`)
		return
	}
	f.seen = append(f.seen, strings.TrimSpace(r.Method+" "+r.URL.RequestURI()+" "+string(body)))
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/v1/agents/a-1/state":
		fmt.Fprint(w, `{"agentId":"a-1","presence":"Available","emergency":{"active":false}}`)
	case "/v1/alerts": // as the admin API answers the security desk's poll
		w.Header().Set("ETag", alertsETag)
		if r.Header.Get("If-None-Match") == alertsETag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(w, `{"alerts":[]}`)
	default:
		fmt.Fprintf(w, `{"path":%q}`, r.URL.Path)
	}
}

func (f *functionURL) calls() ([]string, []error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string{}, f.seen...), append([]error{}, f.errs...)
}

// consoleFor is the console over a stand-in Function URL, and a client
// that opened the URL the console printed (so holds its run's token).
func consoleFor(t *testing.T, key, secret string) (*functionURL, *httptest.Server, *http.Client) {
	t.Helper()
	fn := &functionURL{creds: aws.Credentials{AccessKeyID: "AKIDCONSOLE", SecretAccessKey: "console-secret"}, region: "eu-west-1"}
	fake := httptest.NewServer(fn)
	t.Cleanup(fake.Close)
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider(key, secret, "")}
	h, err := consoleHandler(fake.URL+"/", cfg, nil, testToken, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	res, err := client.Get(srv.URL + "/?token=" + testToken)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Request.URL.RawQuery != "" {
		t.Fatalf("opening the printed URL: %d at %s, want the console without the token in its URL", res.StatusCode, res.Request.URL)
	}
	return fn, srv, client
}

const testToken = "run-token-for-the-test"

const alertsETag = `"alerts-v1"`

func TestConsoleSignsAdminCallsForTheFunctionURL(t *testing.T) {
	fn, srv, client := consoleFor(t, "AKIDCONSOLE", "console-secret")
	cases := []struct {
		name, method, path, body, contentType, origin, host string
		status                                              int
		forwarded                                           string // "" when it must not reach the Function URL
	}{
		{name: "list sites", method: "GET", path: "/v1/sites", status: 200, forwarded: "GET /v1/sites"},
		{name: "query kept", method: "GET", path: "/v1/agents/a-1/history?x=1", status: 200, forwarded: "GET /v1/agents/a-1/history?x=1"},
		{name: "put with body", method: "PUT", path: "/v1/agents/a-1", body: `{"name":"Ada"}`, contentType: "application/json",
			origin: "SELF", status: 200, forwarded: `PUT /v1/agents/a-1 {"name":"Ada"}`},
		{name: "security desk's poll", method: "GET", path: "/v1/alerts?open=false&siteId=sea", status: 200,
			forwarded: "GET /v1/alerts?open=false&siteId=sea"},
		{name: "acknowledgement from the desk", method: "PUT", path: "/v1/alerts/al-1/acknowledgement", body: `{"name":"Lee"}`,
			contentType: "application/json", origin: "SELF", status: 200, forwarded: `PUT /v1/alerts/al-1/acknowledgement {"name":"Lee"}`},
		{name: "escaped number", method: "DELETE", path: "/v1/callback-numbers/%2B14255550001", status: 200,
			forwarded: "DELETE /v1/callback-numbers/%2B14255550001"},
		{name: "another site's page", method: "PUT", path: "/v1/agents/a-1", body: `{}`, contentType: "application/json",
			origin: "http://evil.example", status: 403},
		{name: "a form post", method: "POST", path: "/v1/callback-numbers", body: `number=1`, contentType: "application/x-www-form-urlencoded", status: 415},
		{name: "a rebound host name", method: "GET", path: "/v1/sites", host: "evil.example", status: 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := fn.calls()
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			if tc.origin == "SELF" {
				req.Header.Set("Origin", srv.URL)
			} else if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			if tc.host != "" {
				req.Host = tc.host
			}
			req.Header.Set("Cookie", "session=browser-only")
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			out, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.status {
				t.Fatalf("status %d (%s), want %d", res.StatusCode, out, tc.status)
			}
			after, errs := fn.calls()
			if len(errs) > 0 {
				t.Fatalf("the Function URL refused a call: %v", errs)
			}
			switch {
			case tc.forwarded == "" && len(after) != len(before):
				t.Fatalf("forwarded %q, want nothing forwarded", after[len(after)-1])
			case tc.forwarded != "" && (len(after) != len(before)+1 || after[len(after)-1] != tc.forwarded):
				t.Fatalf("forwarded %q, want %q", after[len(before):], tc.forwarded)
			}
		})
	}
}

// The stand-in's check is not a formality: other credentials fail it, and
// the console passes on the 403.
func TestConsoleWithOtherCredentialsIsRefused(t *testing.T) {
	fn, srv, client := consoleFor(t, "AKIDCONSOLE", "not-the-secret")
	res, err := client.Get(srv.URL + "/v1/sites")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	_, errs := fn.calls()
	if res.StatusCode != http.StatusForbidden || len(errs) != 1 || !strings.Contains(errs[0].Error(), "signature mismatch") {
		t.Fatalf("status %d, errors %v: want a 403 for a signature mismatch", res.StatusCode, errs)
	}
}

// The security desk polls with the answer's ETag: the proxy forwards
// If-None-Match (signed) and passes the ETag and the 304 back, so an
// unchanged list costs no body.
func TestConsoleKeepsTheAlertsETag(t *testing.T) {
	fn, srv, client := consoleFor(t, "AKIDCONSOLE", "console-secret")
	tests := []struct {
		name, ifNoneMatch string
		status            int
		body              string
	}{
		{"first poll", "", 200, `{"alerts":[]}`},
		{"unchanged", alertsETag, 304, ""},
		{"another version", `"alerts-v0"`, 200, `{"alerts":[]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL+"/v1/alerts?open=false", nil)
			if tc.ifNoneMatch != "" {
				req.Header.Set("If-None-Match", tc.ifNoneMatch)
			}
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.status || strings.TrimSpace(string(b)) != tc.body || res.Header.Get("ETag") != alertsETag {
				t.Fatalf("%d %q ETag %q, want %d %q ETag %q", res.StatusCode, b, res.Header.Get("ETag"), tc.status, tc.body, alertsETag)
			}
			if _, errs := fn.calls(); len(errs) > 0 {
				t.Fatalf("the Function URL refused a call: %v", errs)
			}
		})
	}
}

func TestConsoleServesPagesAndStreamsStateThroughTheProxy(t *testing.T) {
	_, srv, client := consoleFor(t, "AKIDCONSOLE", "console-secret")
	for _, path := range []string{"/", "/desk/a-1", "/desk/security", "/assets/mayday-panel.js"} {
		res, err := client.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !bytes.Contains(b, []byte("ayday")) {
			t.Fatalf("GET %s: %d %.200s", path, res.StatusCode, b)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/console/agents/a-1/state/stream", nil)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	var event, data string
	for sc.Scan() && data == "" {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "event: "); ok {
			event = v
		} else if v, ok := strings.CutPrefix(line, "data: "); ok {
			data = v
		}
	}
	if event != "state" || !strings.Contains(data, `"presence":"Available"`) {
		t.Fatalf("first stream event %q %q, want the state read through the signed proxy", event, data)
	}
}

// Another process on this machine, or a page, has not the run's token: it
// reaches neither the pages nor the admin calls signed with the
// operator's credentials.
func TestConsoleRequiresItsRunToken(t *testing.T) {
	fn, srv, _ := consoleFor(t, "AKIDCONSOLE", "console-secret")
	before, _ := fn.calls()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	cases := []struct {
		name, path, cookie string
		want               int
	}{
		{name: "no token, an admin call", path: "/v1/sites", want: http.StatusUnauthorized},
		{name: "no token, a page", path: "/", want: http.StatusUnauthorized},
		{name: "no token, the state stream", path: "/console/agents/a-1/state/stream", want: http.StatusUnauthorized},
		{name: "a wrong token in the URL", path: "/?token=guess", want: http.StatusUnauthorized},
		{name: "a wrong cookie", path: "/v1/sites", cookie: "guess", want: http.StatusUnauthorized},
		{name: "another port's cookie", path: "/v1/sites", cookie: "OTHERPORT", want: http.StatusUnauthorized},
		{name: "the printed URL", path: "/?token=" + testToken, want: http.StatusSeeOther},
		{name: "the cookie it set", path: "/v1/sites", cookie: testToken, want: http.StatusOK},
	}
	u, _ := url.Parse(srv.URL)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
			switch tc.cookie {
			case "":
			case "OTHERPORT":
				req.AddCookie(&http.Cookie{Name: "mayday-console-1", Value: testToken})
			default:
				req.AddCookie(&http.Cookie{Name: "mayday-console-" + u.Port(), Value: tc.cookie})
			}
			res, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.want {
				t.Fatalf("GET %s: %d %.200s, want %d", tc.path, res.StatusCode, body, tc.want)
			}
			if tc.want == http.StatusSeeOther {
				c := res.Cookies()
				if len(c) != 1 || c[0].Value != testToken || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode ||
					res.Header.Get("Location") != "/" {
					t.Fatalf("the printed URL set %v and sent to %q", c, res.Header.Get("Location"))
				}
			}
		})
	}
	if after, _ := fn.calls(); len(after) != len(before)+1 {
		t.Fatalf("forwarded %q, want only the call with the cookie", after[len(before):])
	}
}

// The admin calls carry the operator's signature and the agents' data:
// https only, but to a stand-in on this machine.
func TestConsoleRequiresAnHTTPSAdminURL(t *testing.T) {
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")}
	for url, ok := range map[string]bool{
		"https://abc.lambda-url.eu-west-1.on.aws/": true,
		"http://abc.lambda-url.eu-west-1.on.aws/":  false,
		"http://10.0.0.5:8080/":                    false,
		"ftp://abc.example/":                       false,
		"http://127.0.0.1:9001/":                   true,
		"http://localhost:9001":                    true,
		"http://[::1]:9001/":                       true,
	} {
		_, err := consoleHandler(url, cfg, nil, testToken, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if ok && err != nil || !ok && (err == nil || !strings.Contains(err.Error(), "https")) {
			t.Errorf("%s: %v, want accepted %v (and an error naming https)", url, err, ok)
		}
	}
}
