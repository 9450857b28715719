package mayday

import "time"

// CallKind tells the calls Mayday tracks apart.
type CallKind string

const (
	// KindOutbound is an emergency call the agent dialled.
	KindOutbound CallKind = "outbound"
	// KindCallback is an emergency service calling back a leased number.
	KindCallback CallKind = "callback"
	// KindOrdinary is any other call: it goes to call history.
	KindOrdinary CallKind = "ordinary"
	// KindUnsupported is an emergency number dialled from an unsupported
	// location: not handled as an emergency, but kept out of history too.
	KindUnsupported CallKind = "unsupported-emergency"
	// KindUnknown is a call whose end was seen before its start.
	KindUnknown CallKind = ""
)

// Emergency reports whether calls of this kind are emergency conversations.
func (k CallKind) Emergency() bool { return k == KindOutbound || k == KindCallback }

// Call is what Mayday knows about one call id: enough to apply its start and
// end once each, in either order.
type Call struct {
	ID       string
	Kind     CallKind
	AgentID  string
	From     string
	To       string
	Country  string
	Location string
	Number   string // the emergency number recognised, if any
	// SiteID is where the call was placed from (a dial) or the site of the
	// number called back.
	SiteID string
	// CallerID is what the dial answer presented as the calling number,
	// CallerIDSource where it came from (CallerLease, CallerECBN,
	// CallerDefault; empty until answered), CallbackExpiresAt the lease's
	// end when it is a lease. A repeated dial answers the same.
	CallerID          string
	CallerIDSource    string
	CallbackExpiresAt time.Time
	// StartedAt is when the sender says the call started, kept as sent;
	// ReceivedAt is when Mayday learnt of it (zero on records written
	// before it was kept). Timers count from ReceivedAt: a sender's clock
	// must never move the watchdog.
	StartedAt  time.Time
	ReceivedAt time.Time
	EndedAt    time.Time
	// Route is the routing decision given for an inbound callback, repeated
	// verbatim when the routing webhook is retried.
	Route *RouteDecision `json:",omitempty"`
	// ExpiresAt lets the store drop the record (TTL) long after the call.
	ExpiresAt time.Time
	Version   int64
}

// Started reports whether the call's start has been recorded.
func (c *Call) Started() bool { return c.Kind != KindUnknown }

// Ended reports whether the call's end has been recorded.
func (c *Call) Ended() bool { return !c.EndedAt.IsZero() }

// callRetention is how long call records are kept for deduplication.
const callRetention = 7 * 24 * time.Hour

// Activity is one call-history entry. Emergency calls never become one.
type Activity struct {
	AgentID   string
	CallID    string
	Direction string
	From      string
	To        string
	StartedAt time.Time
	EndedAt   time.Time
}
