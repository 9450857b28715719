package console_test

import (
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mayday/mayday/shared/testkit/harness"
)

// A page of another site, open in the operator's browser while the
// runner runs, tries what such a page can: a form posted as text/plain
// (JSON in the field's name), a no-cors fetch of the admin API and of the
// Invoke API. Chromium sends them; the runner changes nothing.
func TestBrowserAnotherSitesPageCannotDriveTheRunner(t *testing.T) {
	sys, c := system(t)
	ctx := browser(t)
	number := "+14255550077"
	body := fmt.Sprintf(`{"number":%q,"country":"US","siteId":"sea"}`, number)
	flow, err := os.ReadFile(filepath.Join(harness.TestdataDir(), "connect", "flow-dial.json"))
	if err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf(`<!doctype html><title>evil</title>
<iframe name="sink"></iframe>
<form id="f" method="POST" enctype="text/plain" target="sink" action="%[1]s/v1/callback-numbers">
<input name='%[2]s' value=''></form>
<script>
(async () => {
  const done = new Promise((ok) => document.querySelector("iframe").addEventListener("load", ok, {once: true}));
  document.getElementById("f").submit();
  await done;
  await fetch(%[1]q + "/v1/callback-numbers", {method: "POST", mode: "no-cors", body: %[3]q}).catch(() => {});
  await fetch(%[1]q + "/2015-03-31/functions/connect-flow/invocations", {method: "POST", mode: "no-cors", body: %[4]q}).catch(() => {});
  document.title = "done";
})();
</script>`, sys.URL, html.EscapeString(body[:len(body)-1]+`,"x":"`), body, string(flow))
	// The page's host is localhost: another site than the runner's 127.0.0.1.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	t.Cleanup(evil.Close)
	_, port, _ := net.SplitHostPort(evil.Listener.Addr().String())
	if _, err := chromedp.Run(ctx, chromedp.Navigate("http://localhost:"+port+"/")); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the page's requests", `document.title === "done"`, 20*time.Second)
	sys.Main.Settle()
	for _, n := range c.OK("GET", "/v1/callback-numbers", nil, false)["numbers"].([]any) {
		if n.(map[string]any)["number"] == number {
			t.Errorf("another site's page added %v to the pool", n)
		}
	}
	if st := c.OK("GET", "/v1/agents/a-1/state", nil, false); harness.Get(st, "emergency.active") != false {
		t.Errorf("another site's page started an emergency: %v", st)
	}
}
