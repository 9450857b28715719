package local_test

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/local"
	"github.com/mayday/mayday/shared/settings"
	"github.com/mayday/mayday/shared/testkit/harness"
	"github.com/mayday/mayday/shared/testkit/twiliotest"
	"github.com/mayday/mayday/shared/webhooksecret"
)

// rawRequest sends one request, written out as a browser would send it,
// to the runner at base and answers the status and the body.
func rawRequest(t *testing.T, base, method, path, host string, header map[string]string, body string) (int, string) {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, path, strings.ReplaceAll(host, "{self}", u.Host))
	for k, v := range header {
		fmt.Fprintf(&b, "%s: %s\r\n", k, strings.ReplaceAll(v, "{self}", u.Host))
	}
	if method != "GET" {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n" + body)
	if _, err := conn.Write([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	var out strings.Builder
	_, _ = bufio.NewReader(res.Body).WriteTo(&out)
	return res.StatusCode, out.String()
}

// crossSite is what Chromium adds to a request another site's page sends.
func crossSite(contentType string) map[string]string {
	return map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors",
		"Content-Type": contentType}
}

// The runner answers what a page in the operator's browser could send it
// as it answers a stranger: a cross-site form post, a no-cors fetch, the
// Invoke API called from a page and a DNS-rebound host name change
// nothing and read nothing, while the runner's own pages, the CLI's
// requests and the signed webhooks go on working.
func TestRunnerRefusesWhatAWebPageSends(t *testing.T) {
	s := harness.Start(t, harness.Options{Config: fast})
	c := s.Client(t)
	c.OK("PUT", "/v1/sites/sea", harness.Sample(t, "admin/site.json", nil), false)
	c.OK("PUT", "/v1/agents/a-1", harness.Sample(t, "admin/agent.json", nil), false)
	number := `{"number":"+14255550042","country":"US","siteId":"sea"}`
	formNumber := `{"number":"+14255550042","country":"US","siteId":"sea","x":"=1"}`
	flow := string(connectFixture(t, "flow-dial", func(map[string]any) {}))
	end := harness.Sample(t, "webhooks/end.json", map[string]any{"callId": "rebound-call"})
	sameOrigin := map[string]string{"Origin": "http://{self}", "Sec-Fetch-Site": "same-origin", "Content-Type": "application/json"}

	cases := []struct {
		name, method, path, host string
		header                   map[string]string
		body                     string
		want                     int
		says                     string // in the answer
	}{
		{name: "cross-site form post", method: "POST", path: "/v1/callback-numbers", host: "{self}",
			header: crossSite("application/x-www-form-urlencoded"), body: formNumber, want: http.StatusForbidden},
		{name: "no-cors fetch, text/plain", method: "POST", path: "/v1/callback-numbers", host: "{self}",
			header: crossSite("text/plain;charset=UTF-8"), body: number, want: http.StatusForbidden},
		{name: "multipart form", method: "POST", path: "/v1/callback-numbers", host: "{self}",
			header: crossSite("multipart/form-data; boundary=x"), body: "--x--", want: http.StatusForbidden},
		{name: "a form type without an Origin (an old browser)", method: "POST", path: "/v1/callback-numbers", host: "{self}",
			header: map[string]string{"Content-Type": "text/plain"}, body: number, want: http.StatusUnsupportedMediaType, says: "content type"},
		{name: "same-site page on another port", method: "POST", path: "/v1/callback-numbers", host: "{self}",
			header: map[string]string{"Origin": "http://127.0.0.1:1", "Sec-Fetch-Site": "same-site", "Content-Type": "application/json"},
			body:   number, want: http.StatusForbidden},
		{name: "Origin null (a sandboxed frame)", method: "DELETE", path: "/v1/sites/sea", host: "{self}",
			header: map[string]string{"Origin": "null"}, want: http.StatusForbidden},
		{name: "Invoke API from a page", method: "POST", path: "/2015-03-31/functions/connect-flow/invocations", host: "{self}",
			header: crossSite("text/plain"), body: flow, want: http.StatusForbidden},
		{name: "Invoke API, a form type", method: "POST", path: "/2015-03-31/functions/presence-restore/invocations", host: "{self}",
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: "{}", want: http.StatusUnsupportedMediaType,
			says: "content type"},
		{name: "console template from a page", method: "PUT", path: "/console/template", host: "{self}",
			header: crossSite("text/plain"), body: `{"subject":"x","html":"x","text":"x"}`, want: http.StatusForbidden},
		{name: "rebound host reads the outbox", method: "GET", path: "/local/outbox", host: "rebind.evil.example",
			want: http.StatusForbidden, says: "loopback host name"},
		{name: "rebound host with its port reads the events", method: "GET", path: "/local/events", host: "rebind.evil.example:8080",
			want: http.StatusForbidden},
		{name: "rebound host reads an agent", method: "GET", path: "/v1/agents/a-1", host: "rebind.evil.example", want: http.StatusForbidden},
		// DNS rebinding makes the page same-origin with the rebound name.
		{name: "rebound host replaces the template", method: "PUT", path: "/console/template", host: "rebind.evil.example:8080",
			header: map[string]string{"Origin": "http://rebind.evil.example:8080", "Sec-Fetch-Site": "same-origin", "Content-Type": "application/json"},
			body:   `{"subject":"x","html":"x","text":"x"}`, want: http.StatusForbidden},
		{name: "rebound host adds a number", method: "POST", path: "/v1/callback-numbers", host: "rebind.evil.example",
			header: map[string]string{"Content-Type": "application/json"}, body: number, want: http.StatusForbidden},

		// What must go on working.
		{name: "the console page reads the outbox", method: "GET", path: "/local/outbox", host: "{self}", want: http.StatusOK},
		{name: "localhost", method: "GET", path: "/v1/agents/a-1", host: "localhost", want: http.StatusOK},
		{name: "localhost with its port", method: "GET", path: "/v1/agents/a-1", host: "localhost:8080", want: http.StatusOK},
		{name: "::1", method: "GET", path: "/v1/agents/a-1", host: "[::1]:8080", want: http.StatusOK},
		{name: "a page fetching a read cross-site (it cannot read the answer)", method: "GET", path: "/v1/agents/a-1", host: "{self}",
			header: map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}, want: http.StatusOK},
		{name: "the runner's own page", method: "PUT", path: "/v1/agents/a-1", host: "{self}", header: sameOrigin,
			body: harness.Sample(t, "admin/agent.json", nil), want: http.StatusOK},
		{name: "the console's own template preview", method: "POST", path: "/console/template/preview", host: "{self}", header: sameOrigin,
			body: `{"subject":"x","html":"x","text":"x"}`, want: http.StatusOK},
		{name: "the CLI (no Origin)", method: "POST", path: "/2015-03-31/functions/lease-expiry/invocations", host: "{self}",
			header: map[string]string{"Content-Type": "application/octet-stream"}, body: "{}", want: http.StatusOK},
		{name: "a signed webhook through a tunnel", method: "POST", path: "/v1/telephony/events", host: "abc.ngrok.example",
			header: map[string]string{"Content-Type": "application/json",
				webhooksecret.SignatureHeader: webhooksecret.Sign(s.Secret, time.Now(), []byte(end))},
			body: end, want: http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := rawRequest(t, s.URL, tc.method, tc.path, tc.host, tc.header, tc.body)
			if status != tc.want || !strings.Contains(body, tc.says) {
				t.Fatalf("%s %s (Host %s): %d %.300s, want %d with %q", tc.method, tc.path, tc.host, status, body, tc.want, tc.says)
			}
		})
	}
	s.Main.Settle()
	for _, n := range c.OK("GET", "/v1/callback-numbers", nil, false)["numbers"].([]any) {
		t.Errorf("a refused request added %v to the pool", n)
	}
	if st := c.OK("GET", "/v1/agents/a-1/state", nil, false); harness.Get(st, "emergency.active") != false {
		t.Errorf("a refused Invoke API call started an emergency: %v", st)
	}
	if c.OK("GET", "/v1/sites/sea", nil, false)["siteId"] != "sea" {
		t.Errorf("a refused request deleted the site")
	}
}

