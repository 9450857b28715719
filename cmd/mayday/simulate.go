package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mayday/mayday/shared/local"
	"github.com/mayday/mayday/shared/settings"
	"github.com/mayday/mayday/shared/webhooksecret"
)

var simulateCommand = &command{
	name:    "simulate",
	args:    "[flags] demo|dial|end|inbound|twilio",
	summary: "send signed sample webhooks (testdata/) to a running local runner",
	about: `  demo               the whole flow, step by step: configure site sea (its
                     address, emergency callback number and recipients), agent
                     a-1 and a callback number at the site, dial 9-911 (the
                     answer: the caller ID to present and the location), the
                     email, the callback, both calls end; then agent a-2
                     confirms their home address and own number and dials
                     911 (the answer: their number and their home address)
  dial|end|inbound   one webhook: the agent dials, the agent's call ends, the
                     emergency service calls back
  twilio             the flow through the Twilio routes, as Twilio calls them
                     (testdata/twilio/, signed with MAYDAY_TWILIO_AUTH_TOKEN or
                     its local default): the Voice SDK client dials 9-911 (the
                     TwiML: dial 911 presenting the leased number), the
                     callback rings the agent's client, then the fallback, both
                     calls end

It targets the runner where ` + "`mayday local`" + ` listens, and signs with the same
secret, from the same variables and defaults; -addr or -url overrides the address.`,
	env: []envVar{{Setting: settings.Addr}, withDefault(settings.WebhookSecret, settings.DevSecret),
		withDefault(settings.TwilioAuthToken, settings.DevTwilioAuthToken), {Setting: settings.TwilioPublicURL}},
	run: runSimulate,
}

// simulator sends the sample webhooks of testdata/, signed, to a runner.
type simulator struct {
	url     string
	secret  []byte
	dir     string
	callID  string
	agentID string
	siteID  string
	to      string
	client  *http.Client
	out     io.Writer
}

func runSimulate(ctx context.Context, c *call, args []string) error {
	s := &simulator{client: &http.Client{Timeout: 10 * time.Second}, out: c.stdout}
	addr := c.flags.String("addr", "", fmt.Sprintf("the runner's `host:port` (default: %s, as the local runner reads it)", settings.Addr.Env))
	url := c.flags.String("url", "", "the runner's base `URL`, e.g. http://127.0.0.1:8080 (overrides -addr)")
	c.flags.StringVar(&s.dir, "testdata", "testdata", "`dir`ectory of the sample webhooks and admin requests")
	c.flags.StringVar(&s.callID, "call", "", "call `id` (default: the sample's)")
	c.flags.StringVar(&s.agentID, "agent", "", "agent `id` (default: the sample's)")
	c.flags.StringVar(&s.siteID, "site", "", "site `id` of the agent, its callback number and the dial (default: the samples')")
	c.flags.StringVar(&s.to, "to", "", "`number` dialed or called (default: the sample's)")
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	webhooks := map[string][2]string{ // action: path, sample
		"dial":    {"/v1/telephony/events", "dial.json"},
		"end":     {"/v1/telephony/events", "end.json"},
		"inbound": {"/v1/telephony/inbound", "inbound.json"},
	}
	if len(rest) != 1 {
		return c.usageErrorf("want one of demo, dial, end, inbound or twilio")
	}
	action := rest[0]
	if _, ok := webhooks[action]; !ok && action != "demo" && action != "twilio" {
		return c.usageErrorf("unknown action %q (want demo, dial, end, inbound or twilio)", action)
	}
	if s.url, s.secret, err = target(*addr, *url); err != nil {
		return err
	}
	switch action {
	case "demo":
		return s.demo(ctx)
	case "twilio":
		return s.twilio(ctx)
	}
	return s.webhook(ctx, webhooks[action][0], webhooks[action][1])
}

// target is the runner's base URL and webhook secret: where `mayday local`
// listens and what it verifies with, read from the environment as the
// runner reads it (the same variables, the same defaults), unless -addr or
// -url says where.
func target(addrFlag, urlFlag string) (string, []byte, error) {
	cfg, err := local.ConfigFromEnv(os.LookupEnv)
	if err != nil {
		return "", nil, err
	}
	url, err := runnerURL(cmp.Or(addrFlag, cfg.Addr), urlFlag)
	return url, []byte(cfg.Secret), err
}

