package local_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/mayday/mayday/events/eventstest"
	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/local"
	"github.com/mayday/mayday/shared/testkit/harness"
	"github.com/mayday/mayday/shared/webhooksecret"
)

// invocation is one answer of the local Lambda Invoke API.
type invocation struct {
	status int
	header http.Header
	body   []byte
}

func invoke(t *testing.T, s *harness.System, function string, payload []byte) invocation {
	t.Helper()
	resp, err := http.Post(s.URL+"/2015-03-31/functions/"+function+"/invocations", "application/json", bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return invocation{resp.StatusCode, resp.Header, b}
}

// answer is a successful invocation's answer as a flat string map (what a
// contact flow reads).
func (i invocation) answer(t *testing.T) map[string]string {
	t.Helper()
	if i.status != http.StatusOK || i.header.Get("X-Amz-Function-Error") != "" {
		t.Fatalf("invocation: %d %s %s", i.status, i.header.Get("X-Amz-Function-Error"), i.body)
	}
	var m map[string]string
	if err := json.Unmarshal(i.body, &m); err != nil {
		t.Fatalf("answer %s: %v", i.body, err)
	}
	return m
}

// connectFixture is a fixture of testdata/connect/ with fields changed.
func connectFixture(t *testing.T, name string, change func(map[string]any)) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(harness.TestdataDir(), "connect", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	out, _ := json.Marshal(m)
	return out
}

func contactData(m map[string]any) map[string]any {
	return m["Details"].(map[string]any)["ContactData"].(map[string]any)
}

// ConnectFlow drives the chain as Amazon Connect would, through the Invoke
// API: the outbound whisper flow asks about an agent's 911 dial and gets the
// leased caller ID and the site's address; the agent is on Do Not Disturb;
// the contact's DISCONNECTED event ends the call and restores presence; the
// PSAP's callback to the leased number is routed to the agent at emergency
// priority, and its own DISCONNECTED restores presence again.
func ConnectFlow(t *testing.T, s *harness.System) {
	c := s.Client(t)
	agent := fmt.Sprintf("a-%d", time.Now().UnixNano())
	site := "site-" + agent
	dialID, callbackID := agent+"-contact", agent+"-callback"
	number := fmt.Sprintf("+1206%07d", time.Now().UnixNano()%10_000_000)
	c.OK("PUT", "/v1/sites/"+site, harness.Sample(t, "admin/site.json", nil), false)
	c.OK("PUT", "/v1/agents/"+agent, harness.Sample(t, "admin/agent.json", map[string]any{"siteId": site}), false)
	c.OK("POST", "/v1/callback-numbers", map[string]string{"number": number, "country": "US", "siteId": site}, false)

	dial := invoke(t, s, "connect-flow", connectFixture(t, "flow-dial", func(m map[string]any) {
		contactData(m)["ContactId"] = dialID
		m["Details"].(map[string]any)["Parameters"].(map[string]any)["agentId"] = agent
	})).answer(t)
	if dial["emergency"] != "true" || dial["callerId"] != number || dial["callbackExpiresAt"] == "" ||
		dial["location"] != "Seattle HQ, Building 4, floor 2, 1 Main St, Seattle, WA 98101, US" || dial["civicAddress"] != seattleCivic {
		t.Fatalf("dial answer: %v", dial)
	}
	if st := c.OK("GET", "/v1/agents/"+agent+"/state", nil, false); st["presence"] != "DoNotDisturb" {
		t.Fatalf("state during the call: %v", st)
	}
	harness.Eventually(t, "the notification", func() bool {
		for _, e := range s.Emails(t) {
			if strings.Contains(fmt.Sprint(e["text"]), dialID) {
				return true
			}
		}
		return false
	})

	disconnected := func(contact string) {
		t.Helper()
		ev := connectFixture(t, "contact-event-disconnected", func(m map[string]any) {
			m["detail"].(map[string]any)["contactId"] = contact
			m["detail"].(map[string]any)["disconnectTimestamp"] = time.Now().UTC().Format(time.RFC3339)
		})
		for range 2 { // EventBridge delivers at least once: a repeat changes nothing
			if inv := invoke(t, s, "connect-events", ev); inv.status != http.StatusOK || inv.header.Get("X-Amz-Function-Error") != "" {
				t.Fatalf("connect-events: %d %s", inv.status, inv.body)
			}
		}
		harness.Eventually(t, "presence restored after "+contact, func() bool {
			st := c.OK("GET", "/v1/agents/"+agent+"/state", nil, false)
			return st["presence"] == "Busy" && harness.Get(st, "emergency.active") == false
		})
	}
	disconnected(dialID)

	routed := invoke(t, s, "connect-flow", connectFixture(t, "flow-inbound", func(m map[string]any) {
		contactData(m)["ContactId"] = callbackID
		contactData(m)["SystemEndpoint"].(map[string]any)["Address"] = number
	})).answer(t)
	want := map[string]string{"route": "agent", "agentId": agent, "agentArn": "", "priority": "emergency", "target": "",
		"fallback": harness.Fallback}
	if fmt.Sprint(routed) != fmt.Sprint(want) {
		t.Fatalf("inbound answer %v, want %v (no Connect instance locally: no ARN)", routed, want)
	}
	if st := c.OK("GET", "/v1/agents/"+agent+"/state", nil, false); st["presence"] != "DoNotDisturb" {
		t.Fatalf("state during the callback: %v", st)
	}
	disconnected(callbackID)
}

// seattleCivic is the sample site's address as Connect's CivicAddress,
// with the fixture's detail.
const seattleCivic = `{"country":"US","A1":"WA","A3":"Seattle","RD":"Main","STS":"St","HNO":"1","LOC":"Building 4, floor 2",` +
	`"NAM":"Seattle HQ","PC":"98101"}`

// TestConnectDialWithoutCountry: a whisper flow that passes no country,
// for a number Connect reports without a calling code, through the Invoke
// API: the country is the dial's location's (the agent's site), else the
// agent's; the answer carries the CivicAddress of the location, or none.
func TestConnectDialWithoutCountry(t *testing.T) {
	s := harness.Start(t, harness.Options{Config: longLease})
	c := s.Client(t)
	c.OK("PUT", "/v1/sites/sea", harness.Sample(t, "admin/site.json", nil), false)
	c.OK("POST", "/v1/callback-numbers", map[string]string{"number": "+12065550111", "country": "US", "siteId": "sea"}, false)
	c.OK("PUT", "/v1/agents/at-site", harness.Sample(t, "admin/agent.json", nil), false)
	c.OK("PUT", "/v1/agents/nowhere", harness.Sample(t, "admin/agent.json", map[string]any{"siteId": nil, "country": "GB"}), false)
	for _, tt := range []struct {
		agent, dialled string
		want           map[string]string
	}{
		{"at-site", "911", map[string]string{"emergency": "true", "callerId": "+12065550111", "civicAddress": seattleCivic}},
		// No location and no GB pool: the runner's platform default for GB.
		{"nowhere", "999", map[string]string{"emergency": "true", "callerId": "+442071230000", "civicAddress": "", "location": ""}},
		// 933 is a test call in the US only: the agent's country decided.
		{"nowhere", "933", map[string]string{"emergency": "false", "reason": "not-emergency-number", "civicAddress": ""}},
	} {
		t.Run(tt.agent+" dials "+tt.dialled, func(t *testing.T) {
			got := invoke(t, s, "connect-flow", connectFixture(t, "flow-dial", func(m map[string]any) {
				contactData(m)["ContactId"] = tt.agent + "-" + tt.dialled
				contactData(m)["CustomerEndpoint"].(map[string]any)["Address"] = tt.dialled
				params := m["Details"].(map[string]any)["Parameters"].(map[string]any)
				params["agentId"] = tt.agent
				delete(params, "country")
			})).answer(t)
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q (answer %v)", k, got[k], v, got)
				}
			}
		})
	}
}