// Twilio posts forms, signed, through the tunnel's host name: exactly as
// before.
func TestTwilioFormsStillReachTheRunnerThroughATunnel(t *testing.T) {
	const public = "https://abc.ngrok.example"
	s := harness.Start(t, harness.Options{Config: func(c *local.Config) {
		fast(c)
		c.TwilioAuthToken, c.TwilioPublicURL = "a-real-account-token", public
	}})
	form, err := twiliotest.Sample("status", map[string]string{"CallSid": "CA-tunnel"})
	if err != nil {
		t.Fatal(err)
	}
	status, body := rawRequest(t, s.URL, "POST", "/v1/twilio/status", "abc.ngrok.example", map[string]string{
		"Content-Type":                "application/x-www-form-urlencoded",
		httpapi.TwilioSignatureHeader: twiliotest.Sign("a-real-account-token", public+"/v1/twilio/status", form),
	}, form.Encode())
	if status != http.StatusNoContent {
		t.Fatalf("Twilio's status callback through the tunnel: %d %s", status, body)
	}
}

// The runner will not start where others can reach it while it signs
// with the secrets everyone knows; the error names what to set.
func TestRunnerRefusesDefaultSecretsInPublic(t *testing.T) {
	cases := []struct {
		name        string
		addr        string
		public      string
		secret, tok string
		want        []string // in the error; none: it starts
	}{
		{name: "all interfaces, default secrets", addr: "0.0.0.0:0",
			want: []string{settings.WebhookSecret.Env, settings.TwilioAuthToken.Env}},
		{name: "no host, default webhook secret", addr: ":0", tok: "real-token", want: []string{settings.WebhookSecret.Env}},
		{name: "a LAN name, default Twilio token", addr: "mayday.lan:0", secret: "real-secret",
			want: []string{settings.TwilioAuthToken.Env}},
		{name: "behind a tunnel, default secrets", addr: "127.0.0.1:0", public: "https://abc.ngrok.example",
			want: []string{settings.TwilioPublicURL.Env, settings.WebhookSecret.Env, settings.TwilioAuthToken.Env}},
		{name: "behind a tunnel, own secrets", addr: "127.0.0.1:0", public: "https://abc.ngrok.example", secret: "real-secret", tok: "real-token"},
		{name: "all interfaces, own secrets", addr: "0.0.0.0:0", secret: "real-secret", tok: "real-token"},
		{name: "loopback, default secrets", addr: "127.0.0.1:0"},
		{name: "localhost, default secrets", addr: "localhost:0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := local.InProcess(settings.DevSecret, harness.Fallback)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Addr, cfg.TwilioPublicURL = tc.addr, tc.public
			if tc.secret != "" {
				cfg.Secret = tc.secret
			}
			if tc.tok != "" {
				cfg.TwilioAuthToken = tc.tok
			}
			m := &local.Main{Config: cfg, Log: discard()}
			err = m.Open()
			if err == nil {
				defer m.Close()
			}
			switch {
			case len(tc.want) == 0 && err != nil:
				t.Fatalf("refused to start: %v", err)
			case len(tc.want) > 0 && err == nil:
				t.Fatalf("started on %s, want refused", m.URL)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %s", err, w)
				}
			}
		})
	}
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