// runnerURL is the base URL of a runner listening on addr, unless url is
// given: a wildcard host (":8080", "0.0.0.0:8080") is reached on loopback.
func runnerURL(addr, url string) (string, error) {
	if url != "" {
		return strings.TrimRight(url, "/"), nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("runner address %q: %w", addr, err)
	}
	if port == "0" {
		return "", fmt.Errorf("runner address %q: port 0 is whichever port the runner picked; pass -url with the URL it printed", addr)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

// sample reads a sample body, applying the flags and the current time.
func (s *simulator) sample(dir, name string) ([]byte, error) {
	m, err := s.sampleFields(dir, name)
	if err != nil {
		return nil, err
	}
	return json.Marshal(m)
}

// sampleFields is a sample's fields, with the flags and the current time
// applied to those it has.
func (s *simulator) sampleFields(dir, name string) (map[string]any, error) {
	b, err := os.ReadFile(filepath.Join(s.dir, dir, name))
	if err != nil {
		return nil, fmt.Errorf("sample %s: %w (run from the repository root or pass -testdata)", name, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("sample %s: %w", name, err)
	}
	set := func(k, v string) {
		if _, ok := m[k]; ok && v != "" {
			m[k] = v
		}
	}
	set("callId", s.callID)
	set("agentId", s.agentID)
	set("siteId", s.siteID)
	set("to", s.to)
	set("occurredAt", time.Now().UTC().Format(time.RFC3339))
	return m, nil
}

func (s *simulator) webhook(ctx context.Context, path, name string) error {
	body, err := s.sample("webhooks", name)
	if err != nil {
		return err
	}
	return s.send(ctx, http.MethodPost, path, body, true)
}

func (s *simulator) send(ctx context.Context, method, path string, body []byte, sign bool) error {
	req, err := http.NewRequestWithContext(ctx, method, s.url+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if sign {
		req.Header.Set(webhooksecret.SignatureHeader, webhooksecret.Sign(s.secret, time.Now(), body))
	}
	code, err := s.do(req, path)
	if err == nil && code >= 300 {
		err = fmt.Errorf("%s %s: %d %s", method, path, code, http.StatusText(code))
	}
	return err
}

// do sends req to the runner and prints the answer.
func (s *simulator) do(req *http.Request, path string) (int, error) {
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w (is `go run ./cmd/mayday local` running there?)", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	fmt.Fprintf(s.out, "%s %s -> %s\n%s\n", req.Method, path, resp.Status, indent(out))
	return resp.StatusCode, nil
}

func indent(b []byte) string {
	var buf bytes.Buffer
	if json.Indent(&buf, b, "  ", "  ") != nil {
		return "  " + string(b)
	}
	return "  " + buf.String()
}

func (s *simulator) demo(ctx context.Context) error {
	if s.agentID == "" {
		s.agentID = "a-1"
	}
	step := func(title string) { fmt.Fprintf(s.out, "\n== %s\n", title) }
	admin := func(method, path, sample string) error {
		var body []byte
		if sample != "" {
			var err error
			if body, err = s.sample("admin", sample); err != nil {
				return err
			}
		}
		return s.send(ctx, method, path, body, false)
	}
	// The site the agent sample names is created first: the agent and its
	// callback number refer to it.
	agent, err := s.sampleFields("admin", "agent.json")
	if err != nil {
		return err
	}
	site, _ := agent["siteId"].(string)
	pause := func() { time.Sleep(300 * time.Millisecond) } // let the bus deliver
	steps := []func() error{
		func() error {
			if site == "" {
				step("an operator configures the agent and the callback pool")
				return nil
			}
			step("an operator configures the site (its desk also texted and posted to), then the agent and a callback number at the site")
			return s.demoSite(ctx, site)
		},
		func() error { return admin("PUT", "/v1/agents/"+s.agentID, "agent.json") },
		func() error { return admin("POST", "/v1/callback-numbers", "callback-number.json") },
		func() error {
			step("the agent dials 9-911; the answer: the caller ID to present (the leased number) and the location")
			return s.webhook(ctx, "/v1/telephony/events", "dial.json")
		},
		func() error {
			pause()
			step("the desktop: Do Not Disturb, emergency panel, callback number")
			return admin("GET", "/v1/agents/"+s.agentID+"/state", "")
		},
		func() error {
			step("the email to the agent's contacts and the site's recipients; the desk's text and webhook post (alerts)")
			return admin("GET", "/local/outbox", "")
		},
		func() error {
			step("the security desk opens the alert's link and acknowledges it; a second acknowledgement is told who was first")
			return s.demoAcknowledge(ctx)
		},
		func() error {
			step("the call drops; the emergency service calls back")
			return s.webhook(ctx, "/v1/telephony/inbound", "inbound.json")
		},
		func() error {
			step("the callback ends")
			return s.webhook(ctx, "/v1/telephony/events", "callback-end.json")
		},
		func() error { step("the agent's call ends"); return s.webhook(ctx, "/v1/telephony/events", "end.json") },
		func() error {
			pause()
			step("presence restored; the callback number stays visible while the lease lives")
			return admin("GET", "/v1/agents/"+s.agentID+"/state", "")
		},
		func() error {
			step("call history holds no emergency call")
			return admin("GET", "/v1/agents/"+s.agentID+"/history", "")
		},
		func() error {
			step("the emergency record of the call (the audit route): its timeline, each entry chained to the one before")
			return admin("GET", "/v1/emergencies/"+cmp.Or(s.callID, demoCallID)+"/record", "")
		},
		// A remote agent: the office's numbers would send responders to
		// the office, so the call presents the agent's own number,
		// registered at their home address, and that address.
		func() error {
			step("agent a-2 works from home: the operator adds them, they confirm their address and own number")
			s.agentID, s.callID = "", "" // the remote agent's samples name their own agent and call
			return admin("PUT", "/v1/agents/"+remoteAgent, "agent-remote.json")
		},
		func() error { return admin("PUT", "/v1/agents/"+remoteAgent+"/location", "location-home.json") },
		func() error {
			step("a-2 dials 911; the answer: their own number (callerIdSource agent) and their home address")
			return s.webhook(ctx, "/v1/telephony/events", "dial-remote.json")
		},
		func() error {
			pause()
			step("the email names the remote address and the agent's own number")
			return admin("GET", "/local/outbox", "")
		},
		func() error {
			step("a-2's call ends")
			return s.webhook(ctx, "/v1/telephony/events", "end-remote.json")
		},
	}
	for _, f := range steps {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// demoAcknowledge acknowledges the desk's alert as its link's page does:
// the token from the link, posted in the body, twice.
func (s *simulator) demoAcknowledge(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/local/outbox", http.NoBody)
	if err != nil {
		return err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	defer resp.Body.Close()
	type sent struct {
		AckLink string `json:"ackLink"`
	}
	// Emails sent to an SES endpoint are not in it; texts and posts are.
	var box struct{ Emails, Alerts []sent }
	if err := json.NewDecoder(resp.Body).Decode(&box); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	var link *url.URL
	for _, e := range slices.Backward(append(box.Emails, box.Alerts...)) { // the newest: this dial's
		if u, err := url.Parse(e.AckLink); e.AckLink != "" && err == nil {
			link = u
			break
		}
	}
	if link == nil {
		return errors.New("no alert with an acknowledgement link in the outbox")
	}
	fmt.Fprintf(s.out, "the link: %s\n", link)
	for _, name := range []string{"Desk officer Lee", "Desk officer Kim"} {
		body, err := json.Marshal(map[string]string{"token": link.Query().Get("token"), "name": name})
		if err != nil {
			return err
		}
		if err := s.send(ctx, http.MethodPost, link.Path+"/ack", body, false); err != nil {
			return err
		}
	}
	return nil
}

// demoSite puts the sample site with the security desk's other alert
// channels: locally the text and the post land in the outbox.
func (s *simulator) demoSite(ctx context.Context, site string) error {
	m, err := s.sampleFields("admin", "site.json")
	if err != nil {
		return err
	}
	m["notifySms"] = []string{demoDeskSMS}
	m["notifyWebhook"] = demoDeskWebhook
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return s.send(ctx, "PUT", "/v1/sites/"+site, body, false)
}

// The demo site's desk phone and chat webhook.
const (
	demoDeskSMS     = "+12065550150"
	demoDeskWebhook = "https://hooks.example.com/services/T000/B000/XXXX"
)

// demoCallID is the call of the demo's dial sample.
const demoCallID = "c-1"

// remoteAgent is the demo's agent working from home.
const remoteAgent = "a-2"
