package mayday

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/mayday/mayday/events"
)

// EmergencyRecord is the emergency-record function's use case: it appends
// the emergency events to each call's record. An entry's id is derived from
// the event's detail-type and detail, not its EventBridge id: a delivery
// retried, or the same event published again under a new id, appends
// nothing twice.
type EmergencyRecord struct {
	record RecordStore
	clock  Clock
}

// NewEmergencyRecord builds the use case; it needs only the record store.
func NewEmergencyRecord(record RecordStore, o Options) (*EmergencyRecord, error) {
	if isNil(record) {
		return nil, fmt.Errorf("emergency record: %w: record store", ErrMissingDependency)
	}
	clock := o.Clock
	if clock == nil {
		clock = SystemClock{}
	}
	return &EmergencyRecord{record: record, clock: clock}, nil
}

// Append appends what one event says to the record of each call it names.
// An event of another detail-type is refused (ErrInvalid).
func (r *EmergencyRecord) Append(ctx context.Context, detailType string, detail json.RawMessage) error {
	byCall, err := recordDrafts(detailType, detail)
	if err != nil {
		return err
	}
	for _, c := range byCall {
		if _, err := AppendRecord(ctx, r.record, r.clock, c.callID, c.drafts...); err != nil {
			return err
		}
	}
	return nil
}

type callDrafts struct {
	callID string
	drafts []RecordDraft
}

// recordDrafts maps an event to the entries it adds, per call.
func recordDrafts(detailType string, detail json.RawMessage) ([]callDrafts, error) {
	id := func(kind string) string { return RecordID(detailType, string(detail), kind) }
	one := func(callID, kind string, at time.Time, f map[string]string) []callDrafts {
		return []callDrafts{{callID, []RecordDraft{{ID: id(kind), Kind: kind, At: at, Source: detailType, Fields: f}}}}
	}
	switch detailType {
	case events.EmergencyCallStarted:
		var d events.EmergencyCallStartedDetail
		if err := decodeDetail(detailType, detail, &d); err != nil {
			return nil, err
		}
		at := d.ReceivedAt
		if at.IsZero() {
			at = d.StartedAt
		}
		draft := func(kind string, f map[string]string) RecordDraft {
			return RecordDraft{ID: id(kind), Kind: kind, At: at, Source: detailType, Fields: f}
		}
		return []callDrafts{{d.CallID, []RecordDraft{
			draft(RecordDialReceived, fields("agentId", d.AgentID, "dialedNumber", d.DialedNumber,
				"emergencyNumber", d.EmergencyNumber, "country", d.Country, "startedAt", timeField(d.StartedAt),
				"receivedAt", timeField(d.ReceivedAt))),
			draft(RecordLocationPresented, fields("locationKind", d.LocationKind, "locationSource", d.LocationSource,
				"siteId", d.SiteID, "location", d.Location, "address", addressField(d.Address),
				"locationValidated", strconv.FormatBool(d.LocationValidated))),
			draft(RecordCallerIDPresented, fields("callerId", d.CallerID, "callerIdSource", d.CallerIDSource,
				"fallback", d.Fallback, "leaseExpiresAt", timePtrField(d.LeaseExpiresAt),
				"takenOverFromCallId", d.TakenOverFromCallID)),
		}}}, nil
	case events.CallbackLeaseAllocated, events.CallbackLeaseUnavailable:
		var d events.CallbackLeaseDetail
		if err := decodeDetail(detailType, detail, &d); err != nil {
			return nil, err
		}
		kind := RecordLeaseAllocated
		if detailType == events.CallbackLeaseUnavailable {
			kind = RecordLeaseUnavailable
		}
		return one(d.CallID, kind, cmpTime(d.ReceivedAt, d.StartedAt), fields("agentId", d.AgentID,
			"callbackNumber", d.CallbackNumber, "callbackExpiresAt", timePtrField(d.CallbackExpiresAt),
			"callerId", d.CallerID, "callerIdSource", d.CallerIDSource, "reason", d.Reason)), nil
	case events.CallbackPoolExhausted:
		var d events.PoolExhaustedDetail
		if err := decodeDetail(detailType, detail, &d); err != nil {
			return nil, err
		}
		return one(d.CallID, RecordPoolExhausted, d.At, fields("callbackNumber", d.CallbackNumber, "country", d.Country,
			"siteId", d.SiteID, "previousCallId", d.PreviousCallID)), nil
	case events.EmergencyCallbackRouted:
		var d events.CallbackRoutedDetail
		if err := decodeDetail(detailType, detail, &d); err != nil {
			return nil, err
		}
		// A callback is a call of its own; it joins the record of the call
		// the number was leased for, else it has one of its own.
		return one(cmp.Or(d.EmergencyCallID, d.CallID), RecordCallbackRouted, d.RoutedAt, fields("callId", d.CallID,
			"callbackNumber", d.CallbackNumber, "route", d.Route, "agentId", d.AgentID, "target", d.Target)), nil
	case events.EmergencyCallEnded:
		var d events.CallEndedDetail
		if err := decodeDetail(detailType, detail, &d); err != nil {
			return nil, err
		}
		return one(d.CallID, RecordCallEnded, d.EndedAt, fields("agentId", d.AgentID, "kind", d.Kind)), nil
	case events.CallbackLeaseExpired:
		var d events.LeaseExpiredDetail
		if err := decodeDetail(detailType, detail, &d); err != nil {
			return nil, err
		}
		return one(d.CallID, RecordLeaseExpired, d.ExpiredAt, fields("callbackNumber", d.CallbackNumber, "agentId", d.AgentID)), nil
	case events.PresenceWatchdogRestored:
		var d events.WatchdogRestoredDetail
		if err := decodeDetail(detailType, detail, &d); err != nil {
			return nil, err
		}
		var out []callDrafts
		for _, c := range d.CallIDs {
			out = append(out, one(c, RecordPresenceRestored, d.At, fields("agentId", d.AgentID,
				"presence", d.Presence, "by", "watchdog"))...)
		}
		return out, nil
	case events.EmergencyAlertAcknowledged, events.EmergencyAlertEscalated:
		var d events.AlertDetail
		if err := decodeDetail(detailType, detail, &d); err != nil {
			return nil, err
		}
		kind := RecordAlertAcknowledged
		if detailType == events.EmergencyAlertEscalated {
			kind = RecordAlertEscalated
		}
		return one(d.CallID, kind, d.At, fields("alertId", d.AlertID, "siteId", d.SiteID, "by", d.By)), nil
	case events.EmergencyLocationUnknownSite:
		var d events.LocationUnknownDetail
		if err := decodeDetail(detailType, detail, &d); err != nil {
			return nil, err
		}
		return one(d.CallID, RecordLocationUnknownSite, d.At, fields("siteId", d.SiteID, "callerId", d.CallerID,
			"callerIdSource", d.CallerIDSource)), nil
	}
	return nil, fmt.Errorf("%w: emergency record: detail-type %q is not recorded", ErrInvalid, detailType)
}

