package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

type emergencyView struct {
	Active            bool       `json:"active"`
	CallID            string     `json:"callId,omitempty"`
	CallbackNumber    string     `json:"callbackNumber,omitempty"`
	CallbackExpiresAt *time.Time `json:"callbackExpiresAt,omitempty"`
}

type stateView struct {
	AgentID   string        `json:"agentId"`
	Presence  string        `json:"presence"`
	Emergency emergencyView `json:"emergency"`
	Panel     struct {
		Actions []string `json:"actions"`
	} `json:"panel"`
	Alert            string `json:"alert,omitempty"`
	ConversationForm struct {
		Save    bool `json:"save"`
		Refresh bool `json:"refresh"`
	} `json:"conversationForm"`
	// Location is the agent's current confirmed location; ConfirmLocation
	// asks the desktop to have the agent confirm where they are.
	Location        *agentLocationView `json:"location,omitempty"`
	ConfirmLocation bool               `json:"confirmLocation"`
}

func (a *API) state(w http.ResponseWriter, r *http.Request) error {
	st, err := a.AdminAPI.State(r.Context(), r.PathValue("agentId"))
	if err != nil {
		return err
	}
	v := stateView{AgentID: st.AgentID, Presence: string(st.Presence), Emergency: viewEmergency(st)}
	if st.Location != nil {
		l := viewAgentLocation(st.AgentID, *st.Location)
		v.Location = &l
	}
	v.ConfirmLocation = st.ConfirmLocation
	v.Panel.Actions = mayday.NormalPanel
	v.ConversationForm.Save, v.ConversationForm.Refresh = true, true
	if st.Emergency {
		v.Panel.Actions, v.Alert = mayday.EmergencyPanel, mayday.EmergencyAlert
		v.ConversationForm.Save, v.ConversationForm.Refresh = false, false
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// agentRequest is the body of PUT /v1/agents/{agentId}. It also takes
// what GET answers (agentId, which must name the agent, and updatedAt,
// ignored), so a fetched agent can be put back.
type agentRequest struct {
	AgentID              string          `json:"agentId"`
	UpdatedAt            *time.Time      `json:"updatedAt"`
	Name                 string          `json:"name"`
	Email                string          `json:"email"`
	Presence             string          `json:"presence"`
	Country              string          `json:"country"`
	EmergencyContacts    json.RawMessage `json:"emergencyContacts"`
	MailboxEnabled       bool            `json:"mailboxEnabled"`
	OutboundVoiceProfile bool            `json:"outboundVoiceProfile"`
	BrowserLocation      *bool           `json:"browserLocation"`
	NumberType           string          `json:"numberType"`
	DirectRoutingRules   []string        `json:"directRoutingRules"`
	SiteID               string          `json:"siteId"`
}

// profile reads an agent body; AdminAPI.PutAgent validates it.
func (req agentRequest) profile() (mayday.Profile, error) {
	p := mayday.Profile{Name: strings.TrimSpace(req.Name), Email: strings.TrimSpace(req.Email),
		Presence: mayday.Presence(req.Presence), Country: mayday.NormaliseCountry(req.Country), MailboxEnabled: req.MailboxEnabled,
		OutboundVoiceProfile: req.OutboundVoiceProfile, BrowserLocation: req.BrowserLocation == nil || *req.BrowserLocation,
		NumberType: req.NumberType, DirectRoutingRules: req.DirectRoutingRules, SiteID: strings.TrimSpace(req.SiteID)}
	contacts, err := parseAddressList("emergencyContacts", req.EmergencyContacts)
	p.EmergencyContacts = contacts
	return p, err
}

// parseAddressList takes the admin centre's semicolon-separated string, or
// a JSON list of addresses, naming the field when one is bad.
func parseAddressList(field string, raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var list []string
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("%w: %s: want addresses separated by semicolons", mayday.ErrInvalid, field)
		}
		s = strings.Join(list, ";")
	}
	list, err := mayday.ParseContacts(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	return list, nil
}

type agentView struct {
	AgentID              string    `json:"agentId"`
	Name                 string    `json:"name"`
	Email                string    `json:"email"`
	Presence             string    `json:"presence"`
	Country              string    `json:"country"`
	EmergencyContacts    []string  `json:"emergencyContacts"`
	MailboxEnabled       bool      `json:"mailboxEnabled"`
	OutboundVoiceProfile bool      `json:"outboundVoiceProfile"`
	BrowserLocation      bool      `json:"browserLocation"`
	NumberType           string    `json:"numberType"`
	DirectRoutingRules   []string  `json:"directRoutingRules"`
	SiteID               string    `json:"siteId,omitempty"`
	UpdatedAt            time.Time `json:"updatedAt,omitzero"`
}

func viewAgent(a mayday.Agent) agentView {
	v := agentView{AgentID: a.ID, Name: a.Name, Email: a.Email, Presence: string(a.Presence), Country: a.Country,
		EmergencyContacts: a.EmergencyContacts, MailboxEnabled: a.MailboxEnabled,
		OutboundVoiceProfile: a.OutboundVoiceProfile, BrowserLocation: a.BrowserLocation, NumberType: a.NumberType,
		DirectRoutingRules: a.DirectRoutingRules, SiteID: a.SiteID, UpdatedAt: a.UpdatedAt}
	if v.EmergencyContacts == nil {
		v.EmergencyContacts = []string{}
	}
	if v.DirectRoutingRules == nil {
		v.DirectRoutingRules = []string{}
	}
	if v.Presence == "" {
		v.Presence = string(mayday.Available)
	}
	return v
}

func (a *API) putAgent(w http.ResponseWriter, r *http.Request) error {
	var req agentRequest
	if err := decodeAdmin(r, &req); err != nil {
		return err
	}
	if req.AgentID != "" && req.AgentID != r.PathValue("agentId") {
		return fmt.Errorf("%w: agentId in the body is not the agent of the path", mayday.ErrInvalid)
	}
	p, err := req.profile()
	if err != nil {
		return err
	}
	ag, err := a.AdminAPI.PutAgent(r.Context(), r.PathValue("agentId"), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewAgent(ag))
	return nil
}

func (a *API) getAgent(w http.ResponseWriter, r *http.Request) error {
	ag, err := a.AdminAPI.GetAgent(r.Context(), r.PathValue("agentId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewAgent(ag))
	return nil
}

func (a *API) putPresence(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Presence string `json:"presence"`
	}
	if err := decodeAdmin(r, &req); err != nil {
		return err
	}
	p, err := mayday.ParsePresence(req.Presence)
	if err != nil {
		return err
	}
	ag, err := a.AdminAPI.SetPresence(r.Context(), r.PathValue("agentId"), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, presenceView{AgentID: ag.ID, Presence: string(ag.Presence)})
	return nil
}

func (a *API) history(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("agentId")
	acts, err := a.AdminAPI.History(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewHistory(id, acts))
	return nil
}

func (a *API) readiness(w http.ResponseWriter, r *http.Request) error {
	rd, err := a.AdminAPI.Readiness(r.Context(), r.PathValue("agentId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewReadiness(rd))
	return nil
}

func (a *API) listAgents(w http.ResponseWriter, r *http.Request) error {
	as, err := a.AdminAPI.Agents(r.Context())
	if err != nil {
		return err
	}
	out := make([]agentView, 0, len(as))
	for _, ag := range as {
		out = append(out, viewAgent(ag))
	}
	writeJSON(w, http.StatusOK, map[string]any{"agents": out})
	return nil
}
