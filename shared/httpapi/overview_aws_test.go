package httpapi_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/mayday/mayday/shared/awscount"
	"github.com/mayday/mayday/shared/testkit/harness"
)

// The overview costs the same DynamoDB calls however many agents there
// are (here all at one site), against DynamoDB Local; the console's
// former poll (sites, numbers, agents, and each agent's state and
// readiness) is measured beside it for comparison.
func TestOverviewDynamoDBCallsDoNotGrowWithAgents(t *testing.T) {
	calls := awscount.New()
	sys := harness.Start(t, harness.Options{DynamoDB: true,
		AWS: func(c *aws.Config) { c.APIOptions = append(c.APIOptions, awscount.Middleware(calls)) }})
	c := sys.Client(t)
	c.OK("PUT", "/v1/sites/sea", harness.Sample(t, "admin/site.json", nil), false)
	c.OK("POST", "/v1/callback-numbers", harness.Sample(t, "admin/callback-number.json", nil), false)
	// The dial sets the chain off (lease, email, restore): its writes are
	// not the overview's, so each measurement starts once they are over.
	quiet := func() {
		for last, stillFor, deadline := -1, 0, time.Now().Add(10*time.Second); stillFor < 6 && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
			if n := calls.Snapshot().Total(); n == last {
				stillFor++
			} else {
				last, stillFor = n, 0
			}
		}
	}
	cost := func(paths ...string) awscount.Snapshot {
		t.Helper()
		quiet()
		before := calls.Snapshot()
		for _, p := range paths {
			c.OK("GET", p, nil, false)
		}
		return calls.Snapshot().Sub(before)
	}
	added, first := 0, -1
	for _, n := range []int{1, 10, 50} {
		for ; added < n; added++ {
			c.OK("PUT", fmt.Sprintf("/v1/agents/a-%d", added+1), harness.Sample(t, "admin/agent.json", nil), false)
			if added == 0 {
				c.OK("POST", "/v1/telephony/events", harness.Sample(t, "webhooks/dial.json", nil), true)
			}
		}
		if got := len(c.OK("GET", "/v1/overview", nil, false)["agents"].([]any)); got != n {
			t.Fatalf("overview lists %d agents, want %d", got, n)
		}
		overview := cost("/v1/overview")
		former := []string{"/v1/sites", "/v1/callback-numbers", "/v1/agents"}
		for i := 1; i <= n; i++ {
			former = append(former, fmt.Sprintf("/v1/agents/a-%d/readiness", i), fmt.Sprintf("/v1/agents/a-%d/state", i))
		}
		before := cost(former...)
		t.Logf("%d agents: GET /v1/overview: %d DynamoDB calls %v; the former poll: %d requests, %d DynamoDB calls %v",
			n, overview.Total(), overview.Calls, len(former), before.Total(), before.Calls)
		if first < 0 {
			first = overview.Total()
		}
		if overview.Total() != first || overview.Total() > 4 {
			t.Errorf("%d agents: the overview made %d DynamoDB calls, want %d as with 1 agent (sites, numbers, one query per site, emergencies)",
				n, overview.Total(), first)
		}
	}
}
