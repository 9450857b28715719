// Package events is the contract of Mayday's EventBridge chain: the source,
// the detail-types, the typed details, and the rules that route them. The CDK
// stack and the local bus both read the rules from here, so what runs on a
// laptop is what is deployed.
package events

import "time"

// Source is the EventBridge source of every Mayday event.
const Source = "mayday"

// Detail-types of the events Mayday publishes. They are wire contracts: the
// rules below match them by value, and each has a fixture under testdata/.
const (
	EmergencyCallStarted     = "Emergency Call Started"
	CallbackLeaseAllocated   = "Callback Lease Allocated"
	CallbackLeaseUnavailable = "Callback Lease Unavailable"
	EmergencyCallEnded       = "Emergency Call Ended"
	EmergencyCallbackRouted  = "Emergency Callback Routed"
	CallbackLeaseExpired     = "Callback Lease Expired"
	CallbackPoolExhausted    = "Callback Pool Exhausted"
	EmergencyDialUnsupported = "Emergency Dial Unsupported"
	// EmergencyLocationUnknownSite: a dial named a site Mayday does not
	// know (or of another country); it was located by the next rule.
	EmergencyLocationUnknownSite = "Emergency Location Unknown Site"
	// EmergencyDialLocationUnknown: an emergency dial whose country could
	// not be established, handled as an emergency anyway.
	EmergencyDialLocationUnknown = "Emergency Dial Location Unknown"
	// EmergencyDialUnknownAgent: an emergency dial of an agent id
	// operators never created; it answered with no callback lease.
	EmergencyDialUnknownAgent = "Emergency Dial Unknown Agent"
	CallEnded                 = "Call Ended"
	// EmergencyTestCall: a test call (933) that reads back the caller ID
	// and address; its detail is EmergencyCallStartedDetail, with what the
	// call presented. Not an emergency: only the site's desk may be told.
	EmergencyTestCall        = "Emergency Test Call"
	PresenceWatchdogRestored = "Presence Watchdog Restored"
	// EmergencyAlertAcknowledged: the first acknowledgement of a security
	// desk alert; EmergencyAlertEscalated: an alert left unacknowledged
	// past its site's escalateAfter, its next tier alerted. Both carry
	// AlertDetail.
	EmergencyAlertAcknowledged = "Emergency Alert Acknowledged"
	EmergencyAlertEscalated    = "Emergency Alert Escalated"
)

// Event is one event to publish: a detail-type and its typed detail.
type Event struct {
	DetailType string
	Detail     any
}

// EmergencyCallStartedDetail is the detail of "Emergency Call Started".
type EmergencyCallStartedDetail struct {
	CallID          string `json:"callId"`
	AgentID         string `json:"agentId"`
	DialedNumber    string `json:"dialedNumber"`
	EmergencyNumber string `json:"emergencyNumber"`
	Country         string `json:"country"`
	Location        string `json:"location,omitempty"`
	// StartedAt is the sender's occurredAt, as sent; ReceivedAt when
	// Mayday received the dial, which timers count from.
	StartedAt  time.Time `json:"startedAt"`
	ReceivedAt time.Time `json:"receivedAt,omitzero"`
	// PresenceApplied is false when the webhook could not record Do Not
	// Disturb; the lease allocator then applies it (idempotently) itself.
	PresenceApplied bool `json:"presenceApplied"`
	// SiteID is the emergency response location the call was placed from.
	SiteID string `json:"siteId,omitempty"`
	// LocationKind is "site" or "remote" (empty: unknown), LocationSource
	// how it was found ("call", "network", "confirmed", "home"), Address
	// the dispatchable address the location sent, LocationValidated
	// whether it geocoded to a real place.
	LocationKind      string         `json:"locationKind,omitempty"`
	LocationSource    string         `json:"locationSource,omitempty"`
	Address           *AddressDetail `json:"address,omitempty"`
	LocationValidated bool           `json:"locationValidated,omitempty"`
	// CallerID is what the dial answer presented as the calling number;
	// CallerIDSource is "lease" (the agent's callback lease), "ecbn" (the
	// site's emergency callback number), "agent" (the remote agent's own
	// number), "default" (the platform's default number for the country)
	// or "none".
	CallerID       string `json:"callerId,omitempty"`
	CallerIDSource string `json:"callerIdSource"`
	// LeaseExpiresAt is when the presented lease ends.
	LeaseExpiresAt *time.Time `json:"leaseExpiresAt,omitempty"`
	// Fallback says why no lease was presented: "pool-empty",
	// "store-unavailable" (the store failed or was too slow) or
	// "unknown-agent" (an agent id operators never created).
	Fallback string `json:"fallback,omitempty"`
	// TakenOverFrom names the lease the dial took over because its pool
	// was exhausted.
	TakenOverFromAgentID string `json:"takenOverFromAgentId,omitempty"`
	TakenOverFromCallID  string `json:"takenOverFromCallId,omitempty"`
}

