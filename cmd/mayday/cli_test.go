package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/mayday/mayday/shared/local"
	"github.com/mayday/mayday/shared/settings"
	"github.com/mayday/mayday/shared/testkit/harness"
)

// runCLI runs the CLI in process, as `mayday args...`.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// unsetenv unsets k for the test, restoring it after.
func unsetenv(t *testing.T, k string) {
	t.Setenv(k, "")
	os.Unsetenv(k)
}

// setSecret sets MAYDAY_WEBHOOK_SECRET, or unsets it for "".
func setSecret(t *testing.T, secret string) {
	if secret == "" {
		unsetenv(t, settings.WebhookSecret.Env)
		return
	}
	t.Setenv(settings.WebhookSecret.Env, secret)
}

func TestHelp(t *testing.T) {
	tests := []struct {
		args []string
		cmd  string   // whose usage: "" for mayday's
		env  []string // variables the usage must name
	}{
		{[]string{"-h"}, "", []string{settings.Table.Env}},
		{[]string{"--help"}, "", nil},
		{[]string{"help"}, "", nil},
		{[]string{"local", "-h"}, "local", []string{"MAYDAY_ADDR", "MAYDAY_WEBHOOK_SECRET", "MAYDAY_CALLBACK_LEASE",
			"MAYDAY_SWEEP_INTERVAL", "MAYDAY_DIAL_PREFIX", "MAYDAY_TABLE", "MAYDAY_SENDER", "AWS_ENDPOINT_URL_DYNAMODB"}},
		{[]string{"local", "--help"}, "local", nil},
		{[]string{"local", "help"}, "local", nil},
		{[]string{"help", "local"}, "local", nil},
		{[]string{"simulate", "-h"}, "simulate", []string{"MAYDAY_ADDR", "MAYDAY_WEBHOOK_SECRET"}},
		{[]string{"simulate", "--help"}, "simulate", nil},
		{[]string{"simulate", "help"}, "simulate", nil},
		{[]string{"simulate", "dial", "-h"}, "simulate", nil},
		{[]string{"simulate", "-url", "http://x", "demo", "--help"}, "simulate", nil},
		{[]string{"bench", "-h"}, "bench", []string{"AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SESV2"}},
		{[]string{"bench", "help"}, "bench", nil},
		{[]string{"sites", "-h"}, "sites", []string{"MAYDAY_TABLE", "MAYDAY_CALLBACK_LEASE", "AWS_ENDPOINT_URL_DYNAMODB"}},
		{[]string{"sites", "help"}, "sites", nil},
		{[]string{"sites", "put", "sea", "-h"}, "sites", nil},
		{[]string{"help", "sites"}, "sites", nil},
		{[]string{"numbers", "-h"}, "numbers", []string{"MAYDAY_TABLE", "MAYDAY_CALLBACK_LEASE", "AWS_ENDPOINT_URL_DYNAMODB"}},
		{[]string{"numbers", "help"}, "numbers", nil},
		{[]string{"numbers", "add", "-h"}, "numbers", nil},
		{[]string{"numbers", "list", "--help"}, "numbers", nil},
		{[]string{"contacts", "-h"}, "contacts", []string{"MAYDAY_TABLE"}},
		{[]string{"contacts", "help"}, "contacts", nil},
		{[]string{"readiness", "-h"}, "readiness", []string{"MAYDAY_TABLE"}},
		{[]string{"readiness", "--help"}, "readiness", nil},
		{[]string{"template", "-h"}, "template", []string{"AWS_ENDPOINT_URL_SESV2"}},
		{[]string{"template", "help"}, "template", nil},
		{[]string{"template", "push", "-h"}, "template", nil},
		{[]string{"replay", "-h"}, "replay", []string{"AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_LAMBDA"}},
		{[]string{"replay", "help"}, "replay", nil},
		{[]string{"console", "-h"}, "console", []string{"MAYDAY_ADMIN_URL", "MAYDAY_CONSOLE_ADDR", "-admin-url"}},
		{[]string{"console", "help"}, "console", nil},
		{[]string{"twilio-fallback", "-h"}, "twilio-fallback", []string{"MAYDAY_CALLBACK_FALLBACK", "MAYDAY_DEFAULT_CALLER_ID",
			"MAYDAY_DIAL_PREFIX", "MAYDAY_TWILIO_ORDINARY_URL", "-part"}},
		{[]string{"audit", "-h"}, "audit", []string{"MAYDAY_RECORD_TABLE", "-since", "AWS_ENDPOINT_URL_DYNAMODB"}},
		{[]string{"audit", "export", "--help"}, "audit", nil},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			want := "usage: mayday " + tt.cmd
			if tt.cmd == "" {
				want = "usage: mayday <command>"
			}
			if !strings.HasPrefix(stdout, want) {
				t.Fatalf("stdout does not start with %q:\n%s", want, stdout)
			}
			for _, v := range tt.env {
				if !strings.Contains(stdout, v) {
					t.Errorf("usage does not name %s:\n%s", v, stdout)
				}
			}
		})
	}
	// Every command is covered above, and its usage shows each setting it
	// reads as settings declares it: name, doc and default.
	tested := map[string]bool{}
	for _, tt := range tests {
		tested[tt.cmd] = true
	}
	for _, cmd := range commands {
		if !tested[cmd.name] {
			t.Errorf("command %s: no help case", cmd.name)
		}
		_, stdout, _ := runCLI(t, cmd.name, "-h")
		if !strings.Contains(stdout, cmd.summary) {
			t.Errorf("%s -h: no summary", cmd.name)
		}
		for _, e := range cmd.env {
			def := fmt.Sprintf("(default %q)", e.Default)
			if e.Default == "" && !e.KeepEmpty {
				def = "(no default)"
			}
			if !strings.Contains(stdout, e.Env) || !strings.Contains(stdout, e.Doc) ||
				!e.required && !strings.Contains(stdout, e.Env+" "+def) {
				t.Errorf("%s -h: %s not shown with its doc and default:\n%s", cmd.name, e.Env, stdout)
			}
		}
		_, top, _ := runCLI(t, "-h")
		if !strings.Contains(top, "  "+cmd.name+" ") {
			t.Errorf("mayday -h does not list %s:\n%s", cmd.name, top)
		}
	}
	// The local defaults the usages show are the runner's.
	for _, name := range []string{"local", "simulate"} {
		_, stdout, _ := runCLI(t, name, "-h")
		for _, v := range []string{settings.Addr.Default, settings.DevSecret} {
			if !strings.Contains(stdout, v) {
				t.Errorf("%s -h does not show the default %q", name, v)
			}
		}
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		cmd  string // whose usage goes to stderr
	}{
		{nil, "<command>"},
		{[]string{"nosuch"}, "<command>"},
		{[]string{"-x"}, "<command>"},
		{[]string{"local", "-no-such-flag"}, "local"},
		{[]string{"local", "extra"}, "local"},
		{[]string{"local", "-store", "sqlite"}, "local"},
		{[]string{"simulate", "-no-such-flag", "dial"}, "simulate"},
		{[]string{"simulate", "dial", "-no-such-flag"}, "simulate"},
		{[]string{"simulate"}, "simulate"},
		{[]string{"simulate", "explode"}, "simulate"},
		{[]string{"simulate", "dial", "end"}, "simulate"},
		{[]string{"bench", "-no-such-flag"}, "bench"},
		{[]string{"bench", "-n", "many"}, "bench"},
		{[]string{"numbers", "-no-such-flag"}, "numbers"},
		{[]string{"numbers"}, "numbers"},
		{[]string{"numbers", "add", "+14255550001"}, "numbers"},
		{[]string{"numbers", "add", "+14255550001", "US", "sea", "extra"}, "numbers"},
		{[]string{"numbers", "remove", "+14255550001", "sea"}, "numbers"},
		{[]string{"sites"}, "sites"},
		{[]string{"sites", "-no-such-flag", "list"}, "sites"},
		{[]string{"sites", "frob"}, "sites"},
		{[]string{"sites", "put", "sea"}, "sites"},
		{[]string{"sites", "put", "-file", "site.json"}, "sites"},
		{[]string{"sites", "get"}, "sites"},
		{[]string{"sites", "get", "sea", "-file", "site.json"}, "sites"},
		{[]string{"sites", "list", "sea"}, "sites"},
		{[]string{"sites", "delete"}, "sites"},
		{[]string{"numbers", "frob"}, "numbers"},
		{[]string{"contacts", "-no-such-flag"}, "contacts"},
		{[]string{"contacts", "a-1"}, "contacts"},
		{[]string{"readiness", "-no-such-flag", "a-1"}, "readiness"},
		{[]string{"readiness"}, "readiness"},
		{[]string{"template", "push", "-no-such-flag"}, "template"},
		{[]string{"template", "pull"}, "template"},
		{[]string{"template"}, "template"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != 2 || stdout != "" {
				t.Fatalf("exit %d, stdout %q; want 2 and nothing", code, stdout)
			}
			if !strings.Contains(stderr, "usage: mayday "+tt.cmd) {
				t.Fatalf("stderr has no usage of %s:\n%s", tt.cmd, stderr)
			}
		})
	}
}

