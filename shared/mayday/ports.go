package mayday

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mayday/mayday/events"
)

// Update closures receive the current value (or, when none is stored, the
// zero value with its key set and Version 0), change it, and return nil to
// write it, ErrNoChange to write nothing, or an error to abort. Stores make
// the write conditional on the Version read and re-run the closure on a
// conflicting concurrent write, so closures must be pure.

// AgentStore keeps agents: profile, presence and emergency state.
type AgentStore interface {
	GetAgent(ctx context.Context, id string) (Agent, error)
	UpdateAgent(ctx context.Context, id string, fn func(*Agent) error) (Agent, error)
	// UpdateAgentAnnouncing is UpdateAgent that records the closure's
	// events with the write (the outbox, as UpdateCallAnnouncing).
	UpdateAgentAnnouncing(ctx context.Context, id string, fn func(*Agent) ([]OutboxEvent, error)) (Agent, error)
	// AgentsAtSite lists the agents whose home site is siteID.
	AgentsAtSite(ctx context.Context, siteID string) ([]Agent, error)
	// AgentsInEmergencySince lists the agents whose emergency conversations
	// began at or before t and have not all ended (the watchdog's query).
	AgentsInEmergencySince(ctx context.Context, t time.Time) ([]Agent, error)
}

// CallStore keeps one record per call id, so that webhooks and events about
// the same call, in any order and any number of times, are applied once.
type CallStore interface {
	GetCall(ctx context.Context, id string) (Call, error)
	UpdateCall(ctx context.Context, id string, fn func(*Call) error) (Call, error)
	// UpdateCallAnnouncing is UpdateCall whose closure also returns the
	// events the write makes true: they are recorded with the call, in the
	// same write, all or none (the transactional outbox).
	UpdateCallAnnouncing(ctx context.Context, id string, fn func(*Call) ([]OutboxEvent, error)) (Call, error)
}

// PoolStore keeps the callback numbers and their leases.
type PoolStore interface {
	GetNumber(ctx context.Context, number string) (CallbackNumber, error)
	// ListNumbers lists a country's numbers, its sites' included, or every
	// number when country is "".
	ListNumbers(ctx context.Context, country string) ([]CallbackNumber, error)
	UpdateNumber(ctx context.Context, number string, fn func(*CallbackNumber) error) (CallbackNumber, error)
	// UpdateNumberAnnouncing is UpdateNumber that records the closure's
	// events with the write (the outbox, as UpdateCallAnnouncing).
	UpdateNumberAnnouncing(ctx context.Context, number string, fn func(*CallbackNumber) ([]OutboxEvent, error)) (CallbackNumber, error)
	// DeleteNumber removes a number if check, given the stored value, allows.
	DeleteNumber(ctx context.Context, number string, check func(CallbackNumber) error) error
	// LeasesHeldBy lists the numbers whose lease names the agent, live or not.
	LeasesHeldBy(ctx context.Context, agentID string) ([]CallbackNumber, error)
	// LeasesExpiringBy lists leased numbers whose lease ends at or before t.
	LeasesExpiringBy(ctx context.Context, t time.Time) ([]CallbackNumber, error)
}

// SiteStore keeps the emergency response locations.
type SiteStore interface {
	GetSite(ctx context.Context, id string) (Site, error)
	ListSites(ctx context.Context) ([]Site, error)
	UpdateSite(ctx context.Context, id string, fn func(*Site) error) (Site, error)
	// DeleteSite removes a site if check, given the stored value, allows.
	DeleteSite(ctx context.Context, id string, check func(Site) error) error
}

// NotificationStore records each call's notification so it is sent once.
type NotificationStore interface {
	UpdateNotification(ctx context.Context, callID string, fn func(*Notification) error) (Notification, error)
}

// AlertStore keeps the security desk's alerts: what each showed, and its
// acknowledgement and escalation (conditional writes through UpdateAlert:
// the first acknowledgement wins).
type AlertStore interface {
	GetAlert(ctx context.Context, id string) (Alert, error)
	UpdateAlert(ctx context.Context, id string, fn func(*Alert) error) (Alert, error)
	// UpdateAlertAnnouncing is UpdateAlert whose closure also returns the
	// events the write makes true, recorded with it (the outbox).
	UpdateAlertAnnouncing(ctx context.Context, id string, fn func(*Alert) ([]OutboxEvent, error)) (Alert, error)
	// LiveAlerts lists the alerts whose link is live at now (Alert.Live),
	// acknowledged or not, of the site, or of every site when siteID is "".
	LiveAlerts(ctx context.Context, siteID string, now time.Time) ([]Alert, error)
}

// EscalationScheduler runs an alert's escalation once at a time (in AWS an
// EventBridge Scheduler one-time schedule; locally a timer). Both methods
// are idempotent: scheduling an alert again replaces nothing and fails not,
// cancelling one that already ran or never was is no error.
type EscalationScheduler interface {
	ScheduleEscalation(ctx context.Context, alertID string, at time.Time) error
	CancelEscalation(ctx context.Context, alertID string) error
}

