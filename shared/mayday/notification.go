package mayday

import (
	"fmt"
	"time"
)

// TemplateName is the SES email template operators edit.
const TemplateName = "EmergencyCallNotification"

// Notification records the emergency email of one call so it is sent once.
type Notification struct {
	CallID    string
	Status    string // NotificationSending or NotificationSent
	ClaimedAt time.Time
	SentAt    time.Time
	Attempts  int
	// Delivered lists the alert deliveries made (DeliveryKey), so that a
	// retry after a partial failure sends only what did not go out.
	Delivered []string
	ExpiresAt time.Time
	Version   int64
}

// DeliveryKey names one delivery of a call's alert: its tier, its channel
// and the recipient (or batch).
func DeliveryKey(tier, channel, to string) string { return tier + "/" + channel + "/" + to }

const (
	NotificationSending = "sending"
	NotificationSent    = "sent"
)

// claimTimeout is how long a send in progress holds its claim; after it a
// retry may send (the sender crashed before recording the outcome).
const claimTimeout = time.Minute

// Claim takes the right to send the call's email. It fails with ErrNoChange
// when the email was sent already and ErrConflict while another sender holds
// a recent claim.
func (n *Notification) Claim(now time.Time) error {
	switch {
	case n.Status == NotificationSent:
		return ErrNoChange
	case n.Status == NotificationSending && now.Sub(n.ClaimedAt) < claimTimeout:
		return fmt.Errorf("%w: notification %s is being sent", ErrConflict, n.CallID)
	}
	n.Status, n.ClaimedAt = NotificationSending, now
	n.Attempts++
	n.ExpiresAt = now.Add(callRetention)
	return nil
}

// NotificationData is the template data: the Handlebars variables the
// Emergency Call Notification template may use.
type NotificationData struct {
	AgentName    string
	AgentEmail   string
	AgentID      string
	DialedNumber string
	Country      string
	Location     string
	SiteName     string
	// Address is the dispatchable address sent with the call: the site's,
	// or the remote agent's own; AddressNote says whether it was verified.
	Address        string
	AddressNote    string
	CallbackNumber string
	// CallerIDSource says, in words, what CallbackNumber is.
	CallerIDSource    string
	CallbackExpiresAt time.Time
	StartedAt         time.Time
	CallID            string
	// AlertID and AckLink name the alert the email is a channel of; Test
	// marks a test call's ("TEST").
	AlertID string
	AckLink string
	Test    bool
	// Escalated marks the next tier's alert: the desk has not
	// acknowledged it ("ESCALATED").
	Escalated bool
}

// Map is the template data as SES TemplateData expects it.
func (d NotificationData) Map() map[string]string {
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 MST")
	}
	return map[string]string{
		"agentName":         d.AgentName,
		"agentEmail":        d.AgentEmail,
		"agentId":           d.AgentID,
		"dialedNumber":      d.DialedNumber,
		"country":           d.Country,
		"location":          d.Location,
		"siteName":          d.SiteName,
		"address":           d.Address,
		"addressNote":       d.AddressNote,
		"callbackNumber":    d.CallbackNumber,
		"callerIdSource":    d.CallerIDSource,
		"callbackExpiresAt": ts(d.CallbackExpiresAt),
		"startedAt":         ts(d.StartedAt),
		"callId":            d.CallID,
		"alertId":           d.AlertID,
		"ackLink":           d.AckLink,
		"test":              map[bool]string{true: "TEST"}[d.Test],
		"escalated":         map[bool]string{true: "ESCALATED"}[d.Escalated],
	}
}

// callerIDWords says what the number the emergency service received is.
var callerIDWords = map[string]string{
	CallerLease:   "A callback number leased to this agent.",
	CallerAgent:   "The agent's own number, registered at the remote address.",
	CallerECBN:    "The site's emergency callback number.",
	CallerDefault: "The platform's default number for the country.",
}
