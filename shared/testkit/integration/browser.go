package integration

import (
	"os"
	"testing"
)

// ChromiumVar names a browser other than Debian's /usr/bin/chromium.
const ChromiumVar = "MAYDAY_CHROMIUM"

// Chromium returns the browser the browser tests drive (ChromiumVar, else
// /usr/bin/chromium, which scripts/services.sh install puts there). Without
// one it skips the test, or fails it when Required.
func Chromium(t testing.TB) string {
	t.Helper()
	path := os.Getenv(ChromiumVar)
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if st, err := os.Stat(path); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
		return path
	}
	if Required() {
		t.Fatalf("no browser at %s but %s=1: this test must run (scripts/services.sh install installs Debian's chromium)", path, RequireVar)
	}
	t.Skipf("no browser at %s: test skipped (apt-get install chromium, or set %s; %s=1 makes a skip a failure)", path, ChromiumVar, RequireVar)
	return ""
}
