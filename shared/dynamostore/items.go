package dynamostore

import (
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// The wire format: one private item type per kind of item, whose dynamodbav
// tags name the stored attributes, and a conversion each way between it and
// the domain value. The domain package knows nothing of DynamoDB, so renaming
// or adding a Go field there changes nothing stored until a conversion here
// maps it; items_test.go pins every attribute against the golden files in
// testdata/items and fails when a domain field has no mapping.
//
// Conventions (docs/DYNAMODB.md lists every attribute):
//   - lowerCamelCase names, chosen here, never derived from Go names;
//   - times are time.Time as attributevalue marshals them: RFC 3339 strings
//     with nanoseconds;
//   - optional attributes (tagged omitempty) are left out when absent — a nil
//     lease or route, a nil list, an agent's empty emergency state, the
//     fields the domain marks optional; a missing attribute reads as the zero
//     value. Everything else is always written, zero values included.
//
// The key, index and TTL attributes (pk, sk, gsi*, ttl) are not part of these
// types: records.go derives them from the domain value on every put.

// agentItem is an agent (pk AGENT#<agentId>, sk AGENT).
type agentItem struct {
	AgentID              string         `dynamodbav:"agentId"`
	Name                 string         `dynamodbav:"name"`
	Email                string         `dynamodbav:"email"`
	Presence             string         `dynamodbav:"presence"`
	Country              string         `dynamodbav:"country"`
	EmergencyContacts    []string       `dynamodbav:"emergencyContacts,omitempty"`
	MailboxEnabled       bool           `dynamodbav:"mailboxEnabled"`
	OutboundVoiceProfile bool           `dynamodbav:"outboundVoiceProfile"`
	BrowserLocation      bool           `dynamodbav:"browserLocation"`
	NumberType           string         `dynamodbav:"numberType"`
	DirectRoutingRules   []string       `dynamodbav:"directRoutingRules,omitempty"`
	SiteID               string         `dynamodbav:"siteId,omitempty"`
	Emergency            *emergencyItem `dynamodbav:"emergency,omitempty"`
	CallbackNumber       string         `dynamodbav:"callbackNumber,omitempty"`
	CallbackExpiresAt    time.Time      `dynamodbav:"callbackExpiresAt,omitzero"`
	Location             *locationItem  `dynamodbav:"location,omitempty"`
	Platform             *platformItem  `dynamodbav:"platformPresence,omitempty"`
	UpdatedAt            time.Time      `dynamodbav:"updatedAt"`
	Version              int64          `dynamodbav:"version"`
}

// locationItem is where the agent confirmed they work, a map inside the
// agent item (read with it by the dial): a site, or a remote address.
type locationItem struct {
	SiteID         string       `dynamodbav:"siteId,omitempty"`
	Address        *addressItem `dynamodbav:"address,omitempty"`
	Detail         string       `dynamodbav:"detail,omitempty"`
	CallbackNumber string       `dynamodbav:"callbackNumber,omitempty"`
	Validated      bool         `dynamodbav:"validated"`
	ConfirmedAt    time.Time    `dynamodbav:"confirmedAt"`
	ExpiresAt      time.Time    `dynamodbav:"expiresAt"`
}

func toLocationItem(l *mayday.AgentLocation) *locationItem {
	if l == nil {
		return nil
	}
	it := &locationItem{SiteID: l.SiteID, Detail: l.Detail, CallbackNumber: l.CallbackNumber, Validated: l.Validated,
		ConfirmedAt: l.ConfirmedAt, ExpiresAt: l.ExpiresAt}
	if l.Address != (mayday.Address{}) {
		a := toAddressItem(l.Address)
		it.Address = &a
	}
	return it
}

func fromLocationItem(it *locationItem) *mayday.AgentLocation {
	if it == nil {
		return nil
	}
	l := &mayday.AgentLocation{SiteID: it.SiteID, Detail: it.Detail, CallbackNumber: it.CallbackNumber,
		Validated: it.Validated, ConfirmedAt: it.ConfirmedAt, ExpiresAt: it.ExpiresAt}
	if it.Address != nil {
		l.Address = fromAddressItem(*it.Address)
	}
	return l
}

// platformItem is what presence push did in the contact-center platform, a
// map inside the agent item; absent when nothing is held there.
type platformItem struct {
	DoNotDisturb bool   `dynamodbav:"doNotDisturb"`
	Previous     string `dynamodbav:"previous,omitempty"`
}

// emergencyItem is an agent's emergency state, a map inside the agent item;
// absent when the state is empty.
type emergencyItem struct {
	Active        []activeCallItem `dynamodbav:"active,omitempty"`
	SavedPresence string           `dynamodbav:"savedPresence,omitempty"`
	Ended         []string         `dynamodbav:"ended,omitempty"`
	Since         *time.Time       `dynamodbav:"since,omitempty"`
}

// activeCallItem is one emergency conversation in progress.
type activeCallItem struct {
	CallID    string    `dynamodbav:"callId"`
	Kind      string    `dynamodbav:"kind"`
	StartedAt time.Time `dynamodbav:"startedAt"`
}

// callItem is a call record (pk CALL#<callId>, sk CALL).
type callItem struct {
	CallID            string     `dynamodbav:"callId"`
	Kind              string     `dynamodbav:"kind"`
	AgentID           string     `dynamodbav:"agentId"`
	From              string     `dynamodbav:"from"`
	To                string     `dynamodbav:"to"`
	Country           string     `dynamodbav:"country"`
	Location          string     `dynamodbav:"location"`
	EmergencyNumber   string     `dynamodbav:"emergencyNumber"`
	SiteID            string     `dynamodbav:"siteId,omitempty"`
	CallerID          string     `dynamodbav:"callerId,omitempty"`
	CallerIDSource    string     `dynamodbav:"callerIdSource,omitempty"`
	CallbackExpiresAt *time.Time `dynamodbav:"callbackExpiresAt,omitempty"`
	StartedAt         time.Time  `dynamodbav:"startedAt"`
	ReceivedAt        *time.Time `dynamodbav:"receivedAt,omitempty"`
	EndedAt           time.Time  `dynamodbav:"endedAt"`
	Route             *routeItem `dynamodbav:"route,omitempty"`
	ExpiresAt         time.Time  `dynamodbav:"expiresAt"`
	Version           int64      `dynamodbav:"version"`
}

// routeItem is the routing decision given for an inbound callback.
type routeItem struct {
	Route    string   `dynamodbav:"route"`
	AgentID  string   `dynamodbav:"agentId,omitempty"`
	Target   string   `dynamodbav:"target,omitempty"`
	Priority string   `dynamodbav:"priority,omitempty"`
	Bypass   []string `dynamodbav:"bypass,omitempty"`
}

// numberItem is a callback number of a pool (pk NUMBER#<number>, sk NUMBER).
type numberItem struct {
	Number     string     `dynamodbav:"number"`
	Country    string     `dynamodbav:"country"`
	SiteID     string     `dynamodbav:"siteId,omitempty"`
	AgentID    string     `dynamodbav:"ownerAgentId,omitempty"`
	Lease      *leaseItem `dynamodbav:"lease,omitempty"`
	ReleasedAt time.Time  `dynamodbav:"releasedAt"`
	AddedAt    time.Time  `dynamodbav:"addedAt"`
	Version    int64      `dynamodbav:"version"`
}

// leaseItem is a number's lease, a map inside the number item.
type leaseItem struct {
	AgentID   string    `dynamodbav:"agentId"`
	CallID    string    `dynamodbav:"callId"`
	LeasedAt  time.Time `dynamodbav:"leasedAt"`
	ExpiresAt time.Time `dynamodbav:"expiresAt"`
}

// siteItem is an emergency response location (pk SITE#<siteId>, sk SITE).
type siteItem struct {
	SiteID                  string      `dynamodbav:"siteId"`
	Name                    string      `dynamodbav:"name"`
	Country                 string      `dynamodbav:"country"`
	Address                 addressItem `dynamodbav:"address"`
	EmergencyCallbackNumber string      `dynamodbav:"emergencyCallbackNumber,omitempty"`
	Notify                  []string    `dynamodbav:"notify,omitempty"`
	Networks                []string    `dynamodbav:"networks,omitempty"`
	NotifySMS               []string    `dynamodbav:"notifySms,omitempty"`
	NotifyWebhook           string      `dynamodbav:"notifyWebhook,omitempty"`
	// EscalateAfter is a Go duration ("90s"); absent: the default.
	EscalateAfter string    `dynamodbav:"escalateAfter,omitempty"`
	Escalate      []string  `dynamodbav:"escalate,omitempty"`
	TestAlerts    bool      `dynamodbav:"testAlerts,omitempty"`
	UpdatedAt     time.Time `dynamodbav:"updatedAt"`
	Version       int64     `dynamodbav:"version"`
}

// addressItem is a civic address, a map inside the site item (always
// written) or the agent's location. Sites stored before addresses had a
// house number keep it at the start of the street; readers split it off
// (mayday.Address.Normalised).
type addressItem struct {
	HouseNumber string `dynamodbav:"houseNumber,omitempty"`
	Street      string `dynamodbav:"street"`
	City        string `dynamodbav:"city"`
	Region      string `dynamodbav:"region,omitempty"`
	PostalCode  string `dynamodbav:"postalCode,omitempty"`
	Country     string `dynamodbav:"country"`
	Detail      string `dynamodbav:"detail,omitempty"`
}

// notificationItem is the emergency email of a call (pk NOTIFY#<callId>,
// sk NOTIFY).
type notificationItem struct {
	CallID    string    `dynamodbav:"callId"`
	Status    string    `dynamodbav:"status"`
	ClaimedAt time.Time `dynamodbav:"claimedAt"`
	SentAt    time.Time `dynamodbav:"sentAt"`
	Attempts  int       `dynamodbav:"attempts"`
	Delivered []string  `dynamodbav:"delivered,omitempty"`
	ExpiresAt time.Time `dynamodbav:"expiresAt"`
	Version   int64     `dynamodbav:"version"`
}

// alertItem is a security desk alert (pk ALERT#<alertId>, sk ALERT): what
// it showed, its acknowledgement and escalation; never its link (the
// token is a credential).
type alertItem struct {
	AlertID         string     `dynamodbav:"alertId"`
	CallID          string     `dynamodbav:"callId"`
	SiteID          string     `dynamodbav:"siteId,omitempty"`
	Tier            string     `dynamodbav:"tier"`
	Test            bool       `dynamodbav:"test,omitempty"`
	At              time.Time  `dynamodbav:"at"`
	AgentID         string     `dynamodbav:"agentId,omitempty"`
	AgentName       string     `dynamodbav:"agentName,omitempty"`
	DialedNumber    string     `dynamodbav:"dialedNumber,omitempty"`
	EmergencyNumber string     `dynamodbav:"emergencyNumber,omitempty"`
	CallerID        string     `dynamodbav:"callerId,omitempty"`
	CallerIDSource  string     `dynamodbav:"callerIdSource,omitempty"`
	SiteName        string     `dynamodbav:"siteName,omitempty"`
	Address         string     `dynamodbav:"address,omitempty"`
	Detail          string     `dynamodbav:"detail,omitempty"`
	SentAt          time.Time  `dynamodbav:"sentAt"`
	ExpiresAt       time.Time  `dynamodbav:"expiresAt"`
	AcknowledgedBy  string     `dynamodbav:"acknowledgedBy,omitempty"`
	AcknowledgedAt  *time.Time `dynamodbav:"acknowledgedAt,omitempty"`
	EscalatedAt     *time.Time `dynamodbav:"escalatedAt,omitempty"`
	Version         int64      `dynamodbav:"version"`
}

func toAlertItem(a *mayday.Alert) alertItem {
	return alertItem{AlertID: a.ID, CallID: a.CallID, SiteID: a.SiteID, Tier: a.Tier, Test: a.Test, At: a.At,
		AgentID: a.AgentID, AgentName: a.AgentName, DialedNumber: a.DialedNumber, EmergencyNumber: a.EmergencyNumber,
		CallerID: a.CallerID, CallerIDSource: a.CallerIDSource, SiteName: a.SiteName, Address: a.Address, Detail: a.Detail,
		SentAt: a.SentAt, ExpiresAt: a.ExpiresAt, AcknowledgedBy: a.AcknowledgedBy,
		AcknowledgedAt: optionalTime(a.AcknowledgedAt), EscalatedAt: optionalTime(a.EscalatedAt), Version: a.Version}
}

func fromAlertItem(it *alertItem) mayday.Alert {
	return mayday.Alert{ID: it.AlertID, CallID: it.CallID, SiteID: it.SiteID, Tier: it.Tier, Test: it.Test, At: it.At,
		AgentID: it.AgentID, AgentName: it.AgentName, DialedNumber: it.DialedNumber, EmergencyNumber: it.EmergencyNumber,
		CallerID: it.CallerID, CallerIDSource: it.CallerIDSource, SiteName: it.SiteName, Address: it.Address, Detail: it.Detail,
		SentAt: it.SentAt, ExpiresAt: it.ExpiresAt, AcknowledgedBy: it.AcknowledgedBy,
		AcknowledgedAt: timeOf(it.AcknowledgedAt), EscalatedAt: timeOf(it.EscalatedAt), Version: it.Version}
}

// activityItem is a call-history entry (pk HISTORY#<agentId>,
// sk CALL#<callId>). It is written once and has no version.
type activityItem struct {
	AgentID   string     `dynamodbav:"agentId"`
	CallID    string     `dynamodbav:"callId"`
	Direction string     `dynamodbav:"direction"`
	From      string     `dynamodbav:"from,omitempty"`
	To        string     `dynamodbav:"to,omitempty"`
	StartedAt *time.Time `dynamodbav:"startedAt,omitempty"`
	EndedAt   time.Time  `dynamodbav:"endedAt"`
}

// ---------------------------------------------------------------------------
// Conversions. Lists keep the difference between nil (not stored) and empty
// (stored as an empty list), as the domain values had it.

// convert maps a slice element by element; nil stays nil.
func convert[A, B any](in []A, f func(A) B) []B {
	if in == nil {
		return nil
	}
	out := make([]B, len(in))
	for i, a := range in {
		out[i] = f(a)
	}
	return out
}

// optionalTime is nil for a zero time, so that omitempty leaves it out.
func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func toAgentItem(a *mayday.Agent) agentItem {
	return agentItem{
		AgentID:              a.ID,
		Name:                 a.Name,
		Email:                a.Email,
		Presence:             string(a.Presence),
		Country:              a.Country,
		EmergencyContacts:    a.EmergencyContacts,
		MailboxEnabled:       a.MailboxEnabled,
		OutboundVoiceProfile: a.OutboundVoiceProfile,
		BrowserLocation:      a.BrowserLocation,
		NumberType:           a.NumberType,
		DirectRoutingRules:   a.DirectRoutingRules,
		SiteID:               a.SiteID,
		Emergency:            toEmergencyItem(&a.Emergency),
		CallbackNumber:       a.CallbackNumber,
		CallbackExpiresAt:    a.CallbackExpiresAt,
		Location:             toLocationItem(a.Location),
		Platform:             toPlatformItem(a.Platform),
		UpdatedAt:            a.UpdatedAt,
		Version:              a.Version,
	}
}

func fromAgentItem(it *agentItem) mayday.Agent {
	return mayday.Agent{
		ID: it.AgentID,
		Profile: mayday.Profile{
			Name:                 it.Name,
			Email:                it.Email,
			Presence:             mayday.Presence(it.Presence),
			Country:              it.Country,
			EmergencyContacts:    it.EmergencyContacts,
			MailboxEnabled:       it.MailboxEnabled,
			OutboundVoiceProfile: it.OutboundVoiceProfile,
			BrowserLocation:      it.BrowserLocation,
			NumberType:           it.NumberType,
			DirectRoutingRules:   it.DirectRoutingRules,
			SiteID:               it.SiteID,
		},
		Emergency:         fromEmergencyItem(it.Emergency),
		CallbackNumber:    it.CallbackNumber,
		CallbackExpiresAt: it.CallbackExpiresAt,
		Location:          fromLocationItem(it.Location),
		Platform:          fromPlatformItem(it.Platform),
		UpdatedAt:         it.UpdatedAt,
		Version:           it.Version,
	}
}

// toPlatformItem is nil when nothing is held in the platform.
func toPlatformItem(p mayday.PlatformPresence) *platformItem {
	if p == (mayday.PlatformPresence{}) {
		return nil
	}
	return &platformItem{DoNotDisturb: p.DoNotDisturb, Previous: p.Previous}
}

func fromPlatformItem(it *platformItem) mayday.PlatformPresence {
	if it == nil {
		return mayday.PlatformPresence{}
	}
	return mayday.PlatformPresence{DoNotDisturb: it.DoNotDisturb, Previous: it.Previous}
}

// toEmergencyItem is nil for an empty emergency state.
func toEmergencyItem(e *mayday.EmergencyState) *emergencyItem {
	if e.Active == nil && e.SavedPresence == "" && e.Ended == nil && e.Since.IsZero() {
		return nil
	}
	return &emergencyItem{
		Active: convert(e.Active, func(c mayday.ActiveCall) activeCallItem {
			return activeCallItem{CallID: c.CallID, Kind: string(c.Kind), StartedAt: c.StartedAt}
		}),
		SavedPresence: string(e.SavedPresence),
		Ended:         e.Ended,
		Since:         optionalTime(e.Since),
	}
}

func fromEmergencyItem(it *emergencyItem) mayday.EmergencyState {
	if it == nil {
		return mayday.EmergencyState{}
	}
	return mayday.EmergencyState{
		Active: convert(it.Active, func(c activeCallItem) mayday.ActiveCall {
			return mayday.ActiveCall{CallID: c.CallID, Kind: mayday.CallKind(c.Kind), StartedAt: c.StartedAt}
		}),
		SavedPresence: mayday.Presence(it.SavedPresence),
		Ended:         it.Ended,
		Since:         timeOf(it.Since),
	}
}

func toCallItem(c *mayday.Call) callItem {
	return callItem{
		CallID:            c.ID,
		Kind:              string(c.Kind),
		AgentID:           c.AgentID,
		From:              c.From,
		To:                c.To,
		Country:           c.Country,
		Location:          c.Location,
		EmergencyNumber:   c.Number,
		SiteID:            c.SiteID,
		CallerID:          c.CallerID,
		CallerIDSource:    c.CallerIDSource,
		CallbackExpiresAt: optionalTime(c.CallbackExpiresAt),
		StartedAt:         c.StartedAt,
		ReceivedAt:        optionalTime(c.ReceivedAt),
		EndedAt:           c.EndedAt,
		Route:             toRouteItem(c.Route),
		ExpiresAt:         c.ExpiresAt,
		Version:           c.Version,
	}
}

func fromCallItem(it *callItem) mayday.Call {
	return mayday.Call{
		ID:                it.CallID,
		Kind:              mayday.CallKind(it.Kind),
		AgentID:           it.AgentID,
		From:              it.From,
		To:                it.To,
		Country:           it.Country,
		Location:          it.Location,
		Number:            it.EmergencyNumber,
		SiteID:            it.SiteID,
		CallerID:          it.CallerID,
		CallerIDSource:    it.CallerIDSource,
		CallbackExpiresAt: timeOf(it.CallbackExpiresAt),
		StartedAt:         it.StartedAt,
		ReceivedAt:        timeOf(it.ReceivedAt),
		EndedAt:           it.EndedAt,
		Route:             fromRouteItem(it.Route),
		ExpiresAt:         it.ExpiresAt,
		Version:           it.Version,
	}
}

func toRouteItem(r *mayday.RouteDecision) *routeItem {
	if r == nil {
		return nil
	}
	return &routeItem{Route: r.Route, AgentID: r.AgentID, Target: r.Target, Priority: r.Priority, Bypass: r.Bypass}
}

func fromRouteItem(it *routeItem) *mayday.RouteDecision {
	if it == nil {
		return nil
	}
	return &mayday.RouteDecision{Route: it.Route, AgentID: it.AgentID, Target: it.Target, Priority: it.Priority, Bypass: it.Bypass}
}

func toNumberItem(n *mayday.CallbackNumber) numberItem {
	return numberItem{
		Number:     n.Number,
		Country:    n.Country,
		SiteID:     n.SiteID,
		AgentID:    n.AgentID,
		Lease:      toLeaseItem(n.Lease),
		ReleasedAt: n.ReleasedAt,
		AddedAt:    n.AddedAt,
		Version:    n.Version,
	}
}

func fromNumberItem(it *numberItem) mayday.CallbackNumber {
	return mayday.CallbackNumber{
		Number:     it.Number,
		Country:    it.Country,
		SiteID:     it.SiteID,
		AgentID:    it.AgentID,
		Lease:      fromLeaseItem(it.Lease),
		ReleasedAt: it.ReleasedAt,
		AddedAt:    it.AddedAt,
		Version:    it.Version,
	}
}

func toLeaseItem(l *mayday.Lease) *leaseItem {
	if l == nil {
		return nil
	}
	return &leaseItem{AgentID: l.AgentID, CallID: l.CallID, LeasedAt: l.LeasedAt, ExpiresAt: l.ExpiresAt}
}

func fromLeaseItem(it *leaseItem) *mayday.Lease {
	if it == nil {
		return nil
	}
	return &mayday.Lease{AgentID: it.AgentID, CallID: it.CallID, LeasedAt: it.LeasedAt, ExpiresAt: it.ExpiresAt}
}

func toAddressItem(a mayday.Address) addressItem {
	return addressItem{HouseNumber: a.HouseNumber, Street: a.Street, City: a.City, Region: a.Region,
		PostalCode: a.PostalCode, Country: a.Country, Detail: a.Detail}
}

func fromAddressItem(a addressItem) mayday.Address {
	return mayday.Address{HouseNumber: a.HouseNumber, Street: a.Street, City: a.City, Region: a.Region,
		PostalCode: a.PostalCode, Country: a.Country, Detail: a.Detail}
}

func toSiteItem(x *mayday.Site) siteItem {
	return siteItem{
		SiteID:                  x.ID,
		Name:                    x.Name,
		Country:                 x.Country,
		Address:                 toAddressItem(x.Address),
		EmergencyCallbackNumber: x.EmergencyCallbackNumber,
		Notify:                  x.Notify,
		Networks:                x.Networks,
		NotifySMS:               x.NotifySMS,
		NotifyWebhook:           x.NotifyWebhook,
		EscalateAfter:           durationItem(x.EscalateAfter),
		Escalate:                x.Escalate,
		TestAlerts:              x.TestAlerts,
		UpdatedAt:               x.UpdatedAt,
		Version:                 x.Version,
	}
}

func durationItem(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

func fromSiteItem(it *siteItem) mayday.Site {
	return mayday.Site{
		ID:                      it.SiteID,
		Name:                    it.Name,
		Country:                 it.Country,
		Address:                 fromAddressItem(it.Address),
		EmergencyCallbackNumber: it.EmergencyCallbackNumber,
		Notify:                  it.Notify,
		Networks:                it.Networks,
		NotifySMS:               it.NotifySMS,
		NotifyWebhook:           it.NotifyWebhook,
		EscalateAfter:           fromDurationItem(it.EscalateAfter),
		Escalate:                it.Escalate,
		TestAlerts:              it.TestAlerts,
		UpdatedAt:               it.UpdatedAt,
		Version:                 it.Version,
	}
}

// fromDurationItem reads what durationItem wrote; an unreadable value is
// the default (zero), which Validate never lets in.
func fromDurationItem(s string) time.Duration {
	d, _ := time.ParseDuration(s)
	return d
}

func toNotificationItem(x *mayday.Notification) notificationItem {
	return notificationItem{
		CallID:    x.CallID,
		Status:    x.Status,
		ClaimedAt: x.ClaimedAt,
		SentAt:    x.SentAt,
		Attempts:  x.Attempts,
		Delivered: x.Delivered,
		ExpiresAt: x.ExpiresAt,
		Version:   x.Version,
	}
}

func fromNotificationItem(it *notificationItem) mayday.Notification {
	return mayday.Notification{
		CallID:    it.CallID,
		Status:    it.Status,
		ClaimedAt: it.ClaimedAt,
		SentAt:    it.SentAt,
		Attempts:  it.Attempts,
		Delivered: it.Delivered,
		ExpiresAt: it.ExpiresAt,
		Version:   it.Version,
	}
}

func toActivityItem(a *mayday.Activity) activityItem {
	return activityItem{
		AgentID:   a.AgentID,
		CallID:    a.CallID,
		Direction: a.Direction,
		From:      a.From,
		To:        a.To,
		StartedAt: optionalTime(a.StartedAt),
		EndedAt:   a.EndedAt,
	}
}

func fromActivityItem(it *activityItem) mayday.Activity {
	return mayday.Activity{
		AgentID:   it.AgentID,
		CallID:    it.CallID,
		Direction: it.Direction,
		From:      it.From,
		To:        it.To,
		StartedAt: timeOf(it.StartedAt),
		EndedAt:   it.EndedAt,
	}
}
