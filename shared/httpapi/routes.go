package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
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
	v := stateView{AgentID: st.AgentID, Presence: string(st.Presence)}
	v.Emergency.Active, v.Emergency.CallID = st.Emergency, st.CallID
	if st.Lease != nil {
		exp := st.Lease.Lease.ExpiresAt.UTC()
		v.Emergency.CallbackNumber, v.Emergency.CallbackExpiresAt = st.Lease.Number, &exp
	}
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

type agentRequest struct {
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
	if err := decodeJSON(r, &req); err != nil {
		return err
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
	if err := decodeJSON(r, &req); err != nil {
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
	if err := decodeJSON(r, &req); err != nil {
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

// siteRequest is the body of PUT /v1/sites/{siteId}. It also takes what GET
// answers (siteId, which must name the site, and updatedAt, ignored), so a
// fetched site can be put back.
type siteRequest struct {
	SiteID                  string          `json:"siteId"`
	Name                    string          `json:"name"`
	Country                 string          `json:"country"`
	Address                 addressRequest  `json:"address"`
	EmergencyCallbackNumber string          `json:"emergencyCallbackNumber"`
	Notify                  json.RawMessage `json:"notify"`
	Networks                []string        `json:"networks"`
	UpdatedAt               *time.Time      `json:"updatedAt"`
}

// DecodeSite reads site id as PUT /v1/sites/{siteId} takes it (the operator
// CLI's site files too). An unknown field is refused: a misspelt
// "postcode" would otherwise leave the dispatchable address without one.
func DecodeSite(body io.Reader, id string) (mayday.Site, error) {
	var req siteRequest
	if err := decode(body, &req, true); err != nil {
		return mayday.Site{}, err
	}
	if req.SiteID != "" && req.SiteID != id {
		return mayday.Site{}, fmt.Errorf("%w: siteId %q is not the site %q", mayday.ErrInvalid, req.SiteID, id)
	}
	notify, err := parseAddressList("notify", req.Notify)
	if err != nil {
		return mayday.Site{}, err
	}
	t := strings.TrimSpace
	return mayday.Site{Name: t(req.Name), Country: t(req.Country), Address: req.Address.address(),
		EmergencyCallbackNumber: t(req.EmergencyCallbackNumber), Notify: notify, Networks: req.Networks}, nil
}

// addressRequest is a civic address as sites and locations take it. A
// street with its house number in front ("1 Main St") is still taken.
type addressRequest struct {
	HouseNumber string `json:"houseNumber"`
	Street      string `json:"street"`
	City        string `json:"city"`
	Region      string `json:"region"`
	PostalCode  string `json:"postalCode"`
	Country     string `json:"country"`
	Detail      string `json:"detail"`
}

func (r addressRequest) address() mayday.Address {
	return mayday.Address{HouseNumber: r.HouseNumber, Street: r.Street, City: r.City, Region: r.Region,
		PostalCode: r.PostalCode, Country: r.Country, Detail: r.Detail}.Normalised()
}

// EncodeSite is a site as GET /v1/sites/{siteId} answers it, indented.
func EncodeSite(s mayday.Site) ([]byte, error) { return json.MarshalIndent(viewSite(s), "", "  ") }

func (a *API) putSite(w http.ResponseWriter, r *http.Request) error {
	in, err := DecodeSite(r.Body, r.PathValue("siteId"))
	if err != nil {
		return err
	}
	s, err := a.AdminAPI.PutSite(r.Context(), r.PathValue("siteId"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewSite(s))
	return nil
}

func (a *API) getSite(w http.ResponseWriter, r *http.Request) error {
	s, err := a.AdminAPI.GetSite(r.Context(), r.PathValue("siteId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewSite(s))
	return nil
}

func (a *API) listSites(w http.ResponseWriter, r *http.Request) error {
	ss, err := a.AdminAPI.Sites(r.Context())
	if err != nil {
		return err
	}
	out := sitesView{Sites: make([]siteView, 0, len(ss))}
	for _, s := range ss {
		out.Sites = append(out.Sites, viewSite(s))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) deleteSite(w http.ResponseWriter, r *http.Request) error {
	if err := a.AdminAPI.DeleteSite(r.Context(), r.PathValue("siteId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
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