// AddressDetail is a dispatchable civic address.
type AddressDetail struct {
	HouseNumber string `json:"houseNumber,omitempty"`
	Street      string `json:"street"`
	City        string `json:"city"`
	Region      string `json:"region,omitempty"`
	PostalCode  string `json:"postalCode,omitempty"`
	Country     string `json:"country"`
}

// CallbackLeaseDetail is the detail of "Callback Lease Allocated" and
// "Callback Lease Unavailable" (CallbackNumber empty; CallerID says what the
// emergency service received instead).
type CallbackLeaseDetail struct {
	EmergencyCallStartedDetail
	CallbackNumber    string     `json:"callbackNumber,omitempty"`
	CallbackExpiresAt *time.Time `json:"callbackExpiresAt,omitempty"`
	Reason            string     `json:"reason,omitempty"`
}

// CallEndedDetail is the detail of "Emergency Call Ended" and of the
// non-emergency "Call Ended".
type CallEndedDetail struct {
	CallID    string    `json:"callId"`
	AgentID   string    `json:"agentId"`
	Kind      string    `json:"kind"` // outbound, callback, ordinary
	From      string    `json:"from,omitempty"`
	To        string    `json:"to,omitempty"`
	StartedAt time.Time `json:"startedAt,omitzero"`
	EndedAt   time.Time `json:"endedAt"`
}

// CallbackRoutedDetail is the detail of "Emergency Callback Routed".
type CallbackRoutedDetail struct {
	CallID         string    `json:"callId"`
	CallbackNumber string    `json:"callbackNumber"`
	Route          string    `json:"route"` // agent or fallback
	AgentID        string    `json:"agentId,omitempty"`
	Target         string    `json:"target,omitempty"`
	RoutedAt       time.Time `json:"routedAt"`
	// EmergencyCallID is the call the number was leased for, whose
	// record the callback joins; empty when the lease is gone.
	EmergencyCallID string `json:"emergencyCallId,omitempty"`
}

// LeaseExpiredDetail is the detail of "Callback Lease Expired".
type LeaseExpiredDetail struct {
	CallbackNumber string    `json:"callbackNumber"`
	Country        string    `json:"country"`
	AgentID        string    `json:"agentId"`
	CallID         string    `json:"callId"`
	ExpiredAt      time.Time `json:"expiredAt"`
}

// PoolExhaustedDetail is the detail of "Callback Pool Exhausted": the lease nearest
// to expiry was taken over from PreviousAgentID.
type PoolExhaustedDetail struct {
	Country         string    `json:"country"`
	SiteID          string    `json:"siteId,omitempty"`
	CallbackNumber  string    `json:"callbackNumber"`
	AgentID         string    `json:"agentId"`
	CallID          string    `json:"callId"`
	PreviousAgentID string    `json:"previousAgentId,omitempty"`
	PreviousCallID  string    `json:"previousCallId,omitempty"`
	At              time.Time `json:"at"`
}

// DialUnsupportedDetail is the detail of "Emergency Dial Unsupported".
type DialUnsupportedDetail struct {
	CallID          string    `json:"callId"`
	AgentID         string    `json:"agentId"`
	EmergencyNumber string    `json:"emergencyNumber"`
	Country         string    `json:"country"`
	At              time.Time `json:"at"`
}

// LocationUnknownDetail is the detail of "Emergency Location Unknown Site"
// (SiteID the site the call named), "Emergency Dial Location Unknown" and
// "Emergency Dial Unknown Agent" (SiteID where the dial was): what the dial
// presented instead.
type LocationUnknownDetail struct {
	CallID          string    `json:"callId"`
	AgentID         string    `json:"agentId"`
	SiteID          string    `json:"siteId,omitempty"`
	EmergencyNumber string    `json:"emergencyNumber,omitempty"`
	Country         string    `json:"country,omitempty"`
	CallerID        string    `json:"callerId,omitempty"`
	CallerIDSource  string    `json:"callerIdSource"`
	At              time.Time `json:"at"`
}

// WatchdogRestoredDetail is the detail of "Presence Watchdog Restored": an agent was
// still on Do Not Disturb long after their emergency calls began, so the end
// event was presumed lost and presence restored.
type WatchdogRestoredDetail struct {
	AgentID  string    `json:"agentId"`
	CallIDs  []string  `json:"callIds"`
	Presence string    `json:"presence"`
	At       time.Time `json:"at"`
}

// AlertDetail is the detail of "Emergency Alert Acknowledged" (By: who
// acknowledged, as they gave it, or the admin principal) and "Emergency
// Alert Escalated" (no By).
type AlertDetail struct {
	AlertID string    `json:"alertId"`
	CallID  string    `json:"callId"`
	SiteID  string    `json:"siteId,omitempty"`
	By      string    `json:"by,omitempty"`
	At      time.Time `json:"at"`
}
