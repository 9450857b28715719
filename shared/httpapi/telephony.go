package httpapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

type callEventRequest struct {
	Type       string `json:"type"`
	CallID     string `json:"callId"`
	AgentID    string `json:"agentId"`
	From       string `json:"from"`
	To         string `json:"to"`
	Country    string `json:"country"`
	SiteID     string `json:"siteId"`
	Location   string `json:"location"`
	ClientIP   string `json:"clientIp"`
	OccurredAt string `json:"occurredAt"`
}

func (a *API) callEvent(w http.ResponseWriter, r *http.Request) error {
	var req callEventRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	e := mayday.CallEvent{Type: req.Type, CallID: req.CallID, AgentID: req.AgentID, From: req.From, To: req.To,
		Country: req.Country, SiteID: req.SiteID, Location: req.Location, ClientIP: req.ClientIP}
	if req.OccurredAt != "" {
		t, err := time.Parse(time.RFC3339, req.OccurredAt)
		if err != nil {
			return fmt.Errorf("%w: occurredAt %q: want an RFC 3339 time like 2026-11-22T21:00:00Z", mayday.ErrInvalid, req.OccurredAt)
		}
		e.OccurredAt = t
	}
	out, err := a.DialDetection.HandleCall(r.Context(), e)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewCallOutcome(out))
	return nil
}

func (a *API) inbound(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		CallID string `json:"callId"`
		From   string `json:"from"`
		To     string `json:"to"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	d, err := a.PriorityCallbackRouting.Route(r.Context(), mayday.InboundCall{CallID: req.CallID, From: req.From, To: req.To})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewRoute(d))
	return nil
}
