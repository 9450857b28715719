package events

import (
	"encoding/json"
	"fmt"

	"github.com/mayday/mayday/functions"
)

// Targets: the consumers a rule delivers to. A target is a function (named
// in package functions), which the CDK stack maps to its Lambda and the
// local runner to the same handler in-process, or one of these log groups.
// Presence push runs only with a presence platform, Connect's events only
// with an Amazon Connect instance: elsewhere their rules are left out
// (RulesTo).
const (
	TargetOperatorAlarm = "operator-alarm"
	TargetAudit         = "audit"
)

// Rule routes events matching Pattern (an EventBridge event pattern) to
// Target. A rule with a Schedule instead of a Pattern fires on that schedule.
type Rule struct {
	Name        string
	Description string
	Pattern     string
	Schedule    string // EventBridge schedule expression
	Target      string
	// Bus is where the rule listens: "" for Mayday's own bus, DefaultBus
	// for the account's default bus, where AWS services put their events.
	Bus string
}

// DefaultBus names the account's default event bus.
const DefaultBus = "default"

// What Amazon Connect puts on the default bus about contacts: the source,
// the detail-type, and the detail's eventType and channel Mayday acts on.
const (
	ConnectSource       = "aws.connect"
	ConnectContactEvent = "Amazon Connect Contact Event"
	ConnectDisconnected = "DISCONNECTED"
	ConnectChannelVoice = "VOICE"
)

// What EventBridge delivers to the target of a schedule rule: an event from
// source ScheduleSource with detail-type ScheduledEvent, an empty detail and
// the rule's ARN in resources.
const (
	ScheduleSource = "aws.events"
	ScheduledEvent = "Scheduled Event"
)

// SweepSchedule is how often expired leases are released in AWS; locally the
// interval is MAYDAY_SWEEP_INTERVAL.
const SweepSchedule = "rate(1 minute)"

// Rules is the single definition of the event chain: which target each
// detail-type reaches, plus the sweep schedule. The CDK stack and the local
// bus both build their rules from it.
var Rules = []Rule{
	{Name: "lease-on-emergency-call", Description: "Confirm and announce the callback lease the dial took, and apply Do Not Disturb where the dial could not, when an emergency call starts",
		Pattern: detailTypes(EmergencyCallStarted), Target: functions.CallbackLeaseAllocation},
	{Name: "notify-on-lease", Description: "Email the agent's emergency contacts and alert the site's security desk (email, SMS, webhook), with or without a callback number; a test call only where the site asks",
		Pattern: detailTypes(CallbackLeaseAllocated, CallbackLeaseUnavailable, EmergencyTestCall), Target: functions.EmailNotification},
	{Name: "restore-on-emergency-end", Description: "Restore presence when an emergency conversation ends",
		Pattern: detailTypes(EmergencyCallEnded), Target: functions.PresenceRestore},
	{Name: "history-on-call-end", Description: "Record ordinary calls in call history (never emergency calls)",
		Pattern: detailTypes(CallEnded), Target: functions.CallHistory},
	{Name: "alarm-on-operator-events", Description: "Operator alarm: pool exhausted, unsupported emergency dial, unknown site or agent, watchdog restore",
		Pattern: detailTypes(CallbackPoolExhausted, EmergencyDialUnsupported, EmergencyLocationUnknownSite,
			EmergencyDialLocationUnknown, EmergencyDialUnknownAgent, PresenceWatchdogRestored), Target: TargetOperatorAlarm},
	{Name: "audit-callbacks-and-expiry", Description: "Audit trail of routed callbacks and expired leases",
		Pattern: detailTypes(EmergencyCallbackRouted, CallbackLeaseExpired), Target: TargetAudit},
	{Name: "push-presence-to-platform", Description: "Move the agent's presence in the contact-center platform during emergency conversations, and back",
		Pattern: detailTypes(EmergencyCallStarted, EmergencyCallbackRouted, EmergencyCallEnded, PresenceWatchdogRestored), Target: functions.PresencePush},
	{Name: "expire-leases", Description: "Release expired callback leases",
		Schedule: SweepSchedule, Target: functions.LeaseExpiry},
	{Name: "record-emergency-events", Description: "Append the emergency events to each call's emergency record",
		Pattern: detailTypes(RecordedEvents...), Target: functions.EmergencyRecord},
	{Name: "end-call-on-connect-disconnect", Description: "End the call of an Amazon Connect voice contact when it disconnects",
		Pattern: connectContactEvents(ConnectDisconnected), Target: functions.ConnectEvents, Bus: DefaultBus},
}

// RecordedEvents are the detail-types the emergency record is built from.
var RecordedEvents = []string{EmergencyCallStarted, CallbackLeaseAllocated, CallbackLeaseUnavailable,
	CallbackPoolExhausted, EmergencyCallbackRouted, EmergencyCallEnded, CallbackLeaseExpired,
	PresenceWatchdogRestored, EmergencyLocationUnknownSite, EmergencyAlertAcknowledged, EmergencyAlertEscalated}

// connectContactEvents builds the pattern of Connect's voice contact events
// of the given types.
func connectContactEvents(types ...string) string {
	b, err := json.Marshal(map[string]any{"source": []string{ConnectSource}, "detail-type": []string{ConnectContactEvent},
		"detail": map[string][]string{"eventType": types, "channel": {ConnectChannelVoice}}})
	if err != nil {
		panic(fmt.Sprintf("events: pattern: %v", err))
	}
	return string(b)
}

// RulesTo is the rules whose target is there (has says which are): a
// deployment leaves out the rules of what it does not run, such as presence
// push with no presence platform, or Connect's events with no instance.
// Connect's rules match only the contacts of connectInstanceARN, the
// deployment's instance: the default bus carries every instance of the
// account, and another instance's contact ids mean nothing here. With no
// instance they are left out.
func RulesTo(has func(target string) bool, connectInstanceARN string) []Rule {
	var out []Rule
	for _, r := range Rules {
		if !has(r.Target) {
			continue
		}
		if r.Bus == DefaultBus && r.Pattern != "" {
			if connectInstanceARN == "" {
				continue
			}
			r.Pattern = ofInstance(r.Pattern, connectInstanceARN)
		}
		out = append(out, r)
	}
	return out
}

// ofInstance narrows a pattern on Connect's events to one instance's.
func ofInstance(pattern, instanceARN string) string {
	var p map[string]any
	if err := json.Unmarshal([]byte(pattern), &p); err != nil {
		panic(fmt.Sprintf("events: pattern: %v", err))
	}
	detail, _ := p["detail"].(map[string]any)
	if detail == nil {
		detail = map[string]any{}
	}
	detail["instanceArn"] = []string{instanceARN}
	p["detail"] = detail
	b, err := json.Marshal(p)
	if err != nil {
		panic(fmt.Sprintf("events: pattern: %v", err))
	}
	return string(b)
}

// detailTypes builds the pattern {"source":["mayday"],"detail-type":[...]}.
func detailTypes(types ...string) string {
	b, err := json.Marshal(map[string][]string{"source": {Source}, "detail-type": types})
	if err != nil {
		panic(fmt.Sprintf("events: pattern: %v", err))
	}
	return string(b)
}
