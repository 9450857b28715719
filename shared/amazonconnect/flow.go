// Package amazonconnect adapts Amazon Connect to Mayday: the contact flows'
// "Invoke AWS Lambda function" blocks (Flow), and the contact events Connect
// puts on the account's default bus (ContactEvents). The Connect API itself
// (agent status, user lookup) is package agentstatus, so that what only
// translates events links no Connect client.
package amazonconnect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/mayday/mayday/shared/mayday"
)

// Flow actions: the contact flow's "action" parameter.
const (
	ActionDial    = "dial"
	ActionInbound = "inbound"
)

// Budget bounds a whole invocation. Connect waits at most 8 s for a
// function; answering well inside it leaves the flow time to act.
const Budget = 3 * time.Second

// agentBudget bounds each call to Connect on the inbound path (the user's
// ARN, the bypass), so that a slow Connect API never costs the answer.
const agentBudget = 800 * time.Millisecond

// Agents is what the inbound flow asks of Connect about an agent (package
// agentstatus); nil when no Connect instance is configured.
type Agents interface {
	// UserARN is the ARN of the Connect user named userName (the Mayday
	// agent id).
	UserARN(ctx context.Context, userName string) (string, error)
	// MakeRoutable moves the agent to the routable status, so that an
	// agent queue can offer them the callback.
	MakeRoutable(ctx context.Context, userName string) error
	// Offline reports whether Connect says the agent is logged out or on
	// an Offline status; an error when it cannot tell.
	Offline(ctx context.Context, userName string) (bool, error)
}

// Flow answers the contact flows. The answer is a flat string map, which
// Connect exposes to the flow as $.External.<key>.
type Flow struct {
	dial     *mayday.DialDetection
	routing  *mayday.PriorityCallbackRouting
	agents   Agents
	fallback string
	clock    mayday.Clock
	log      *slog.Logger
}

// NewFlow builds the flow adapter over the two use cases; agents may be nil
// (no agentArn in the answers, no bypass). fallback is where a callback
// goes when its agent cannot be found in Connect or is offline there, and
// where the flow hands one nobody answered (the configured callback
// fallback).
func NewFlow(dial *mayday.DialDetection, routing *mayday.PriorityCallbackRouting, agents Agents, o mayday.Options) (*Flow, error) {
	var errs []error
	if dial == nil {
		errs = append(errs, fmt.Errorf("%w: dial detection", mayday.ErrMissingDependency))
	}
	if routing == nil {
		errs = append(errs, fmt.Errorf("%w: priority callback routing", mayday.ErrMissingDependency))
	}
	if o.Config.Fallback == "" {
		errs = append(errs, fmt.Errorf("%w: callback fallback", mayday.ErrMissingDependency))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("connect flow: %w", err)
	}
	f := &Flow{dial: dial, routing: routing, agents: agents, fallback: o.Config.Fallback, clock: o.Clock, log: o.Log}
	if f.clock == nil {
		f.clock = mayday.SystemClock{}
	}
	if f.log == nil {
		f.log = slog.Default()
	}
	return f, nil
}

// Handle answers one invocation. Only a malformed invocation (no or an
// unknown action, a missing contact id or agent) is an error, which sends
// the flow down its error branch; a store fault still answers with what to
// present or where to route.
func (f *Flow) Handle(ctx context.Context, e lambdaevents.ConnectEvent) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(ctx, Budget)
	defer cancel()
	switch a := e.Details.Parameters["action"]; a {
	case ActionDial:
		return f.dialed(ctx, e)
	case ActionInbound:
		return f.inbound(ctx, e)
	case "":
		return nil, fmt.Errorf("%w: contact %q: the flow passes no action parameter (want %q or %q)",
			mayday.ErrInvalid, e.Details.ContactData.ContactID, ActionDial, ActionInbound)
	default:
		return nil, fmt.Errorf("%w: contact %q: action %q (want %q or %q)",
			mayday.ErrInvalid, e.Details.ContactData.ContactID, a, ActionDial, ActionInbound)
	}
}

// dialed is the outbound whisper flow, before "Call phone number". A flow
// that passes no country leaves it to the domain (the location's, then the
// agent's). Connect carries the location with the call (the CivicAddress
// the flow sets from the answer), so a country-pool number may serve it.
func (f *Flow) dialed(ctx context.Context, e lambdaevents.ConnectEvent) (map[string]string, error) {
	c, p := e.Details.ContactData, e.Details.Parameters
	to, country := dialled(c.CustomerEndpoint.Address, p["country"])
	out, err := f.dial.HandleCall(ctx, mayday.CallEvent{Type: mayday.CallEventDialed, CallID: c.ContactID,
		AgentID: p["agentId"], From: c.SystemEndpoint.Address, To: to, Country: country, SiteID: p["siteId"],
		Location: p["location"], CarriesLocation: true, OccurredAt: f.clock.Now()})
	switch {
	case errors.Is(err, mayday.ErrInvalid):
		return nil, err
	case err != nil:
		// The decision is made and the caller ID chosen; what failed is
		// after it (the publish), and the lease allocator repairs it.
		f.log.Error("connect dial answered despite a fault", "contactId", c.ContactID, "err", err)
	}
	return dialAnswer(out), nil
}

