package local_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/local"
	"github.com/mayday/mayday/shared/taskrouter"
	"github.com/mayday/mayday/shared/testkit/harness"
	"github.com/mayday/mayday/shared/testkit/presencetest"
)

// With a presence platform, the in-process bus delivers the emergency
// conversations to presence push: the agent's TaskRouter worker goes to Do
// Not Disturb on the dial, stays there while the callback lasts, and goes
// back to its activity when the last conversation ends.
func TestLocalPresencePush(t *testing.T) {
	tr := presencetest.NewTaskRouter(t)
	platform, err := taskrouter.New(taskrouter.Config{AccountSID: tr.AccountSID, WorkspaceSID: tr.WorkspaceSID,
		DoNotDisturb: tr.DND, BaseURL: tr.URL,
		AuthToken: func(context.Context) ([][]byte, error) { return [][]byte{[]byte(tr.AuthToken)}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	s := harness.Start(t, harness.Options{Config: fast, Presence: platform})
	c := s.Client(t)
	agent := fmt.Sprintf("a-%d", time.Now().UnixNano())
	number := fmt.Sprintf("+1425%07d", time.Now().UnixNano()%10_000_000)
	tr.AddAgent(agent, presencetest.ActivityBusy)
	c.OK("PUT", "/v1/agents/"+agent, map[string]any{"name": "Ada", "presence": "Busy", "country": "US"}, false)
	c.OK("POST", "/v1/callback-numbers", map[string]string{"number": number, "country": "US"}, false)
	activity := func(want string) func() bool { return func() bool { return tr.Status(agent) == want } }

	c.OK("POST", "/v1/telephony/events", harness.Sample(t, "webhooks/dial.json",
		map[string]any{"callId": agent + "-c1", "agentId": agent, "siteId": ""}), true)
	harness.Eventually(t, "the worker on Do Not Disturb", activity(presencetest.ActivityDND))
	c.OK("POST", "/v1/telephony/inbound", harness.Sample(t, "webhooks/inbound.json",
		map[string]any{"callId": agent + "-c2", "to": number}), true)
	c.OK("POST", "/v1/telephony/events", harness.Sample(t, "webhooks/end.json", map[string]any{"callId": agent + "-c1"}), true)
	s.Main.Settle() // every delivery done, the end's included
	if got := tr.Status(agent); got != presencetest.ActivityDND {
		t.Fatalf("after the dial ended, with the callback on: %q, want Do Not Disturb", got)
	}
	c.OK("POST", "/v1/telephony/events", harness.Sample(t, "webhooks/end.json", map[string]any{"callId": agent + "-c2"}), true)
	harness.Eventually(t, "the worker back on Busy", activity(presencetest.ActivityBusy))
	if moves := tr.Moves(agent); len(moves) != 2 {
		t.Errorf("worker moves %q, want Do Not Disturb then Busy", moves)
	}
	if _, dl, _ := c.Do("GET", "/local/dead-letters", nil, false); fmt.Sprint(dl["deadLetters"]) != "[]" {
		t.Errorf("dead letters: %v", dl)
	}
}

func TestPresenceFromEnv(t *testing.T) {
	receiver := presencetest.NewReceiver(t, []byte("presence-secret"))
	receiver.AddAgent("a-1", presencetest.StatusAvailable)
	for _, tc := range []struct {
		name    string
		env     map[string]string
		none    bool
		wantErr string
	}{
		{"none", map[string]string{}, true, ""},
		{"webhook", map[string]string{"MAYDAY_PRESENCE_PLATFORM": "webhook", "MAYDAY_PRESENCE_WEBHOOK_URL": receiver.URL,
			"MAYDAY_PRESENCE_SECRET": "presence-secret"}, false, ""},
		// Notices are never signed with the runner's webhook secret: the
		// receiver would hold the key that signs dials.
		{"webhook without its own secret", map[string]string{"MAYDAY_PRESENCE_PLATFORM": "webhook", "MAYDAY_PRESENCE_WEBHOOK_URL": receiver.URL},
			false, "MAYDAY_PRESENCE_SECRET"},
		{"webhook with the webhook secret as its own", map[string]string{"MAYDAY_PRESENCE_PLATFORM": "webhook",
			"MAYDAY_PRESENCE_WEBHOOK_URL": receiver.URL, "MAYDAY_PRESENCE_SECRET": "runner-secret"}, false, "MAYDAY_PRESENCE_SECRET"},
		{"webhook without its URL", map[string]string{"MAYDAY_PRESENCE_PLATFORM": "webhook"}, false, "MAYDAY_PRESENCE_WEBHOOK_URL"},
		{"taskrouter without its settings", map[string]string{"MAYDAY_PRESENCE_PLATFORM": "taskrouter"}, false, "MAYDAY_TASKROUTER_WORKSPACE_SID"},
		{"unknown platform", map[string]string{"MAYDAY_PRESENCE_PLATFORM": "genesys"}, false, "MAYDAY_PRESENCE_PLATFORM"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := local.PresenceFromEnv(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }, "runner-secret", nil)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (p == nil) != tc.none {
				t.Fatalf("platform %T", p)
			}
			if p != nil {
				if _, err := p.DoNotDisturb(context.Background(), "a-1"); err != nil {
					t.Fatal(err)
				}
				if receiver.Status("a-1") != presencetest.StatusDND {
					t.Error("the notice, signed with the presence secret, was not applied")
				}
			}
		})
	}
}
