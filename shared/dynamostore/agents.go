package dynamostore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/mayday/mayday/shared/mayday"
)

// Agents, calls, notifications.

func (st *Store) GetAgent(ctx context.Context, id string) (mayday.Agent, error) {
	return get(ctx, st, agents, id)
}

func (st *Store) UpdateAgent(ctx context.Context, id string, fn func(*mayday.Agent) error) (mayday.Agent, error) {
	return update(ctx, st, agents, id, fn)
}

func (st *Store) UpdateAgentAnnouncing(ctx context.Context, id string, fn func(*mayday.Agent) ([]mayday.OutboxEvent, error)) (mayday.Agent, error) {
	return updateAnnouncing(ctx, st, agents, id, fn)
}

func (st *Store) GetCall(ctx context.Context, id string) (mayday.Call, error) {
	return get(ctx, st, calls, id)
}

func (st *Store) UpdateCall(ctx context.Context, id string, fn func(*mayday.Call) error) (mayday.Call, error) {
	return update(ctx, st, calls, id, fn)
}

func (st *Store) UpdateCallAnnouncing(ctx context.Context, id string, fn func(*mayday.Call) ([]mayday.OutboxEvent, error)) (mayday.Call, error) {
	return updateAnnouncing(ctx, st, calls, id, fn)
}

func (st *Store) UpdateNotification(ctx context.Context, callID string, fn func(*mayday.Notification) error) (mayday.Notification, error) {
	return update(ctx, st, notifications, callID, fn)
}

func (st *Store) GetAlert(ctx context.Context, id string) (mayday.Alert, error) {
	return get(ctx, st, alerts, id)
}

func (st *Store) UpdateAlert(ctx context.Context, id string, fn func(*mayday.Alert) error) (mayday.Alert, error) {
	return update(ctx, st, alerts, id, fn)
}

func (st *Store) UpdateAlertAnnouncing(ctx context.Context, id string, fn func(*mayday.Alert) ([]mayday.OutboxEvent, error)) (mayday.Alert, error) {
	return updateAnnouncing(ctx, st, alerts, id, fn)
}

// LiveAlerts reads gsi2's alerts partition from now's second on, then
// compares the exact expiry and the site.
func (st *Store) LiveAlerts(ctx context.Context, siteID string, now time.Time) ([]mayday.Alert, error) {
	if err := mayday.ValidOptionalID("siteId", siteID); err != nil {
		return nil, err
	}
	out, err := query(ctx, st, alerts, IndexLeasesByExpiry,
		expression.Key(AttrGSI2PK).Equal(expression.Value(alertsPartition)).
			And(expression.Key(AttrGSI2SK).GreaterThanEqual(expression.Value(now.Unix()))),
		func(a mayday.Alert) bool { return a.ID != "" && a.Live(now) && (siteID == "" || a.SiteID == siteID) })
	if err != nil {
		return nil, fmt.Errorf("live alerts: %w", err)
	}
	slices.SortFunc(out, func(a, b mayday.Alert) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// AgentsInEmergencySince reads gsi2's emergency partition up to t's second,
// then compares the exact start.
func (st *Store) AgentsInEmergencySince(ctx context.Context, t time.Time) ([]mayday.Agent, error) {
	out, err := query(ctx, st, agents, IndexLeasesByExpiry,
		expression.Key(AttrGSI2PK).Equal(expression.Value(emergencyPartition)).
			And(expression.Key(AttrGSI2SK).LessThanEqual(expression.Value(t.Unix()))),
		func(a mayday.Agent) bool { return a.ID != "" && a.InEmergency() && !a.Emergency.Since.After(t) })
	if err != nil {
		return nil, fmt.Errorf("agents in an emergency since %s: %w", t.Format(time.RFC3339), err)
	}
	slices.SortFunc(out, func(a, b mayday.Agent) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// AgentsAtSite reads the site's partition of gsi1.
func (st *Store) AgentsAtSite(ctx context.Context, siteID string) ([]mayday.Agent, error) {
	pk, err := partition(agentsOfSitePrefix, validSiteID, siteID)
	if err != nil {
		return nil, err
	}
	out, err := query(ctx, st, agents, IndexLeasesByAgent,
		expression.Key(AttrGSI1PK).Equal(expression.Value(pk)),
		func(a mayday.Agent) bool { return a.ID != "" && a.SiteID == siteID })
	if err != nil {
		return nil, fmt.Errorf("agents at site %s: %w", siteID, err)
	}
	slices.SortFunc(out, func(a, b mayday.Agent) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