// longLease keeps the lease through the flow's waits on the emulators.
func longLease(c *local.Config) { fast(c); c.Lease = time.Minute }

func TestConnectFlowOnTheInvokeAPI(t *testing.T) {
	ConnectFlow(t, harness.Start(t, harness.Options{Config: longLease}))
}

func TestConnectFlowOnTheInvokeAPIOnEmulators(t *testing.T) {
	ConnectFlow(t, harness.Start(t, harness.Options{DynamoDB: true, SES: true, Config: longLease}))
}

// TestInvokeAPI: every function answers by its directory name under
// functions/, as Lambda's Invoke API does: event consumers their EventBridge
// event, the HTTP functions a Function URL request; a function error is a
// 200 saying so; an unknown name a 404.
func TestInvokeAPI(t *testing.T) {
	s := harness.Start(t, harness.Options{Config: fast})
	dirs, err := os.ReadDir(filepath.Join(harness.TestdataDir(), "..", "functions"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() { // the list of functions (package functions) lives here too
			continue
		}
		// An empty object is a malformed event for every function: each
		// must be reached, and answer with its own function error or
		// answer. With no presence platform, presence-push is not
		// deployed in AWS either: Lambda's 404.
		want := http.StatusOK
		if d.Name() == functions.PresencePush {
			want = http.StatusNotFound
		}
		inv := invoke(t, s, d.Name(), []byte(`{}`))
		if inv.status != want {
			t.Errorf("%s: %d %s, want %d", d.Name(), inv.status, inv.body, want)
		}
	}
	t.Run("presence-push with a platform", func(t *testing.T) {
		s := harness.Start(t, harness.Options{Config: fast, Presence: noPlatform{}})
		if inv := invoke(t, s, functions.PresencePush, []byte(`{}`)); inv.status != http.StatusOK {
			t.Errorf("presence-push: %d %s, want the function reached", inv.status, inv.body)
		}
	})

	t.Run("event consumer takes its EventBridge event", func(t *testing.T) {
		inv := invoke(t, s, "lease-expiry", eventstest.Bytes(t, "scheduled-event"))
		if inv.status != http.StatusOK || inv.header.Get("X-Amz-Function-Error") != "" || string(inv.body) != "null" {
			t.Errorf("lease-expiry: %d %q %s", inv.status, inv.header.Get("X-Amz-Function-Error"), inv.body)
		}
	})
	t.Run("function error", func(t *testing.T) {
		inv := invoke(t, s, "connect-flow", connectFixture(t, "flow-dial", func(m map[string]any) {
			m["Details"].(map[string]any)["Parameters"].(map[string]any)["action"] = "transfer"
		}))
		var e struct{ ErrorMessage, ErrorType string }
		_ = json.Unmarshal(inv.body, &e)
		if inv.status != http.StatusOK || inv.header.Get("X-Amz-Function-Error") != "Unhandled" ||
			!strings.Contains(e.ErrorMessage, `action "transfer"`) || e.ErrorType == "" {
			t.Errorf("unknown action: %d %q %s", inv.status, inv.header.Get("X-Amz-Function-Error"), inv.body)
		}
	})
	t.Run("invocation types", func(t *testing.T) {
		for typ, want := range map[string]int{"Event": http.StatusAccepted, "DryRun": http.StatusNoContent, "Sometime": http.StatusBadRequest} {
			req, _ := http.NewRequest("POST", s.URL+"/2015-03-31/functions/lease-expiry/invocations", bytes.NewReader(eventstest.Bytes(t, "scheduled-event")))
			req.Header.Set("X-Amz-Invocation-Type", typ)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("%s: %d, want %d", typ, resp.StatusCode, want)
			}
		}
	})
	t.Run("loopback only", func(t *testing.T) {
		req := httptest.NewRequest("POST", "/2015-03-31/functions/lease-expiry/invocations", bytes.NewReader(eventstest.Bytes(t, "scheduled-event")))
		req.RemoteAddr, req.Host = "192.0.2.10:40000", "127.0.0.1:8080"
		rec := httptest.NewRecorder()
		s.Main.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Errorf("from another host: %d %s", rec.Code, rec.Body)
		}
	})
	t.Run("unknown function", func(t *testing.T) {
		inv := invoke(t, s, "no-such-function", []byte(`{}`))
		if inv.status != http.StatusNotFound || inv.header.Get("X-Amzn-ErrorType") != "ResourceNotFoundException" {
			t.Errorf("unknown: %d %s", inv.status, inv.body)
		}
	})
	t.Run("by ARN", func(t *testing.T) {
		inv := invoke(t, s, "arn:aws:lambda:us-east-1:000000000000:function:lease-expiry:$LATEST", eventstest.Bytes(t, "scheduled-event"))
		if inv.status != http.StatusOK || inv.header.Get("X-Amz-Function-Error") != "" {
			t.Errorf("by ARN: %d %s", inv.status, inv.body)
		}
	})
	t.Run("Function URL request", func(t *testing.T) {
		body := harness.Sample(t, "webhooks/end.json", map[string]any{"callId": "url-call"})
		req := lambdaevents.LambdaFunctionURLRequest{Version: "2.0", RawPath: "/v1/telephony/events",
			Headers: map[string]string{"content-type": "application/json",
				strings.ToLower(webhooksecret.SignatureHeader): webhooksecret.Sign(s.Secret, time.Now(), []byte(body))},
			RequestContext: lambdaevents.LambdaFunctionURLRequestContext{DomainName: "abc.lambda-url.us-east-1.on.aws",
				HTTP: lambdaevents.LambdaFunctionURLRequestContextHTTPDescription{Method: "POST", Path: "/v1/telephony/events", SourceIP: "127.0.0.1"}},
			Body: body}
		payload, _ := json.Marshal(req)
		inv := invoke(t, s, "dial-detection", payload)
		var res lambdaevents.LambdaFunctionURLResponse
		if err := json.Unmarshal(inv.body, &res); err != nil || inv.header.Get("X-Amz-Function-Error") != "" {
			t.Fatalf("dial-detection: %d %s", inv.status, inv.body)
		}
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `"callId":"url-call"`) {
			t.Errorf("dial-detection answered %+v", res)
		}
		// Unsigned: the webhook's own 401, inside a successful invocation.
		delete(req.Headers, strings.ToLower(webhooksecret.SignatureHeader))
		payload, _ = json.Marshal(req)
		_ = json.Unmarshal(invoke(t, s, "dial-detection", payload).body, &res)
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("unsigned: %+v", res)
		}
	})
}

// noPlatform is a presence platform that is never reached (a malformed
// event stops before it).
type noPlatform struct{}

func (noPlatform) DoNotDisturb(context.Context, string) (string, error) {
	return "", errors.New("not expected")
}
func (noPlatform) Restore(context.Context, string, string) error { return errors.New("not expected") }
