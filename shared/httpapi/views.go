package httpapi

import (
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// The response bodies of the public contract (docs/openapi.yaml). Each is
// its own type so that renaming a domain field cannot change what
// integrations receive; state, agent and number views sit beside their
// routes.

type callOutcomeView struct {
	CallID            string        `json:"callId"`
	Emergency         bool          `json:"emergency"`
	Reason            string        `json:"reason,omitempty"`
	CallerID          string        `json:"callerId,omitempty"`
	CallerIDSource    string        `json:"callerIdSource,omitempty"`
	CallbackExpiresAt *time.Time    `json:"callbackExpiresAt,omitempty"`
	Location          *locationView `json:"location,omitempty"`
}

type addressView struct {
	HouseNumber string `json:"houseNumber,omitempty"`
	Street      string `json:"street"`
	City        string `json:"city"`
	Region      string `json:"region,omitempty"`
	PostalCode  string `json:"postalCode,omitempty"`
	Country     string `json:"country"`
	Detail      string `json:"detail,omitempty"`
}

// viewAddress answers the address with its house number apart, also for
// one stored before addresses had one.
func viewAddress(a mayday.Address) addressView {
	a = a.Normalised()
	return addressView{HouseNumber: a.HouseNumber, Street: a.Street, City: a.City, Region: a.Region, PostalCode: a.PostalCode, Country: a.Country, Detail: a.Detail}
}

type locationView struct {
	Kind      string      `json:"kind"`
	Source    string      `json:"source"`
	SiteID    string      `json:"siteId,omitempty"`
	Name      string      `json:"name,omitempty"`
	Address   addressView `json:"address"`
	Detail    string      `json:"detail,omitempty"`
	Validated bool        `json:"validated"`
}

func viewCallOutcome(o mayday.CallOutcome) callOutcomeView {
	v := callOutcomeView{CallID: o.CallID, Emergency: o.Emergency, Reason: o.Reason, CallerID: o.CallerID,
		CallerIDSource: o.CallerIDSource}
	if (o.CallerIDSource == mayday.CallerLease || o.CallerIDSource == mayday.CallerAgent) && !o.CallbackExpiresAt.IsZero() {
		exp := o.CallbackExpiresAt.UTC()
		v.CallbackExpiresAt = &exp
	}
	if l := o.Location; l != nil {
		v.Location = &locationView{Kind: l.Kind, Source: l.Source, SiteID: l.SiteID, Name: l.Name,
			Address: viewAddress(l.Address), Detail: l.Detail, Validated: l.Validated}
	}
	return v
}

type siteView struct {
	SiteID                  string      `json:"siteId"`
	Name                    string      `json:"name"`
	Country                 string      `json:"country"`
	Address                 addressView `json:"address"`
	EmergencyCallbackNumber string      `json:"emergencyCallbackNumber,omitempty"`
	Notify                  []string    `json:"notify"`
	Networks                []string    `json:"networks,omitempty"`
	NotifySMS               []string    `json:"notifySms,omitempty"`
	NotifyWebhook           string      `json:"notifyWebhook,omitempty"`
	// EscalateAfter is absent when the site takes the default, so that a
	// fetched site put back stays on the default.
	EscalateAfter string    `json:"escalateAfter,omitempty"`
	Escalate      []string  `json:"escalate,omitempty"`
	TestAlerts    bool      `json:"testAlerts"`
	UpdatedAt     time.Time `json:"updatedAt,omitzero"`
}

type sitesView struct {
	Sites []siteView `json:"sites"`
}

func viewSite(s mayday.Site) siteView {
	v := siteView{SiteID: s.ID, Name: s.Name, Country: s.Country, Address: viewAddress(s.Address),
		EmergencyCallbackNumber: s.EmergencyCallbackNumber, Notify: s.Notify, Networks: s.Networks, UpdatedAt: s.UpdatedAt,
		NotifySMS: s.NotifySMS, NotifyWebhook: s.NotifyWebhook, EscalateAfter: durationView(s.EscalateAfter),
		Escalate: s.Escalate, TestAlerts: s.TestAlerts}
	if v.Notify == nil {
		v.Notify = []string{}
	}
	return v
}

type routeView struct {
	Route    string   `json:"route"`
	AgentID  string   `json:"agentId,omitempty"`
	Target   string   `json:"target,omitempty"`
	Priority string   `json:"priority,omitempty"`
	Bypass   []string `json:"bypass,omitempty"`
}

func viewRoute(d mayday.RouteDecision) routeView {
	return routeView{Route: d.Route, AgentID: d.AgentID, Target: d.Target, Priority: d.Priority, Bypass: d.Bypass}
}

type checkView struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	Fix  string `json:"fix,omitempty"`
}

type readinessView struct {
	AgentID string      `json:"agentId"`
	Ready   bool        `json:"ready"`
	Checks  []checkView `json:"checks"`
}

func viewReadiness(r mayday.Readiness) readinessView {
	v := readinessView{AgentID: r.AgentID, Ready: r.Ready, Checks: make([]checkView, 0, len(r.Checks))}
	for _, c := range r.Checks {
		v.Checks = append(v.Checks, checkView{Name: c.Name, OK: c.OK, Fix: c.Fix})
	}
	return v
}

type activityView struct {
	AgentID   string    `json:"agentId"`
	CallID    string    `json:"callId"`
	Direction string    `json:"direction"`
	From      string    `json:"from,omitempty"`
	To        string    `json:"to,omitempty"`
	StartedAt time.Time `json:"startedAt,omitzero"`
	EndedAt   time.Time `json:"endedAt"`
}

type historyView struct {
	AgentID    string         `json:"agentId"`
	Activities []activityView `json:"activities"`
}

func viewHistory(agentID string, acts []mayday.Activity) historyView {
	v := historyView{AgentID: agentID, Activities: make([]activityView, 0, len(acts))}
	for _, a := range acts {
		v.Activities = append(v.Activities, activityView{AgentID: a.AgentID, CallID: a.CallID, Direction: a.Direction,
			From: a.From, To: a.To, StartedAt: a.StartedAt, EndedAt: a.EndedAt})
	}
	return v
}

type presenceView struct {
	AgentID  string `json:"agentId"`
	Presence string `json:"presence"`
}

func durationView(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}
