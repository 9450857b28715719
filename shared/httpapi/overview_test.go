package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
	"github.com/mayday/mayday/shared/webhooksecret"
)

// countingRegistry is a number registry that counts the times it is asked
// and knows every number.
type countingRegistry struct{ asked atomic.Int64 }

func (*countingRegistry) Platform() string             { return "Twilio" }
func (*countingRegistry) EmergencyCalling(string) bool { return true }
func (r *countingRegistry) Unregistered(context.Context, []string) ([]string, error) {
	r.asked.Add(1)
	return nil, nil
}

// fixture reads a request body from the repository's testdata/admin.
func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// overviewSummary is the overview as lines a test can compare: sites,
// numbers with their holder, agents with state and readiness.
func overviewSummary(t *testing.T, body []byte) []string {
	t.Helper()
	var o struct {
		Sites []struct {
			SiteID string `json:"siteId"`
		} `json:"sites"`
		Numbers []struct {
			Number, SiteID string
			Lease          *struct{ AgentID, CallID string }
		} `json:"numbers"`
		Agents []struct {
			AgentID, Presence, SiteID string
			Emergency                 struct {
				Active         bool
				CallID         string
				CallbackNumber string
			}
			ConfirmLocation bool
			Readiness       struct {
				Ready  bool
				Checks []struct {
					Name string
					OK   bool
					Fix  string
				}
				OnDemand []string
			}
		} `json:"agents"`
	}
	if err := json.Unmarshal(body, &o); err != nil {
		t.Fatalf("overview %s: %v", body, err)
	}
	var out []string
	for _, s := range o.Sites {
		out = append(out, "site "+s.SiteID)
	}
	for _, n := range o.Numbers {
		line := "number " + n.Number + " site=" + n.SiteID
		if n.Lease != nil {
			line += " leased=" + n.Lease.AgentID + "/" + n.Lease.CallID
		}
		out = append(out, line)
	}
	for _, a := range o.Agents {
		var fix []string
		for _, c := range a.Readiness.Checks {
			if !c.OK {
				if c.Fix == "" {
					t.Errorf("agent %s: check %s failed with no fix", a.AgentID, c.Name)
				}
				fix = append(fix, c.Name)
			}
		}
		line := fmt.Sprintf("agent %s %s site=%s emergency=%v", a.AgentID, a.Presence, a.SiteID, a.Emergency.Active)
		if a.Emergency.Active {
			line += " call=" + a.Emergency.CallID
		}
		if a.Emergency.CallbackNumber != "" {
			line += " callback=" + a.Emergency.CallbackNumber
		}
		line += fmt.Sprintf(" ready=%v fix=%s", a.Readiness.Ready, strings.Join(fix, ","))
		if a.ConfirmLocation {
			line += " confirmLocation"
		}
		if len(a.Readiness.OnDemand) > 0 {
			line += " onDemand=" + strings.Join(a.Readiness.OnDemand, ",")
		}
		out = append(out, line)
	}
	return out
}