func decodeDetail(detailType string, detail json.RawMessage, v any) error {
	if err := json.Unmarshal(detail, v); err != nil {
		return fmt.Errorf("%w: %s: detail: %v", ErrInvalid, detailType, err)
	}
	return nil
}

// fields builds an entry's fields from name, value pairs, leaving out
// empty values.
func fields(kv ...string) map[string]string {
	f := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			f[kv[i]] = kv[i+1]
		}
	}
	return f
}

func timeField(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func timePtrField(t *time.Time) string {
	if t == nil {
		return ""
	}
	return timeField(*t)
}

func cmpTime(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

func addressField(a *events.AddressDetail) string {
	if a == nil {
		return ""
	}
	return Address{HouseNumber: a.HouseNumber, Street: a.Street, City: a.City, Region: a.Region,
		PostalCode: a.PostalCode, Country: a.Country}.String()
}

// recordNotification appends one entry per message sent about a call, by
// its channel and the provider's message id, to the record (when there is
// one).
func recordNotification(ctx context.Context, record RecordStore, clock Clock, callID, source string, sent []SentMessage) error {
	if record == nil || len(sent) == 0 {
		return nil
	}
	drafts := make([]RecordDraft, 0, len(sent))
	for _, m := range sent {
		drafts = append(drafts, RecordDraft{ID: RecordID(RecordNotificationSent, m.Channel, m.MessageID, m.Key),
			Kind: RecordNotificationSent, At: m.At, Source: source,
			Fields: fields("channel", m.Channel, "messageId", m.MessageID, "recipients", strconv.Itoa(m.Recipients),
				"alertId", m.AlertID)})
	}
	_, err := AppendRecord(ctx, record, clock, callID, drafts...)
	return err
}

// SentMessage is one message a channel sent: the channel (email, sms,
// webhook), the provider's id for it (SES's MessageId, End User Messaging's
// MessageId; empty when the provider gives none, as a webhook), how many it
// went to, the alert it carried, when, and its delivery key (which tells
// apart the messages of one alert).
type SentMessage struct {
	Channel    string
	MessageID  string
	Recipients int
	AlertID    string
	At         time.Time
	Key        string
}
