package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/mayday/mayday/shared/mayday"
)

// overviewView is GET /v1/overview: what the operators' console polls, in
// one request.
type overviewView struct {
	Sites   []siteView          `json:"sites"`
	Numbers []numberView        `json:"numbers"`
	Agents  []overviewAgentView `json:"agents"`
}

// overviewAgentView is an agent as GET /v1/agents/{agentId} answers it,
// with what its desktop shows and its readiness as far as the store
// tells; onDemand names the checks only the readiness route runs.
type overviewAgentView struct {
	agentView
	Emergency       emergencyView         `json:"emergency"`
	Location        *agentLocationView    `json:"location,omitempty"`
	ConfirmLocation bool                  `json:"confirmLocation"`
	Readiness       overviewReadinessView `json:"readiness"`
}

type overviewReadinessView struct {
	Ready    bool        `json:"ready"`
	Checks   []checkView `json:"checks"`
	OnDemand []string    `json:"onDemand,omitempty"`
}

func (a *API) overview(w http.ResponseWriter, r *http.Request) error {
	o, err := a.AdminAPI.Overview(r.Context())
	if err != nil {
		return err
	}
	now := a.Clock.Now()
	v := overviewView{Sites: make([]siteView, 0, len(o.Sites)), Numbers: make([]numberView, 0, len(o.Numbers)),
		Agents: make([]overviewAgentView, 0, len(o.Agents))}
	for _, s := range o.Sites {
		v.Sites = append(v.Sites, viewSite(s))
	}
	for _, n := range o.Numbers {
		v.Numbers = append(v.Numbers, viewNumber(n, now))
	}
	for _, ag := range o.Agents {
		rd := viewReadiness(ag.Readiness)
		av := overviewAgentView{agentView: viewAgent(ag.Agent), Emergency: viewEmergency(ag.State),
			ConfirmLocation: ag.State.ConfirmLocation,
			Readiness:       overviewReadinessView{Ready: rd.Ready, Checks: rd.Checks, OnDemand: ag.OnDemand}}
		if l := ag.State.Location; l != nil {
			lv := viewAgentLocation(ag.Agent.ID, *l)
			av.Location = &lv
		}
		v.Agents = append(v.Agents, av)
	}
	return WriteJSONTagged(w, r, v)
}

// WriteJSONTagged answers v as JSON with an ETag of its bytes, or 304 Not
// Modified with no body when the request's If-None-Match names that tag:
// a poller whose view has not changed downloads nothing. The answer still
// costs the reads that made it.
func WriteJSONTagged(w http.ResponseWriter, r *http.Request, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	sum := sha256.Sum256(b)
	tag := `"` + hex.EncodeToString(sum[:12]) + `"`
	h := w.Header()
	h.Set("ETag", tag)
	h.Set("Cache-Control", "no-cache")
	if etagMatches(r.Header.Get("If-None-Match"), tag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(b, '\n'))
	return nil
}

// etagMatches is If-None-Match's weak comparison against tag.
func etagMatches(header, tag string) bool {
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == tag || t == "*" {
			return true
		}
	}
	return false
}

// viewEmergency is the emergency part of an agent's desktop state.
func viewEmergency(st mayday.DesktopState) emergencyView {
	v := emergencyView{Active: st.Emergency, CallID: st.CallID}
	if st.Lease != nil {
		exp := st.Lease.Lease.ExpiresAt.UTC()
		v.CallbackNumber, v.CallbackExpiresAt = st.Lease.Number, &exp
	}
	return v
}
