package amazonconnect

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/mayday"
)

// ContactEventDetail is the part of a contact event's detail Mayday reads;
// Connect adds fields over time, and they are ignored.
type ContactEventDetail struct {
	EventType           string `json:"eventType"`
	ContactID           string `json:"contactId"`
	InitialContactID    string `json:"initialContactId"`
	Channel             string `json:"channel"`
	InstanceARN         string `json:"instanceArn"`
	InitiationMethod    string `json:"initiationMethod"`
	DisconnectTimestamp string `json:"disconnectTimestamp"`
}

// ContactEvents ends a call when Connect reports its contact disconnected,
// as the call.ended webhook does.
type ContactEvents struct {
	Dial *mayday.DialDetection
	Log  *slog.Logger
}

// Handle applies one contact event. A disconnected voice contact ends the
// call of the same id (the contact id is the call id of the flows); other
// event types and channels are ignored. Ending a call twice changes nothing.
func (h ContactEvents) Handle(ctx context.Context, e lambdaevents.EventBridgeEvent) error {
	if e.Source != events.ConnectSource || e.DetailType != events.ConnectContactEvent {
		return fmt.Errorf("%w: event %s: %s %q is not a Connect contact event", mayday.ErrInvalid, e.ID, e.Source, e.DetailType)
	}
	var d ContactEventDetail
	if err := json.Unmarshal(e.Detail, &d); err != nil {
		return fmt.Errorf("%w: event %s: detail: %v", mayday.ErrInvalid, e.ID, err)
	}
	if d.EventType != events.ConnectDisconnected || !strings.EqualFold(d.Channel, events.ConnectChannelVoice) {
		return nil
	}
	if d.ContactID == "" {
		return fmt.Errorf("%w: event %s: contactId is required", mayday.ErrInvalid, e.ID)
	}
	at := e.Time
	if d.DisconnectTimestamp != "" {
		t, err := time.Parse(time.RFC3339, d.DisconnectTimestamp)
		if err != nil {
			return fmt.Errorf("%w: event %s: disconnectTimestamp %q: %v", mayday.ErrInvalid, e.ID, d.DisconnectTimestamp, err)
		}
		at = t
	}
	out, err := h.Dial.HandleCall(ctx, mayday.CallEvent{Type: mayday.CallEventEnded, CallID: d.ContactID, OccurredAt: at})
	if err != nil {
		return fmt.Errorf("contact %s: %w", d.ContactID, err)
	}
	if h.Log != nil {
		h.Log.Info("connect contact disconnected", "contactId", d.ContactID, "emergency", out.Emergency)
	}
	return nil
}
