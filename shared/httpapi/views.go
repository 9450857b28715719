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
	CallID    string `json:"callId"`
	Emergency bool   `json:"emergency"`
	Reason    string `json:"reason,omitempty"`
}

func viewCallOutcome(o mayday.CallOutcome) callOutcomeView {
	return callOutcomeView{CallID: o.CallID, Emergency: o.Emergency, Reason: o.Reason}
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
