package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

type leaseView struct {
	AgentID   string    `json:"agentId"`
	CallID    string    `json:"callId"`
	LeasedAt  time.Time `json:"leasedAt"`
	ExpiresAt time.Time `json:"expiresAt"`
}

type numberView struct {
	Number     string     `json:"number"`
	Country    string     `json:"country"`
	SiteID     string     `json:"siteId,omitempty"`
	ReleasedAt time.Time  `json:"releasedAt,omitzero"`
	Lease      *leaseView `json:"lease,omitempty"`
}

func viewNumber(n mayday.CallbackNumber, now time.Time) numberView {
	v := numberView{Number: n.Number, Country: n.Country, SiteID: n.SiteID, ReleasedAt: n.ReleasedAt}
	if l, live := n.LiveLease(now); live {
		v.Lease = &leaseView{AgentID: l.AgentID, CallID: l.CallID, LeasedAt: l.LeasedAt, ExpiresAt: l.ExpiresAt}
	} else if n.Lease != nil {
		v.ReleasedAt = n.Lease.ExpiresAt // expired, not yet swept
	}
	return v
}

func (a *API) addNumber(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Number  string `json:"number"`
		Country string `json:"country"`
		SiteID  string `json:"siteId"`
	}
	if err := decodeAdmin(r, &req); err != nil {
		return err
	}
	n, created, err := a.AdminAPI.AddNumberAt(r.Context(), req.Number, req.Country, strings.TrimSpace(req.SiteID))
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, viewNumber(n, a.Clock.Now()))
	return nil
}

func (a *API) listNumbers(w http.ResponseWriter, r *http.Request) error {
	ns, err := a.AdminAPI.Numbers(r.Context())
	if err != nil {
		return err
	}
	now := a.Clock.Now()
	out := make([]numberView, 0, len(ns))
	for _, n := range ns {
		out = append(out, viewNumber(n, now))
	}
	writeJSON(w, http.StatusOK, map[string]any{"numbers": out})
	return nil
}

func (a *API) removeNumber(w http.ResponseWriter, r *http.Request) error {
	if err := a.AdminAPI.RemoveNumber(r.Context(), r.PathValue("number")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
