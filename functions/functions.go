// Package functions lists Mayday's Lambda functions, one entry per directory
// under functions/, named as its directory is. Settings, the event rules,
// the CDK stack, the local runner and its Invoke API all read this list
// rather than spelling the names themselves. It holds names and what to say
// about them, never a constructor: a bootstrap that names itself here links
// no other function's code.
package functions

// The functions' names: each is its directory under functions/.
const (
	DialDetection           = "dial-detection"
	PriorityCallbackRouting = "priority-callback-routing"
	AdminAPI                = "admin-api"
	AgentState              = "agent-state"
	CallbackLeaseAllocation = "callback-lease-allocation"
	EmailNotification       = "email-notification"
	PresenceRestore         = "presence-restore"
	CallHistory             = "call-history"
	LeaseExpiry             = "lease-expiry"
	PresencePush            = "presence-push"
	ConnectFlow             = "connect-flow"
	ConnectEvents           = "connect-events"
	OutboxPublisher         = "outbox-publisher"
	EmergencyRecord         = "emergency-record"
	AuditAPI                = "audit-api"
	AlertAck                = "alert-ack"
	AlertEscalation         = "alert-escalation"
)

// Trigger says what invokes a function.
type Trigger int

const (
	// Webhook: a public Function URL, signed by the telephony platform.
	Webhook Trigger = iota
	// Admin: an IAM-authorised Function URL.
	Admin
	// Event: invoked asynchronously, by an EventBridge rule (on an event
	// or a schedule) or an EventBridge Scheduler schedule.
	Event
	// ContactFlow: Amazon Connect's contact flows.
	ContactFlow
	// Stream: the table's DynamoDB stream (an event source mapping).
	Stream
)

// Platform says which deployments have a function.
type Platform int

const (
	// Core functions are in every deployment.
	Core Platform = iota
	// Presence: only where a presence platform is configured.
	Presence
	// AmazonConnect: only where an Amazon Connect instance is configured.
	AmazonConnect
)

// Function is what is said about a function, wherever it runs.
type Function struct {
	Name string
	// Description is one line on what it does: the Lambda's description.
	Description string
	Trigger     Trigger
	Platform    Platform
}

// All lists every function.
var All = []Function{
	{DialDetection, "Webhook: call lifecycle; detects emergency dials (POST /v1/telephony/events)", Webhook, Core},
	{PriorityCallbackRouting, "Webhook: routing decision for inbound calls; PSAP callbacks at emergency priority (POST /v1/telephony/inbound)", Webhook, Core},
	{AdminAPI, "Admin and agent-state routes (IAM-authorised)", Admin, Core},
	{AgentState, "The agent desktop's read-only state route, on a URL of its own (IAM-authorised)", Admin, Core},
	{CallbackLeaseAllocation, "Confirms and announces the callback lease the dial took (or what it presented instead); applies Do Not Disturb where the dial could not (a store fault)", Event, Core},
	{EmailNotification, "Emails the agent's emergency contacts (SES v2 template) and alerts the site's security desk (email, SMS, webhook)", Event, Core},
	{PresenceRestore, "Restores presence when the last emergency conversation ends", Event, Core},
	{CallHistory, "Records ordinary calls in call history (never emergency calls)", Event, Core},
	{LeaseExpiry, "Releases expired callback leases and runs the presence watchdog (every minute)", Event, Core},
	{PresencePush, "Moves the agent's presence in the contact-center platform during emergency conversations, and back", Event, Presence},
	{ConnectFlow, "Amazon Connect contact flows: emergency dial detection (action=dial) and PSAP callback routing (action=inbound)", ContactFlow, AmazonConnect},
	{OutboxPublisher, "Publishes the events the dial recorded with its writes (the table's stream: outbox items), at least once", Stream, Core},
	{EmergencyRecord, "Appends the emergency events to each call's emergency record (append-only, hash-chained)", Event, Core},
	{AuditAPI, "Reads the emergency record (GET /v1/emergencies/{callId}/record; IAM-authorised, the audit role only)", Admin, Core},
	{AlertAck, "Public page of a security desk alert: shows it and records its first acknowledgement (GET /v1/alerts/{alertId}, POST .../ack; the link's token)", Webhook, Core},
	{AlertEscalation, "Escalates an unacknowledged security desk alert to its site's next tier, once (an EventBridge Scheduler one-time schedule)", Event, Core},
	{ConnectEvents, "Ends the call of an Amazon Connect voice contact when it disconnects (default-bus contact events)", Event, AmazonConnect},
}

// Get returns the function named name.
func Get(name string) (Function, bool) {
	for _, f := range All {
		if f.Name == name {
			return f, true
		}
	}
	return Function{}, false
}

// Names lists the functions' names, in the order of All.
func Names() []string {
	out := make([]string, len(All))
	for i, f := range All {
		out[i] = f.Name
	}
	return out
}