// GET /v1/overview answers the sites, every pool number with its live
// lease and the listed agents with their state and what to fix; the
// checks that ask the platform are named, not run.
func TestOverview(t *testing.T) {
	type step struct{ method, path, body string }
	site, agent, number := fixture(t, "admin/site.json"), fixture(t, "admin/agent.json"), fixture(t, "admin/callback-number.json")
	dial := fixture(t, "webhooks/dial.json")
	setUp := []step{{"PUT", "/v1/sites/sea", site}, {"PUT", "/v1/agents/a-1", agent}, {"POST", "/v1/callback-numbers", number}}
	tests := []struct {
		name     string
		steps    []step
		registry bool
		want     []string
	}{
		{"an empty store", nil, false, nil},
		{"a site, its number and its agent", setUp, false, []string{
			"site sea",
			"number +14255550001 site=sea",
			"agent a-1 Busy site=sea emergency=false ready=true fix=",
		}},
		{"an emergency call: the lease and the agent's state", append(slices.Clone(setUp), step{"POST", "/v1/telephony/events", dial}), false, []string{
			"site sea",
			"number +14255550001 site=sea leased=a-1/c-1",
			"agent a-1 DoNotDisturb site=sea emergency=true call=c-1 callback=+14255550001 ready=true fix=",
		}},
		{"what to fix, and an agent with no site listed only in an emergency", append(slices.Clone(setUp),
			step{"PUT", "/v1/agents/a-2", strings.Replace(agent, "sup@example.com; desk@example.com", "", 1)},
			step{"PUT", "/v1/agents/a-3", strings.Replace(agent, `"siteId": "sea"`, `"siteId": ""`, 1)},
			step{"PUT", "/v1/agents/a-4", strings.Replace(agent, `"siteId": "sea"`, `"siteId": ""`, 1)},
			step{"POST", "/v1/telephony/events", strings.NewReplacer(`"a-1"`, `"a-4"`, `"c-1"`, `"c-4"`, `"siteId": "sea",`, "").Replace(dial)},
		), false, []string{
			"site sea",
			"number +14255550001 site=sea",
			"agent a-1 Busy site=sea emergency=false ready=true fix=",
			"agent a-2 Busy site=sea emergency=false ready=false fix=emergencyContacts",
			"agent a-4 DoNotDisturb site= emergency=true call=c-4 ready=false fix=callbackPool,location confirmLocation",
		}},
		{"a number registry: its checks on demand", setUp, true, []string{
			"site sea",
			"number +14255550001 site=sea",
			"agent a-1 Busy site=sea emergency=false ready=true fix= onDemand=platformEmergencyCalling,emergencyAddresses",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := &countingRegistry{}
			o := mayday.Options{Config: settings.Defaults()}
			if tc.registry {
				o.Numbers = reg
			}
			uc, err := mayday.NewUseCases(inmem.NewStore(), nopBus{}, inmem.NewOutbox(mayday.SystemClock{}), o)
			if err != nil {
				t.Fatal(err)
			}
			api := httpapi.ForUseCases(uc)
			api.Secrets = webhooksecret.Static(string(secret))
			h := mustHandler(t, api)
			for _, s := range tc.steps {
				if rec := do(h, s.method, s.path, s.body, signed(s.body)); rec.Code >= 300 {
					t.Fatalf("%s %s: %d %s", s.method, s.path, rec.Code, rec.Body)
				}
			}
			rec := do(h, "GET", "/v1/overview", "", nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET /v1/overview: %d %s", rec.Code, rec.Body)
			}
			if got := overviewSummary(t, rec.Body.Bytes()); !slices.Equal(got, tc.want) {
				t.Errorf("overview:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if n := reg.asked.Load(); n != 0 {
				t.Errorf("the overview asked the number registry %d times, want none", n)
			}
			if tc.registry {
				if rec := do(h, "GET", "/v1/agents/a-1/readiness", "", nil); rec.Code != 200 || reg.asked.Load() != 1 {
					t.Errorf("readiness on demand: %d, registry asked %d times, want 200 and once", rec.Code, reg.asked.Load())
				}
			}
		})
	}
}

// The overview is conditional: its ETag, sent back, is answered 304 with
// no body until something changes.
func TestOverviewETag(t *testing.T) {
	h := newAPI(t, nil)
	get := func(tag string) (int, string, string) {
		rec := do(h, "GET", "/v1/overview", "", map[string]string{"If-None-Match": tag})
		return rec.Code, rec.Header().Get("ETag"), rec.Body.String()
	}
	code, tag, _ := get("")
	if code != 200 || tag == "" {
		t.Fatalf("first GET: %d, ETag %q; want 200 with a tag", code, tag)
	}
	for _, tc := range []struct {
		name, ifNoneMatch string
		want              int
	}{
		{"its tag", tag, http.StatusNotModified},
		{"its tag, weak, in a list", `"other", W/` + tag, http.StatusNotModified},
		{"another tag", `"other"`, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, got, body := get(tc.ifNoneMatch)
			if code != tc.want || got != tag {
				t.Fatalf("If-None-Match %s: %d, ETag %q; want %d, ETag %q", tc.ifNoneMatch, code, got, tc.want, tag)
			}
			if code == http.StatusNotModified && body != "" {
				t.Fatalf("304 with a body: %q", body)
			}
		})
	}
	if rec := do(h, "PUT", "/v1/sites/sea", fixture(t, "admin/site.json"), nil); rec.Code != 200 {
		t.Fatalf("PUT site: %d %s", rec.Code, rec.Body)
	}
	if code, changed, _ := get(tag); code != 200 || changed == tag {
		t.Fatalf("after a change: %d, ETag %q; want 200 with a new tag (was %q)", code, changed, tag)
	}
}