// TestSimulateTargetsTheRunner boots the local runner on a free port and
// drives it with `mayday simulate`, configured as `mayday local` is: the
// address from MAYDAY_ADDR, the secret from MAYDAY_WEBHOOK_SECRET, or
// their defaults.
func TestSimulateTargetsTheRunner(t *testing.T) {
	// boot starts the runner (through the end-to-end harness, on a free
	// port) with the webhook secret `mayday local` reads from
	// MAYDAY_WEBHOOK_SECRET set to secret ("": unset).
	boot := func(t *testing.T, secret string) *harness.System {
		setSecret(t, secret)
		runner, err := local.ConfigFromEnv(os.LookupEnv)
		if err != nil {
			t.Fatal(err)
		}
		return harness.Start(t, harness.Options{Config: func(c *local.Config) { c.Secret = runner.Secret }})
	}
	closedPort := func(t *testing.T) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}
	tests := []struct {
		name         string
		runnerSecret string // "": the runner's default
		envSecret    string // "": unset
		addrFrom     string // env, -addr or -url
		action       string
		wantCode     int
		want         string // in stdout (0) or stderr (1)
	}{
		{"default secret", "", "", "env", "dial", 0, `"emergency": true`},
		{"configured secret", "s3cret", "s3cret", "env", "dial", 0, `"emergency": true`},
		{"runner's secret not given", "s3cret", "", "env", "dial", 1, "401"},
		{"other secret", "s3cret", "other", "env", "dial", 1, "401"},
		{"-addr over MAYDAY_ADDR", "s3cret", "s3cret", "-addr", "dial", 0, `"emergency": true`},
		{"-url over MAYDAY_ADDR", "s3cret", "s3cret", "-url", "inbound", 0, "200 OK"},
		{"demo", "s3cret", "s3cret", "env", "demo", 0, "DoNotDisturb"},
		// The demo creates the site before the agent and the number at it;
		// the dial answers the caller ID to present and the location.
		{"demo: caller ID", "", "", "env", "demo", 0, `"callerId": "+14255550001"`},
		{"demo: location", "", "", "env", "demo", 0, "\"location\": {\n      \"kind\": \"site\",\n      \"source\": \"call\",\n      \"siteId\": \"sea\",\n      \"name\": \"Seattle HQ\""},
		{"demo: the email names the address", "", "", "env", "demo", 0, `Location:  Seattle HQ: 1 Main St, Seattle, WA 98101, US`},
		{"demo: the desk's text", "", "", "env", "demo", 0, "\"channel\": \"sms\",\n        \"to\": \"+12065550150\",\n        \"text\": \"EMERGENCY: Ada Agent dialled 9-911"},
		{"demo: the desk's webhook post", "", "", "env", "demo", 0, "\"channel\": \"webhook\",\n        \"to\": \"https://hooks.example.com/services/T000/B000/XXXX\""},
		// The remote agent presents their own number and their home address.
		{"demo: remote caller ID", "", "", "env", "demo", 0, `"callerId": "+12065550142",` + "\n" + `    "callerIdSource": "agent"`},
		{"demo: remote location", "", "", "env", "demo", 0, "\"kind\": \"remote\",\n      \"source\": \"confirmed\",\n      \"address\": {\n        \"houseNumber\": \"2121\""},
		{"demo: remote email", "", "", "env", "demo", 0, `Location:  Remote: 2121 7th Ave, Seattle, WA 98121, US (Home office)`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sys := boot(t, tt.runnerSecret)
			addr := strings.TrimPrefix(sys.URL, "http://")
			setSecret(t, tt.envSecret)
			callID := fmt.Sprintf("c-cli-%d", i)
			args := []string{"simulate", tt.action, "-testdata", "../../testdata", "-call", callID}
			switch tt.addrFrom {
			case "env":
				t.Setenv(settings.Addr.Env, addr)
			case "-addr":
				t.Setenv(settings.Addr.Env, closedPort(t))
				args = append(args, "-addr", addr)
			case "-url":
				t.Setenv(settings.Addr.Env, closedPort(t))
				args = append(args, "-url", "http://"+addr+"/")
			}
			code, stdout, stderr := runCLI(t, args...)
			got := stdout
			if tt.wantCode != 0 {
				got = stderr
			}
			if code != tt.wantCode || !strings.Contains(got, tt.want) {
				t.Fatalf("exit %d (want %d), want %q in\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, tt.want, stdout, stderr)
			}
			// This runner, not another one, took the call.
			if tt.action == "dial" && code == 0 {
				sys.Main.Settle() // the outbox publishes the dial's event
				var events strings.Builder
				for _, e := range sys.Main.Bus.Events() {
					events.Write(e)
				}
				if !strings.Contains(events.String(), `"`+callID+`"`) {
					t.Fatalf("no event for %s on the runner's bus: %s", callID, events.String())
				}
			}
		})
	}
}

