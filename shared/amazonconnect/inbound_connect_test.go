package amazonconnect_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/mayday/mayday/shared/amazonconnect"
	"github.com/mayday/mayday/shared/amazonconnect/agentstatus"
	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
	"github.com/mayday/mayday/shared/testkit/harness"
	"github.com/mayday/mayday/shared/testkit/presencetest"
)

// TestInboundOverTheConnectAPI: the inbound flow asks Connect itself (the
// adapter against the local fake of its API) whether the callback's agent
// is there. Logged out or Offline: the fallback answers, and the agent's
// status is left alone. Present: the agent, made routable. Connect failing
// to tell: still the agent.
func TestInboundOverTheConnectAPI(t *testing.T) {
	for _, tt := range []struct {
		name, status, route, after string
		failStatusRead             bool
	}{
		{"logged out", "", "fallback", "", false},
		{"on the Offline status", presencetest.ConnectOffline, "fallback", presencetest.ConnectOffline, false},
		{"on Do Not Disturb", presencetest.ConnectDND, "agent", presencetest.ConnectAvailable, false},
		{"Connect cannot tell", presencetest.ConnectDND, "agent", presencetest.ConnectAvailable, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake := presencetest.NewConnect(t)
			fake.AddAgent("a-1", tt.status)
			statuses, err := agentstatus.New(fake.API(), agentstatus.Config{InstanceARN: fake.InstanceARN, Routable: presencetest.ConnectAvailable})
			if err != nil {
				t.Fatal(err)
			}
			store := inmem.NewStore()
			base := newFixture(t, store, store)
			cfg := settings.Defaults()
			cfg.Fallback = fallback
			flow, err := amazonconnect.NewFlow(base.uc.DialDetection, base.uc.PriorityCallbackRouting, statuses,
				mayday.Options{Config: cfg, Clock: harness.NewManualClock(at), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := invoke(t, flow, event(t, "flow-dial", nil, "", "")); err != nil {
				t.Fatal(err)
			}
			arn, err := statuses.UserARN(context.Background(), "a-1")
			if err != nil {
				t.Fatal(err)
			}
			if tt.failStatusRead {
				fake.FailNext(1) // the user is known: the next request is the status read
			}
			got, err := invoke(t, flow, event(t, "flow-inbound", nil, "", ""))
			want := map[string]string{"route": "fallback", "agentId": "a-1", "agentArn": "", "priority": "emergency", "target": fallback,
				"fallback": fallback}
			if tt.route == "agent" {
				want["route"], want["agentArn"], want["target"] = "agent", arn, ""
			}
			if err != nil || !equal(got, want) {
				t.Errorf("answer %v (%v), want %v", got, err, want)
			}
			if st := fake.Status("a-1"); st != tt.after {
				t.Errorf("agent status afterwards %q, want %q", st, tt.after)
			}
		})
	}
}