func dialAnswer(out mayday.CallOutcome) map[string]string {
	m := map[string]string{"emergency": strconv.FormatBool(out.Emergency), "reason": out.Reason,
		"callerId": out.CallerID, "callbackExpiresAt": "", "location": "", "civicAddress": CivicAddress(out.Location)}
	if !out.CallbackExpiresAt.IsZero() {
		m["callbackExpiresAt"] = out.CallbackExpiresAt.UTC().Format(time.RFC3339)
	}
	if out.Location != nil {
		m["location"] = OneLine(*out.Location)
	}
	return m
}

// OneLine is a location as one line: name, detail, street, city, region
// and postal code, country.
func OneLine(l mayday.Location) string {
	var parts []string
	for _, s := range []string{l.Name, l.Detail, l.Address.HouseNumber + " " + l.Address.Street, l.Address.Detail, l.Address.City,
		strings.TrimSpace(l.Address.Region + " " + l.Address.PostalCode), l.Address.Country} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// callingCodes maps the calling codes of the supported locations to the
// country whose emergency numbers apply when Connect reports a service
// number in E.164 form (+1911).
var callingCodes = []struct{ code, country string }{{"1", "US"}, {"44", "GB"}, {"45", "DK"}}

// dialled is the number as dialled, and the country: Connect may report a
// short service number behind the country's calling code, which then also
// names the country when the flow does not.
func dialled(address, country string) (string, string) {
	if !strings.HasPrefix(address, "+") {
		return address, country
	}
	for _, c := range callingCodes {
		if rest, ok := strings.CutPrefix(address[1:], c.code); ok && len(rest) >= 3 && len(rest) <= 4 {
			if country == "" {
				country = c.country
			}
			return rest, country
		}
	}
	return address, country
}

// inbound is the pool numbers' inbound flow: where the callback goes.
func (f *Flow) inbound(ctx context.Context, e lambdaevents.ConnectEvent) (map[string]string, error) {
	c := e.Details.ContactData
	d, err := f.routing.Route(ctx, mayday.InboundCall{CallID: c.ContactID, From: c.CustomerEndpoint.Address,
		To: c.SystemEndpoint.Address})
	switch {
	case errors.Is(err, mayday.ErrInvalid):
		return nil, err
	case err != nil:
		f.log.Error("connect callback routed to the fallback: the store cannot tell", "contactId", c.ContactID, "err", err)
	}
	out := map[string]string{"route": d.Route, "agentId": d.AgentID, "agentArn": "", "priority": d.Priority, "target": d.Target,
		"fallback": f.fallback}
	if d.Route != mayday.RouteAgent || f.agents == nil {
		return out, nil
	}
	log := f.log.With("contactId", c.ContactID, "agentId", d.AgentID)
	toFallback := func() map[string]string {
		fb := mayday.ToFallback(f.fallback)
		return map[string]string{"route": fb.Route, "agentId": d.AgentID, "agentArn": "", "priority": fb.Priority,
			"target": fb.Target, "fallback": f.fallback}
	}
	actx, cancel := context.WithTimeout(ctx, agentBudget)
	arn, err := f.agents.UserARN(actx, d.AgentID)
	cancel()
	if err != nil {
		// No user to queue the callback for: the fallback answers it,
		// still at emergency priority.
		log.Error("callback agent not found in Connect; routed to the fallback", "err", err)
		return toFallback(), nil
	}
	actx, cancel = context.WithTimeout(ctx, agentBudget)
	offline, err := f.agents.Offline(actx, d.AgentID)
	cancel()
	switch {
	case err != nil:
		// Connect cannot tell: the agent still gets the callback, and the
		// flow's queue timeout hands it to the fallback if nobody answers.
		log.Warn("callback agent's status unknown; routed to the agent", "err", err)
	case offline:
		// A logged-out agent's queue would hold the callback until the
		// timeout: the fallback answers it now.
		log.Info("callback agent offline in Connect; routed to the fallback")
		return toFallback(), nil
	}
	out["agentArn"] = arn
	// The bypass: an agent queue offers a contact only to an Available
	// agent, and Mayday itself put the agent on Do Not Disturb.
	actx, cancel = context.WithTimeout(ctx, agentBudget)
	if err := f.agents.MakeRoutable(actx, d.AgentID); err != nil {
		log.Error("callback agent not made routable; the callback waits in their queue", "err", err)
	}
	cancel()
	return out, nil
}
