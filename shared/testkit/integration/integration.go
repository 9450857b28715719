// Package integration decides whether a test that needs a local stand-in
// (DynamoDB Local, aws-ses-v2-local, …) runs. The stand-ins are reached
// through the SDK's endpoint variables (AWS_ENDPOINT_URL_DYNAMODB,
// AWS_ENDPOINT_URL_SESV2); without one the test is skipped — unless
// MAYDAY_REQUIRE_INTEGRATION=1 (the README's and Makefile's test command)
// says it must run, in which case it fails, so that a skipped suite is never
// mistaken for a passing one.
//
// Every test that needs a stand-in asks here, so the rule lives in one place.
package integration

import (
	"os"
	"strings"
	"testing"
)

// RequireVar is the variable that turns a missing endpoint from a skip into
// a failure when set to "1".
const RequireVar = "MAYDAY_REQUIRE_INTEGRATION"

// Required reports whether integration tests must run (RequireVar is "1").
func Required() bool { return os.Getenv(RequireVar) == "1" }

// Endpoint returns the value of the endpoint variable name. When it is unset
// (or empty) it skips the test, or fails it when Required.
func Endpoint(t testing.TB, name string) string {
	t.Helper()
	return Endpoints(t, name)[0]
}

// Endpoints is Endpoint for a test that needs several stand-ins: it returns
// their values in the order named, and skips or fails naming every one that
// is unset.
func Endpoints(t testing.TB, names ...string) []string {
	t.Helper()
	var values, missing []string
	for _, n := range names {
		v := os.Getenv(n)
		if v == "" {
			missing = append(missing, n)
		}
		values = append(values, v)
	}
	if len(missing) == 0 {
		return values
	}
	unset := strings.Join(missing, ", ")
	if Required() {
		t.Fatalf("%s not set but %s=1: this test must run (start the stand-ins: scripts/services.sh run go test ...)", unset, RequireVar)
	}
	t.Skipf("%s not set: test skipped (run it under scripts/services.sh run go test ...; %s=1 makes a skip a failure)", unset, RequireVar)
	return nil // not reached: Skipf stops the test
}
