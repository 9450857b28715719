package twiliofallback_test

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/twiliofallback"
)

// response is the TwiML the package writes, as Twilio reads it.
type response struct {
	Dial *struct {
		CallerID       string `xml:"callerId,attr"`
		Timeout        string `xml:"timeout,attr"`
		AnswerOnBridge string `xml:"answerOnBridge,attr"`
		Number         string
		Client         string
	}
	Redirect *struct {
		Method string `xml:"method,attr"`
		URL    string `xml:",chardata"`
	}
}

func parse(t *testing.T, doc string) response {
	t.Helper()
	var r response
	if err := xml.Unmarshal([]byte(doc), &r); err != nil {
		t.Fatalf("not TwiML: %v\n%s", err, doc)
	}
	return r
}

// TestCallback: a pool number's fallback rings the callback fallback, a
// number as a number and client:<identity> as a Voice SDK client, for 30 s;
// anything Twilio cannot dial is refused.
func TestCallback(t *testing.T) {
	for _, tc := range []struct{ fallback, number, client string }{
		{"+14255559999", "+14255559999", ""},
		{"client:security-desk", "", "security-desk"},
		{"security-desk", "", ""},
	} {
		t.Run(tc.fallback, func(t *testing.T) {
			doc, err := twiliofallback.Callback(tc.fallback)
			if tc.number == "" && tc.client == "" {
				if !errors.Is(err, mayday.ErrInvalid) {
					t.Fatalf("err %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			d := parse(t, doc).Dial
			if d == nil || d.Number != tc.number || d.Client != tc.client || d.Timeout != "30" || d.AnswerOnBridge != "true" {
				t.Errorf("got %s", doc)
			}
		})
	}
}

var defaults = map[string]string{"US": "+12065550100", "GB": "+442071230000"}

// TestTable: each emergency or test number, dialled with or without the
// access prefix, is placed without it, presenting the country's default
// caller ID (the first configured one where the country has none);
// anything else is not in the table.
func TestTable(t *testing.T) {
	table, err := twiliofallback.Table(mayday.DialRules{Prefix: "9"}, defaults)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ dialled, country, number, callerID string }{
		{"9911", "US", "911", "+12065550100"},
		{"911", "US", "911", "+12065550100"},
		{"911", "GB", "911", "+442071230000"},
		{"9999", "GB", "999", "+442071230000"},
		{"9933", "US", "933", "+12065550100"},
		{"112", "DK", "112", "+442071230000"},
		{"9112", "*", "112", "+442071230000"},
		{"999", "US", "", ""},
		{"12065550100", "US", "", ""},
		{"99911", "US", "", ""},
	} {
		t.Run(tc.dialled+"/"+tc.country, func(t *testing.T) {
			doc, ok := table[tc.dialled][tc.country]
			if tc.number == "" {
				if ok {
					t.Fatalf("dials %s", doc)
				}
				return
			}
			d := parse(t, doc).Dial
			if d == nil || d.Number != tc.number || d.CallerID != tc.callerID || d.AnswerOnBridge != "true" {
				t.Errorf("got %s", doc)
			}
		})
	}
	if _, err := twiliofallback.Table(mayday.DialRules{}, nil); !errors.Is(err, twiliofallback.ErrNoCallerID) {
		t.Errorf("no defaults: %v, want ErrNoCallerID", err)
	}
}

// TestFunction runs the Twilio Function under Node.js, with Twilio's
// Response as the Functions runtime provides it (headers and body): an
// emergency dial with the prefix is placed without it from the country's
// default, an unknown country gets "*", anything else is redirected to the
// ordinary calls' URL.
func TestFunction(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	rules := mayday.DialRules{Prefix: "9"}
	src, err := twiliofallback.Function(rules, defaults, "https://example.com/ordinary?a=1&b=2")
	if err != nil {
		t.Fatal(err)
	}
	table, _ := twiliofallback.Table(rules, defaults)
	dir := t.TempDir()
	fn := filepath.Join(dir, "fallback.js")
	if err := os.WriteFile(fn, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	harness := `global.Twilio = { Response: class { constructor() { this.headers = {}; }
  appendHeader(k, v) { this.headers[k] = v; } setBody(b) { this.body = b; } } };
const f = require(process.argv[1]);
f.handler({}, JSON.parse(process.argv[2]), (err, r) => {
  if (err) { throw err; }
  process.stdout.write(JSON.stringify({type: r.headers['Content-Type'], body: r.body}));
});`
	for _, tc := range []struct {
		event map[string]string
		want  string
	}{
		{map[string]string{"To": "9-911", "Country": "US"}, table["9911"]["US"]},
		{map[string]string{"To": "9 999", "Country": "uk"}, table["9999"]["GB"]},
		{map[string]string{"To": "911"}, table["911"]["*"]},
		{map[string]string{"To": "+1 (206) 555-0100", "Country": "US"}, ""},
	} {
		t.Run(tc.event["To"], func(t *testing.T) {
			ev, _ := json.Marshal(tc.event)
			out, err := exec.Command(node, "-e", harness, fn, string(ev)).CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			var got struct{ Type, Body string }
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if got.Type != "text/xml" {
				t.Errorf("content type %q", got.Type)
			}
			if tc.want != "" {
				g, _ := json.Marshal(parse(t, got.Body))
				w, _ := json.Marshal(parse(t, tc.want))
				if string(g) != string(w) {
					t.Errorf("got %s, want %s", got.Body, tc.want)
				}
				return
			}
			r := parse(t, got.Body).Redirect
			if r == nil || r.URL != "https://example.com/ordinary?a=1&b=2" || r.Method != "POST" || strings.Contains(got.Body, "<Dial") {
				t.Errorf("got %s, want a redirect to the ordinary URL", got.Body)
			}
		})
	}
}
