package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// locationRequest is the body of PUT /v1/agents/{agentId}/location: a site
// ({"siteId", "detail"}) or a remote address ({"address", "detail",
// "callbackNumber"}).
type locationRequest struct {
	SiteID         string          `json:"siteId"`
	Address        *addressRequest `json:"address"`
	Detail         string          `json:"detail"`
	CallbackNumber string          `json:"callbackNumber"`
}

type agentLocationView struct {
	AgentID        string       `json:"agentId"`
	Kind           string       `json:"kind"`
	SiteID         string       `json:"siteId,omitempty"`
	Address        *addressView `json:"address,omitempty"`
	Detail         string       `json:"detail,omitempty"`
	CallbackNumber string       `json:"callbackNumber,omitempty"`
	Validated      bool         `json:"validated"`
	ConfirmedAt    time.Time    `json:"confirmedAt"`
	ExpiresAt      time.Time    `json:"expiresAt"`
}

func viewAgentLocation(agentID string, l mayday.AgentLocation) agentLocationView {
	v := agentLocationView{AgentID: agentID, Kind: l.Kind(), SiteID: l.SiteID, Detail: l.Detail,
		CallbackNumber: l.CallbackNumber, Validated: l.Validated, ConfirmedAt: l.ConfirmedAt, ExpiresAt: l.ExpiresAt}
	if l.SiteID == "" {
		a := viewAddress(l.Address)
		v.Address = &a
	}
	return v
}

func (a *API) putLocation(w http.ResponseWriter, r *http.Request) error {
	var req locationRequest
	if err := decodeAdmin(r, &req); err != nil {
		return err
	}
	in := mayday.AgentLocation{SiteID: strings.TrimSpace(req.SiteID), Detail: strings.TrimSpace(req.Detail),
		CallbackNumber: strings.TrimSpace(req.CallbackNumber)}
	if req.Address != nil {
		in.Address = req.Address.address()
	}
	id := r.PathValue("agentId")
	l, err := a.AdminAPI.PutLocation(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewAgentLocation(id, l))
	return nil
}

func (a *API) getLocation(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("agentId")
	l, err := a.AdminAPI.Location(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewAgentLocation(id, l))
	return nil
}

func (a *API) deleteLocation(w http.ResponseWriter, r *http.Request) error {
	if err := a.AdminAPI.ClearLocation(r.Context(), r.PathValue("agentId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
