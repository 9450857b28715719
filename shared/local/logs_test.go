package local

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/webhooksecret"
)

// lockedBuffer collects log output written from many goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The personal data of the flow below: none of it may reach a log line.
const (
	logAgentName  = "Adelaide Quennell"
	logAgentEmail = "adelaide.quennell@example.com"
	logContacts   = "sup.visor@example.com; front.desk@example.org"
	logLocation   = "Harbour House, floor 3, desk 17B"
	logFrom       = "+14255550100"
	logCallback   = "+14255550123"
	logPSAP       = "+14255550199"
	logOrdinaryTo = "+1 (425) 555-0142"
	logBadContact = "not-an-address"
	logHomeStreet = "Larkspur Crescent"
	logOwnNumber  = "+12065550177"
)

var (
	// A phone number: 7 or more digits in a row, or E.164.
	phoneRe = regexp.MustCompile(`\+?[0-9]{7,}`)
	emailRe = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+`)
	// What may hold long digit runs legitimately: timestamps (nanoseconds)
	// and the bus's random event ids.
	timeRe = regexp.MustCompile(`[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})`)
	uuidRe = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
)

// TestLogsHoldNoPersonalData drives a full flow through the local runner with
// its logger capturing JSON, then checks that the logs name calls and agents
// by id only: no phone number, email address, agent name or location.
func TestLogsHoldNoPersonalData(t *testing.T) {
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// Anything logging through the default logger (or package log) is caught too.
	prev := slog.Default()
	slog.SetDefault(logger)
	t.Cleanup(func() { slog.SetDefault(prev) })

	m := &Main{Log: logger, Config: Config{Config: mayday.Config{Lease: time.Second, Fallback: "security-desk", Dial: mayday.DialRules{Prefix: "9"}}, Addr: "127.0.0.1:0", SweepInterval: 50 * time.Millisecond, Secret: "logs-secret", BusAttempts: 3, BusBackoff: 10 * time.Millisecond}}
	if err := m.Open(); err != nil {
		t.Fatal(err)
	}
	var closeOnce sync.Once
	closeMain := func() { closeOnce.Do(func() { _ = m.Close() }) }
	t.Cleanup(closeMain)

	call := func(method, path string, body any, sign bool) (int, map[string]any) {
		t.Helper()
		var raw []byte
		if s, ok := body.(string); ok {
			raw = []byte(s)
		} else if body != nil {
			raw, _ = json.Marshal(body)
		}
		req, err := http.NewRequest(method, m.URL+path, bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if sign {
			req.Header.Set(webhooksecret.SignatureHeader, webhooksecret.Sign([]byte(m.Config.Secret), time.Now(), raw))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		out := map[string]any{}
		_ = json.Unmarshal(b, &out)
		return resp.StatusCode, out
	}
	ok := func(method, path string, body any, sign bool) map[string]any {
		t.Helper()
		code, out := call(method, path, body, sign)
		if code/100 != 2 {
			t.Fatalf("%s %s: %d %v", method, path, code, out)
		}
		return out
	}
	eventually := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	webhook := func(kv ...string) map[string]any {
		e := map[string]any{"occurredAt": time.Now().UTC().Format(time.RFC3339)}
		for i := 0; i < len(kv); i += 2 {
			e[kv[i]] = kv[i+1]
		}
		return e
	}
	const agent, callID, callbackID, ordinaryID = "agent-logs", "call-logs-1", "call-logs-cb", "call-logs-2"

	// Setup, including refused requests that name what is wrong.
	ok("PUT", "/v1/agents/"+agent, map[string]any{"name": logAgentName, "email": logAgentEmail, "presence": "Busy",
		"country": "US", "emergencyContacts": logContacts, "mailboxEnabled": true, "outboundVoiceProfile": true}, false)
	if code, _ := call("PUT", "/v1/agents/"+agent, map[string]any{"name": logAgentName,
		"emergencyContacts": logContacts + "; " + logBadContact}, false); code != 400 {
		t.Fatalf("bad contact: %d", code)
	}
	ok("POST", "/v1/callback-numbers", map[string]string{"number": logCallback, "country": "US"}, false)
	// The agent confirms their home (an address and their own number), is
	// ready, then goes back to the flow below without a location.
	ok("PUT", "/v1/agents/"+agent+"/location", map[string]any{"address": map[string]string{"houseNumber": "48",
		"street": logHomeStreet, "city": "Tacoma", "region": "WA", "postalCode": "98402", "country": "US"},
		"detail": logLocation, "callbackNumber": logOwnNumber}, false)
	if r := ok("GET", "/v1/agents/"+agent+"/readiness", nil, false); r["ready"] != true {
		t.Fatalf("readiness: %v", r)
	}
	if code, _ := call("DELETE", "/v1/agents/"+agent+"/location", nil, false); code != 204 {
		t.Fatalf("clearing the location: %d", code)
	}
	ok("GET", "/v1/agents/"+agent, nil, false)
	dial := webhook("type", "call.dialed", "callId", callID, "agentId", agent, "from", logFrom, "to", "9-911",
		"country", "US", "location", logLocation)
	if code, _ := call("POST", "/v1/telephony/events", dial, false); code != 401 {
		t.Fatalf("unsigned dial: %d", code)
	}

	// The emergency call, retried by telephony, its email and a PSAP callback.
	if r := ok("POST", "/v1/telephony/events", dial, true); r["emergency"] != true {
		t.Fatalf("dial: %v", r)
	}
	ok("POST", "/v1/telephony/events", dial, true)
	eventually("the email", func() bool { return len(m.Outbox.Emails()) == 1 })
	if e := m.Outbox.Emails()[0]; !strings.Contains(e.Text, logAgentName) || !strings.Contains(e.Text, logLocation) {
		t.Fatalf("the email lacks the agent's details (so the check below would prove nothing): %+v", e)
	}
	ok("GET", "/v1/agents/"+agent+"/state", nil, false)
	r := ok("POST", "/v1/telephony/inbound", map[string]string{"callId": callbackID, "from": logPSAP, "to": logCallback}, true)
	if r["route"] != "agent" {
		t.Fatalf("callback: %v", r)
	}
	ok("POST", "/v1/telephony/events", webhook("type", "call.ended", "callId", callID), true)
	ok("POST", "/v1/telephony/events", webhook("type", "call.ended", "callId", callbackID), true)
	eventually("presence restored", func() bool {
		return ok("GET", "/v1/agents/"+agent+"/state", nil, false)["presence"] == "Busy"
	})

	// An ordinary call (recorded in history), a test call, and an emergency
	// number dialled from an unsupported location (an operator alarm).
	ok("POST", "/v1/telephony/events", webhook("type", "call.dialed", "callId", ordinaryID, "agentId", agent,
		"from", logFrom, "to", logOrdinaryTo, "country", "US", "location", logLocation), true)
	ok("POST", "/v1/telephony/events", webhook("type", "call.ended", "callId", ordinaryID), true)
	eventually("the history activity", func() bool {
		h := ok("GET", "/v1/agents/"+agent+"/history", nil, false)
		acts, _ := h["activities"].([]any)
		return len(acts) == 1
	})
	ok("POST", "/v1/telephony/events", webhook("type", "call.dialed", "callId", "call-logs-3", "agentId", agent,
		"from", logFrom, "to", "933", "country", "US", "location", logLocation), true)
	ok("POST", "/v1/telephony/events", webhook("type", "call.dialed", "callId", "call-logs-4", "agentId", agent,
		"from", logFrom, "to", "112", "country", "FR", "location", logLocation), true)

	// The lease runs out; the sweep releases it; a late callback falls back.
	eventually("the lease to expire", func() bool {
		return ok("GET", "/v1/agents/"+agent+"/state", nil, false)["emergency"].(map[string]any)["callbackNumber"] == nil
	})
	eventually("the sweep's Callback Lease Expired", func() bool {
		for _, e := range m.Bus.Events() {
			if strings.Contains(string(e), "Callback Lease Expired") {
				return true
			}
		}
		return false
	})
	ok("POST", "/v1/telephony/inbound", map[string]string{"callId": "call-logs-late", "from": logPSAP, "to": logCallback}, true)
	ok("GET", "/v1/callback-numbers", nil, false)
	m.Settle()
	closeMain()

	out := logs.String()
	if !strings.Contains(out, agent) || !strings.Contains(out, callID) {
		t.Fatalf("the logs do not name the agent and call by id; is the logger wired?\n%s", out)
	}
	var leaks []string
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			leaks = append(leaks, fmt.Sprintf("line %d is not JSON: %s", n, line))
			continue
		}
		if found := personalData(rec); len(found) > 0 {
			leaks = append(leaks, fmt.Sprintf("line %d holds %q: %s", n, found, line))
		}
	}
	if len(leaks) > 0 {
		t.Errorf("personal data in the logs:\n%s", strings.Join(leaks, "\n"))
	}
	t.Logf("%d log lines checked", strings.Count(out, "\n"))
}

// personalData returns what in a decoded log record looks like personal
// data: a phone number or email address anywhere (decoded, so a JSON escape
// cannot hide one), or any of the flow's personal values.
func personalData(rec map[string]any) []string {
	var text []string
	collectStrings(rec, &text)
	s := strings.Join(text, "\n")
	scrubbed := uuidRe.ReplaceAllString(timeRe.ReplaceAllString(s, "<time>"), "<id>")
	var found []string
	found = append(found, phoneRe.FindAllString(scrubbed, -1)...)
	found = append(found, emailRe.FindAllString(s, -1)...)
	for _, pd := range []string{logAgentName, "Quennell", logAgentEmail, logLocation, "Harbour House", logFrom,
		logCallback, logPSAP, "555-0142", "5550142", logBadContact, "sup.visor", "front.desk", logHomeStreet, logOwnNumber} {
		if strings.Contains(s, pd) {
			found = append(found, pd)
		}
	}
	return found
}

// TestPersonalDataDetector: the check above finds what it must and passes
// what a log legitimately holds (times with nanoseconds, event ids).
func TestPersonalDataDetector(t *testing.T) {
	tests := []struct {
		line string
		leak bool
	}{
		{`{"time":"2026-11-22T21:00:00.123456789Z","msg":"http","ms":0.125}`, false},
		{`{"msg":"audit","eventId":"12345678-1234-4234-8234-123456789012","callId":"c-1","agentId":"a-1"}`, false},
		{`{"msg":"x","to":"+14255550100"}`, true},
		{`{"msg":"x","err":"number 4255550100 is not E.164"}`, true},
		{`{"msg":"x","err":"recipient: invalid: \"a@b.example\" is not valid"}`, true},
		{`{"msg":"x","to":"\u003cops@example.com\u003e"}`, true},
		{`{"msg":"x","nested":{"list":["desk: Harbour House, floor 3, desk 17B"]}}`, true},
		{`{"msg":"x","Adelaide Quennell":1}`, true},
	}
	for _, tt := range tests {
		var rec map[string]any
		if err := json.Unmarshal([]byte(tt.line), &rec); err != nil {
			t.Fatal(err)
		}
		if got := personalData(rec); (len(got) > 0) != tt.leak {
			t.Errorf("personalData(%s) = %q, want leak=%v", tt.line, got, tt.leak)
		}
	}
}

// collectStrings gathers every key and string value of a decoded JSON value.
func collectStrings(v any, out *[]string) {
	switch v := v.(type) {
	case string:
		*out = append(*out, v)
	case map[string]any:
		for k, x := range v {
			*out = append(*out, k)
			collectStrings(x, out)
		}
	case []any:
		for _, x := range v {
			collectStrings(x, out)
		}
	case float64:
		*out = append(*out, fmt.Sprint(v))
	}
}

type refusingMailer struct{}

func (refusingMailer) Send(_ context.Context, e mayday.Email) error {
	return fmt.Errorf("mail server refused %v (callback %s)", e.To, e.Data["callbackNumber"])
}

// TestFailureLogsHoldNoPersonalData: error messages carry personal data
// (here the mailer names the recipients and a number); the runner's logger
// masks addresses and numbers on every path, retries and dead letters
// included. Free text (a name, a location) cannot be recognised: no code
// path puts it in an error.
func TestFailureLogsHoldNoPersonalData(t *testing.T) {
	logs := &lockedBuffer{}
	m := &Main{Log: slog.New(slog.NewJSONHandler(logs, nil)), Mailer: refusingMailer{},
		Config: Config{Config: mayday.Config{Lease: time.Minute, Dial: mayday.DialRules{Prefix: "9"}}, Addr: "127.0.0.1:0", SweepInterval: time.Minute, Secret: "s", BusAttempts: 2, BusBackoff: time.Millisecond}}
	if err := m.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	ctx := context.Background()
	contacts, _ := mayday.ParseContacts(logContacts)
	if _, _, err := m.UseCases.AdminAPI.AddNumber(ctx, logCallback, "US"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.UseCases.AdminAPI.PutAgent(ctx, "a-1", mayday.Profile{Name: logAgentName, Country: "US", EmergencyContacts: contacts}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.UseCases.DialDetection.HandleCall(ctx, mayday.CallEvent{Type: mayday.CallEventDialed, CallID: "c-1", AgentID: "a-1",
		From: logFrom, To: "911", Country: "US", Location: logLocation, OccurredAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); len(m.Bus.DeadLetters()) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the refused email never reached the dead letters")
		}
	}
	out := logs.String()
	if !strings.Contains(out, "mail server refused") {
		t.Fatalf("the failure was not logged (the check would prove nothing):\n%s", out)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not JSON: %s", line)
		}
		if found := personalData(rec); len(found) > 0 {
			t.Errorf("personal data %q in: %s", found, line)
		}
	}
}