// HistoryStore keeps call-history activities (never emergency calls).
type HistoryStore interface {
	// AddActivity is idempotent on (AgentID, CallID).
	AddActivity(ctx context.Context, a Activity) error
	ListActivities(ctx context.Context, agentID string) ([]Activity, error)
}

// SetupStore reads and writes what a dial sets up, in one round trip each:
// the call, the agent and the callback number presented. Writing them
// together is what lets concurrent dials arbitrate on the agent's item: of
// two dials that lease different numbers for one agent, one write fails and
// its retry renews the winner's number.
type SetupStore interface {
	// ReadSetup reads an agent and a call together. One absent is its zero
	// value with its id set and Version 0, as Update closures see it.
	ReadSetup(ctx context.Context, agentID, callID string) (Agent, Call, error)
	// WriteSetup writes the call, the agent and, when not nil, the number,
	// with the events evs (the outbox), all or none. Each is written only if the stored item's Version is
	// still the one the value carries (0: the item must not exist); the
	// written values carry Version+1. A failed condition is a *SetupConflict
	// naming the items that changed.
	WriteSetup(ctx context.Context, call Call, agent Agent, number *CallbackNumber, evs []OutboxEvent) (Call, Agent, *CallbackNumber, error)
}

// SetupConflict is WriteSetup's failed condition. It wraps ErrConflict.
type SetupConflict struct {
	Call, Agent, Number bool // which items had changed
}

func (c *SetupConflict) Error() string {
	var changed []string
	for _, p := range []struct {
		name string
		on   bool
	}{{"call", c.Call}, {"agent", c.Agent}, {"number", c.Number}} {
		if p.on {
			changed = append(changed, p.name)
		}
	}
	return fmt.Sprintf("conflict: %s changed meanwhile", strings.Join(changed, ", "))
}

func (c *SetupConflict) Unwrap() error { return ErrConflict }

// Store is every store port; one adapter (embedded or DynamoDB) provides all.
type Store interface {
	AgentStore
	CallStore
	PoolStore
	SiteStore
	SetupStore
	NotificationStore
	HistoryStore
	AlertStore
}

// Publisher puts events on the bus.
type Publisher interface {
	Publish(ctx context.Context, evs ...events.Event) error
}

// Email is a templated message, sent the way SES v2 sends a stored template.
type Email struct {
	To       []string
	Template string
	Data     map[string]string
}

// Mailer sends templated emails.
type Mailer interface {
	Send(ctx context.Context, e Email) error
}

// MessageMailer is a Mailer that tells the provider's id of each message
// it sends (SES's MessageId), which the emergency record keeps.
type MessageMailer interface {
	SendMessage(ctx context.Context, e Email) (messageID string, err error)
}

// SMS is one text message of an alert.
type SMS struct {
	To      string // E.164
	Text    string
	AlertID string
	// AckLink is the alert's link, which Text may have left out to fit.
	AckLink string
}

// SMSSender sends text messages (AWS End User Messaging SMS; locally the
// outbox). The message id is the provider's.
type SMSSender interface {
	SendSMS(ctx context.Context, m SMS) (messageID string, err error)
}

// AlertPoster posts an alert, signed, to a site's webhook URL (locally the
// outbox keeps it).
type AlertPoster interface {
	PostAlert(ctx context.Context, url string, a Alert) error
}

// Clock tells the time; tests inject a fixed one.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock, in UTC.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now().UTC() }

// PresencePlatform is the contact-center platform that owns the agent's
// presence. Statuses are the platform's own identifiers (a TaskRouter
// activity SID, a Connect agent-status id, ...), opaque to Mayday.
// Implementations bound every call in time and return an error for what
// may succeed on a retry as for what will not; one wrapping ErrNotFound
// means the platform does not know the agent.
type PresencePlatform interface {
	// DoNotDisturb moves the agent to the platform's Do Not Disturb status
	// and returns the status the agent had before; "" when the agent was
	// already on Do Not Disturb or the platform cannot tell.
	DoNotDisturb(ctx context.Context, agentID string) (previous string, err error)
	// Restore moves the agent back to previous ("" : the adapter's configured default status, or leave as is if none).
	Restore(ctx context.Context, agentID, previous string) error
}

// CallbackRouter is implemented by a presence platform that routes PSAP
// callbacks through its own queues (Amazon Connect), which offer a contact
// only to a routable agent: there a callback does not move the agent to Do
// Not Disturb — that would hold the callback in the queue it is meant to
// jump — and only the agent's outbound emergency calls do.
type CallbackRouter interface {
	RoutesCallbacks() bool
}

// routesCallbacks reports whether p routes callbacks through its queues.
func routesCallbacks(p PresencePlatform) bool {
	r, ok := p.(CallbackRouter)
	return ok && r.RoutesCallbacks()
}
