package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestSeedHandler runs the seeding handler under Node (which the CDK needs
// anyway) with admin-api's answers as Lambda returns them: a 2xx creates
// the resource, any other status or a function error fails the deploy with
// the reason, a delete invokes nothing.
func TestSeedHandler(t *testing.T) {
	script := `
const { handle } = require("./seedhandler/index.js");
const stream = (status, body) => Buffer.concat([Buffer.from(JSON.stringify({statusCode: status, headers: {}})), Buffer.alloc(8), Buffer.from(body)]);
const props = { FunctionName: "admin", Number: "+14255550001", Payload: "{}", PhysicalId: "callback-number:US:+14255550001" };
const cases = [
  ["created", "Create", { Payload: stream(201, '{"number":"+14255550001"}') }, "ok callback-number:US:+14255550001"],
  ["buffered 200", "Update", { Payload: Buffer.from(JSON.stringify({statusCode: 200, body: "{}"})) }, "ok callback-number:US:+14255550001"],
  ["conflict", "Create", { Payload: stream(409, '{"error":"number belongs to site sea"}') }, "err POST /v1/callback-numbers +14255550001 answered 409: {\"error\":\"number belongs to site sea\"}"],
  ["bad request", "Create", { Payload: stream(400, '{"error":"not E.164"}') }, "err POST /v1/callback-numbers +14255550001 answered 400: {\"error\":\"not E.164\"}"],
  ["function error", "Create", { FunctionError: "Unhandled", Payload: Buffer.from('{"errorMessage":"boom"}') }, "err admin-api failed (Unhandled): {\"errorMessage\":\"boom\"}"],
];
(async () => {
  for (const [name, type, out, want] of cases) {
    let got;
    try { got = "ok " + (await handle({ RequestType: type, ResourceProperties: props }, async () => out)).PhysicalResourceId; }
    catch (e) { got = "err " + e.message; }
    console.log(got === want ? "PASS " + name : "FAIL " + name + ": " + got);
  }
  let invoked = false;
  const del = await handle({ RequestType: "Delete", PhysicalResourceId: "x", ResourceProperties: props }, async () => { invoked = true; });
  console.log(!invoked && del.PhysicalResourceId === "x" ? "PASS delete" : "FAIL delete");
})();
`
	out, err := exec.Command("node", "-e", script).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 6 {
		t.Fatalf("want 6 results:\n%s", out)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "PASS ") {
			t.Error(l)
		}
	}
}
