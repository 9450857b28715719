package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/settings"
)

// simulator sends the sample webhooks of testdata/, signed, to a runner.
type simulator struct {
	url     string
	secret  []byte
	dir     string
	callID  string
	agentID string
	to      string
	client  *http.Client
}

func runSimulate(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("simulate: want demo, dial, end or inbound")
	}
	action := args[0]
	fs := flag.NewFlagSet("simulate "+action, flag.ContinueOnError)
	s := &simulator{client: &http.Client{Timeout: 10 * time.Second}}
	fs.StringVar(&s.url, "url", "http://127.0.0.1:8080", "the local runner")
	fs.StringVar(&s.dir, "testdata", "testdata", "where the sample webhooks are")
	fs.StringVar(&s.callID, "call", "", "call id (default: the sample's)")
	fs.StringVar(&s.agentID, "agent", "", "agent id (default: the sample's)")
	fs.StringVar(&s.to, "to", "", "number dialled or called (default: the sample's)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	s.secret = []byte(settings.DevSecret)
	if v := os.Getenv("MAYDAY_WEBHOOK_SECRET"); v != "" {
		s.secret = []byte(v)
	}
	switch action {
	case "demo":
		return s.demo(ctx)
	case "dial":
		return s.webhook(ctx, "/v1/telephony/events", "dial.json")
	case "end":
		return s.webhook(ctx, "/v1/telephony/events", "end.json")
	case "inbound":
		return s.webhook(ctx, "/v1/telephony/inbound", "inbound.json")
	}
	return fmt.Errorf("simulate: unknown action %q (want demo, dial, end or inbound)", action)
}

// sample reads a sample body, applying the flags and the current time.
func (s *simulator) sample(dir, name string) ([]byte, error) {
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
	set("to", s.to)
	set("occurredAt", time.Now().UTC().Format(time.RFC3339))
	return json.Marshal(m)
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
		req.Header.Set(httpapi.SignatureHeader, httpapi.Sign(s.secret, time.Now(), body))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w (is `go run ./cmd/mayday local` running?)", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	fmt.Printf("%s %s -> %s\n%s\n", method, path, resp.Status, indent(out))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	return nil
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
	step := func(title string) { fmt.Printf("\n== %s\n", title) }
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
	pause := func() { time.Sleep(300 * time.Millisecond) } // let the bus deliver
	steps := []func() error{
		func() error { step("an operator configures the agent and the US callback pool"); return nil },
		func() error { return admin("PUT", "/v1/agents/"+s.agentID, "agent.json") },
		func() error { return admin("POST", "/v1/callback-numbers", "callback-number.json") },
		func() error {
			step("the agent dials 9-911")
			return s.webhook(ctx, "/v1/telephony/events", "dial.json")
		},
		func() error {
			pause()
			step("the desktop: Do Not Disturb, emergency panel, callback number")
			return admin("GET", "/v1/agents/"+s.agentID+"/state", "")
		},
		func() error { step("the emergency contacts' email"); return admin("GET", "/local/outbox", "") },
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
	}
	for _, f := range steps {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}
