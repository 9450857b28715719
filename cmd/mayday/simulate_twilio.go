package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/local"
	"github.com/mayday/mayday/shared/testkit/twiliotest"
)

// twilio walks the flow through the Twilio routes, with the requests of
// testdata/twilio/ signed as Twilio signs them (with the auth token and
// over the public URL the runner reads).
func (s *simulator) twilio(ctx context.Context) error {
	cfg, err := local.ConfigFromEnv(os.LookupEnv)
	if err != nil {
		return err
	}
	base := cmp.Or(strings.TrimRight(cfg.TwilioPublicURL, "/"), s.url)
	agent, err := s.sampleFields("admin", "agent.json")
	if err != nil {
		return err
	}
	number, err := s.sampleFields("admin", "callback-number.json")
	if err != nil {
		return err
	}
	agentID, site := cmp.Or(s.agentID, "a-1"), fmt.Sprint(agent["siteId"])
	voice := map[string]string{"From": "client:" + agentID, "Caller": "client:" + agentID, "SiteId": site}
	if s.callID != "" {
		voice["CallSid"] = s.callID
	}
	if s.to != "" {
		voice["To"] = s.to
	}
	voiceForm, err := s.twilioSample("voice", voice)
	if err != nil {
		return err
	}
	callback := map[string]string{"To": fmt.Sprint(number["number"]), "Called": fmt.Sprint(number["number"])}
	callbackForm, err := s.twilioSample("inbound", callback)
	if err != nil {
		return err
	}
	step := func(title string) { fmt.Fprintf(s.out, "\n== %s\n", title) }
	admin := func(method, path, sample string) error {
		var body []byte
		if sample != "" {
			if body, err = s.sample("admin", sample); err != nil {
				return err
			}
		}
		return s.send(ctx, method, path, body, false)
	}
	post := func(path, name string, set map[string]string) (int, error) {
		form, err := s.twilioSample(name, set)
		if err != nil {
			return 0, err
		}
		return s.sendTwilio(ctx, cfg.TwilioAuthToken, base, path, form)
	}
	must := func(code int, err error) error {
		if err == nil && code >= 300 {
			err = fmt.Errorf("answered %d", code)
		}
		return err
	}
	steps := []func() error{
		func() error {
			step("an operator configures the site, the agent and a callback number at the site")
			if site != "" {
				if err := admin("PUT", "/v1/sites/"+site, "site.json"); err != nil {
					return err
				}
			}
			return admin("PUT", "/v1/agents/"+agentID, "agent.json")
		},
		func() error { return admin("POST", "/v1/callback-numbers", "callback-number.json") },
		func() error {
			step("the agent's Voice SDK client dials 9-911 (the TwiML App's Voice URL): Twilio dials 911 presenting the leased number")
			return must(post("/v1/twilio/voice", "voice", voice))
		},
		func() error {
			time.Sleep(300 * time.Millisecond) // let the bus deliver
			step("the desktop: Do Not Disturb, emergency panel, callback number")
			return admin("GET", "/v1/agents/"+agentID+"/state", "")
		},
		func() error {
			step("the emergency service calls the number back (its Voice URL): the agent's client rings at once")
			return must(post("/v1/twilio/inbound", "inbound", callback))
		},
		func() error {
			step("the agent does not answer within 30 s: the <Dial> action rings the fallback (MAYDAY_CALLBACK_FALLBACK: a number or client:<identity>; locally client:security-desk)")
			return must(post("/v1/twilio/inbound", "inbound-dial-action", callback))
		},
		func() error {
			step("both calls end (the status callbacks)")
			if err := must(post("/v1/twilio/status", "status", map[string]string{"CallSid": voiceForm.Get("CallSid")})); err != nil {
				return err
			}
			return must(post("/v1/twilio/status", "status", map[string]string{"CallSid": callbackForm.Get("CallSid")}))
		},
		func() error {
			time.Sleep(300 * time.Millisecond)
			step("presence restored")
			return admin("GET", "/v1/agents/"+agentID+"/state", "")
		},
	}
	for _, f := range steps {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// twilioSample is testdata/twilio/<name>.form with parameters set.
func (s *simulator) twilioSample(name string, set map[string]string) (url.Values, error) {
	form, err := twiliotest.SampleIn(filepath.Join(s.dir, "twilio"), name, set)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("sample %s: %w (run from the repository root or pass -testdata)", name, err)
	}
	return form, err
}

// sendTwilio posts form to the runner as Twilio would, signed over the URL
// Twilio would have called (base+path), and prints the answer.
func (s *simulator) sendTwilio(ctx context.Context, token, base, path string, form url.Values) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+path, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(httpapi.TwilioSignatureHeader, twiliotest.Sign(token, base+path, form))
	return s.do(req, path)
}