// TestSimulateReadsTheRunnersSettings: with nothing set, simulate aims at
// the runner's default address with its default secret; a malformed
// setting stops it as it stops the runner.
func TestSimulateReadsTheRunnersSettings(t *testing.T) {
	unsetenv(t, settings.Addr.Env)
	unsetenv(t, settings.WebhookSecret.Env)
	runner, err := local.ConfigFromEnv(os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	url, secret, err := target("", "")
	if err != nil || url != "http://"+runner.Addr || string(secret) != runner.Secret {
		t.Fatalf("target = %q, %q, %v; the runner listens on %q, verifies with %q", url, secret, err, runner.Addr, runner.Secret)
	}
	if url != "http://"+settings.Addr.Default || string(secret) != settings.DevSecret {
		t.Fatalf("target = %q, %q: not the declared defaults", url, secret)
	}
	t.Setenv(settings.Addr.Env, "10.0.0.7:9000")
	t.Setenv(settings.WebhookSecret.Env, "k")
	if url, secret, err := target("", ""); err != nil || url != "http://10.0.0.7:9000" || string(secret) != "k" {
		t.Fatalf("target = %q, %q, %v", url, secret, err)
	}
	t.Setenv(settings.CallbackLease.Env, "forever")
	if _, _, err := target("", ""); err == nil || !strings.Contains(err.Error(), settings.CallbackLease.Env) {
		t.Fatalf("malformed %s: %v", settings.CallbackLease.Env, err)
	}
}

func TestRunnerURL(t *testing.T) {
	tests := []struct {
		addr, url string
		want      string // "": an error
	}{
		{"127.0.0.1:8080", "", "http://127.0.0.1:8080"},
		{"localhost:9000", "", "http://localhost:9000"},
		{":8080", "", "http://127.0.0.1:8080"},
		{"0.0.0.0:8080", "", "http://127.0.0.1:8080"},
		{"[::]:8080", "", "http://127.0.0.1:8080"},
		{"[::1]:8080", "", "http://[::1]:8080"},
		{"127.0.0.1:0", "", ""},
		{"8080", "", ""},
		{"127.0.0.1:0", "http://127.0.0.1:41234/", "http://127.0.0.1:41234"},
	}
	for _, tt := range tests {
		got, err := runnerURL(tt.addr, tt.url)
		if tt.want == "" && err == nil || tt.want != "" && (err != nil || got != tt.want) {
			t.Errorf("runnerURL(%q, %q) = %q, %v; want %q", tt.addr, tt.url, got, err, tt.want)
		}
	}
}

// TestSimulateSamplesFollowTheFlags: -site, like -agent and -call, sets the
// field in the samples that have it, and only there.
func TestSimulateSamplesFollowTheFlags(t *testing.T) {
	s := &simulator{dir: "../../testdata", siteID: "pdx", agentID: "a-7", callID: "c-7"}
	for _, tt := range []struct {
		dir, name string
		want      map[string]any // fields; nil: absent
	}{
		{"webhooks", "dial.json", map[string]any{"siteId": "pdx", "agentId": "a-7", "callId": "c-7"}},
		{"admin", "agent.json", map[string]any{"siteId": "pdx", "agentId": nil}},
		{"admin", "callback-number.json", map[string]any{"siteId": "pdx"}},
		{"webhooks", "end.json", map[string]any{"siteId": nil, "callId": "c-7"}},
	} {
		m, err := s.sampleFields(tt.dir, tt.name)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range tt.want {
			if m[k] != v {
				t.Errorf("%s: %s = %v, want %v", tt.name, k, m[k], v)
			}
		}
	}
	// Without -site, the samples' own site, which demo creates from site.json.
	m, err := (&simulator{dir: "../../testdata"}).sampleFields("admin", "agent.json")
	if err != nil || m["siteId"] != "sea" {
		t.Fatalf("agent sample's siteId = %v, %v", m["siteId"], err)
	}
}

// TestSimulateTwilio walks `mayday simulate twilio` through a runner
// configured as `mayday local` is with nothing set: every step answers
// without an error, the emergency dial presents a caller ID, and the
// unanswered callback rings the default fallback, a Voice SDK client.
func TestSimulateTwilio(t *testing.T) {
	for _, k := range []string{settings.WebhookSecret.Env, settings.TwilioAuthToken.Env, settings.TwilioPublicURL.Env,
		settings.CallbackFallback.Env, settings.DefaultCallerID.Env, settings.TwilioAccountSID.Env} {
		unsetenv(t, k)
	}
	runner, err := local.ConfigFromEnv(os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	if runner.Fallback != local.DefaultFallback || runner.DefaultCallerID["US"] == "" {
		t.Fatalf("the runner's defaults: fallback %q, caller IDs %v", runner.Fallback, runner.DefaultCallerID)
	}
	sys := harness.Start(t, harness.Options{Config: func(c *local.Config) {
		c.Secret, c.Fallback, c.DefaultCallerID = runner.Secret, runner.Fallback, runner.DefaultCallerID
	}})
	t.Setenv(settings.Addr.Env, strings.TrimPrefix(sys.URL, "http://"))
	code, stdout, stderr := runCLI(t, "simulate", "twilio", "-testdata", "../../testdata")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{`callerId="+14255550001"`, "<Client>security-desk</Client>"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("no %s in\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, " 503 ") || strings.Contains(stdout, " 500 ") {
		t.Errorf("a step answered an error:\n%s", stdout)
	}
}

// A fallback Twilio cannot dial stops the runner, which always serves the
// Twilio routes.
func TestRunnerRefusesAnUndialableFallback(t *testing.T) {
	t.Setenv(settings.CallbackFallback.Env, "security-desk")
	if _, err := local.ConfigFromEnv(os.LookupEnv); err == nil || !strings.Contains(err.Error(), "client:<identity>") {
		t.Fatalf("err = %v", err)
	}
}
