package httpapi_test

import (
	"strings"
	"testing"
)

// TestSiteAlertChannels: the alert channels a site takes beside its emails,
// each validated where the site is, and what GET answers for them.
func TestSiteAlertChannels(t *testing.T) {
	h := newAPI(t, nil)
	const site = `"name":"Seattle HQ","country":"US","address":{"street":"1 Main St","city":"Seattle","region":"WA","postalCode":"98101","country":"US"},"networks":["10.1.0.0/16"]`
	for _, tc := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"defaults", `{` + site + `}`, 200, `"networks":["10.1.0.0/16"],"testAlerts":false`},
		{"all", `{` + site + `,"notifySms":["+1 (206) 555-0150"],"notifyWebhook":"https://hooks.example.com/services/T/B/X","escalateAfter":"90s","escalate":["director@example.com","+1 206 555 0160"],"testAlerts":true}`,
			200, `"notifySms":["+12065550150"],"notifyWebhook":"https://hooks.example.com/services/T/B/X","escalateAfter":"1m30s","escalate":["director@example.com","+12065550160"],"testAlerts":true`},
		{"smsNotE164", `{` + site + `,"notifySms":["555-0150"]}`, 400, "notifySms"},
		{"smsWord", `{` + site + `,"notifySms":["security desk"]}`, 400, "notifySms"},
		{"webhookHTTP", `{` + site + `,"notifyWebhook":"http://hooks.example.com/x"}`, 400, "notifyWebhook"},
		{"webhookRelative", `{` + site + `,"notifyWebhook":"/hooks/x"}`, 400, "notifyWebhook"},
		{"webhookCredentials", `{` + site + `,"notifyWebhook":"https://user:pw@hooks.example.com/x"}`, 400, "credentials"},
		{"webhookNoHost", `{` + site + `,"notifyWebhook":"https:///x"}`, 400, "no host"},
		{"escalateAfterSubSecond", `{` + site + `,"escalateAfter":"500ms"}`, 400, "escalateAfter"},
		{"escalateAfterZero", `{` + site + `,"escalateAfter":"0s"}`, 400, "escalateAfter"},
		{"escalateAfterWord", `{` + site + `,"escalateAfter":"soon"}`, 400, "escalateAfter"},
		{"escalateAfterOneSecond", `{` + site + `,"escalateAfter":"1s"}`, 200, `"escalateAfter":"1s"`},
		{"escalateBadEmail", `{` + site + `,"escalate":["nope"]}`, 400, "escalate"},
		{"escalateBadNumber", `{` + site + `,"escalate":["+12"]}`, 400, "escalate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := do(h, "PUT", "/v1/sites/sea", tc.body, nil)
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.want) {
				t.Fatalf("PUT: %d %s, want %d containing %s", w.Code, w.Body, tc.status, tc.want)
			}
			if tc.status != 200 {
				return
			}
			if w := do(h, "GET", "/v1/sites/sea", "", nil); !strings.Contains(strings.Join(strings.Fields(w.Body.String()), ""), tc.want) {
				t.Fatalf("GET: %s, want %s", w.Body, tc.want)
			}
		})
	}
}
