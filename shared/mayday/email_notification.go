package mayday

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/mayday/mayday/events"
)

// EmailNotification is the email-notification function's use case: on
// "Callback Lease Allocated" or "Callback Lease Unavailable" it emails the
// agent's emergency contacts, once per call.
type EmailNotification struct {
	ports
	mailer Mailer
	sites  *siteCache
	record RecordStore
}

// NewEmailNotification builds the use case; every port is required.
func NewEmailNotification(store Store, mailer Mailer, o Options) (*EmailNotification, error) {
	p, err := newPorts("email notification", o, store, nil, port{"store", store}, port{"mailer", mailer})
	if err != nil {
		return nil, err
	}
	return &EmailNotification{ports: p, mailer: mailer, sites: newSiteCache(), record: o.Record}, nil
}

// Notify handles "Callback Lease Allocated" and "Callback Lease Unavailable":
// one email per call to the agent's emergency contacts and the site's
// notification recipients, naming the number the emergency service received
// and the location.
func (e *EmailNotification) Notify(ctx context.Context, d events.CallbackLeaseDetail) error {
	log := e.log.With("callId", d.CallID, "agentId", d.AgentID, "siteId", d.SiteID)
	agent, err := e.store.GetAgent(ctx, d.AgentID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("agent %s: %w", d.AgentID, err)
	}
	var site Site
	// A remote agent's call is at no site; their home site's desk still
	// hears of it.
	if s, err := e.sites.load(ctx, e.store, cmp.Or(d.SiteID, agent.SiteID)); err != nil {
		return err
	} else if s != nil {
		site = *s
	}
	to := uniqueAddresses(slices.Concat(agent.EmergencyContacts, site.Notify))
	if len(to) == 0 {
		log.Warn("no emergency contacts or site recipients configured; no email sent")
		return nil
	}
	now := e.now()
	n, err := e.store.UpdateNotification(ctx, d.CallID, func(n *Notification) error { return n.Claim(now) })
	if errors.Is(err, ErrConflict) {
		// Another delivery of this event is sending; it owns the outcome
		// (on failure it gives the claim back and its retry sends).
		log.Info("notification being sent by another delivery")
		return nil
	}
	if err != nil {
		return fmt.Errorf("notification %s: claim: %w", d.CallID, err)
	}
	if n.Status == NotificationSent {
		log.Info("notification already sent")
		return nil
	}
	data := NotificationData{AgentName: agent.Name, AgentEmail: agent.Email, AgentID: agent.ID,
		DialedNumber: d.DialedNumber, Country: d.Country, Location: d.Location,
		CallbackNumber: cmp.Or(d.CallbackNumber, d.CallerID, PlatformDefaultNumber),
		CallerIDSource: callerIDWords[d.CallerIDSource], StartedAt: d.StartedAt, CallID: d.CallID}
	if d.SiteID != "" { // the call was placed from the site, not just its desk told
		data.SiteName, data.Address = site.Name, site.Address.String()
	}
	if a := d.Address; a != nil {
		// What the call sent, which for a remote agent is not a site's.
		data.Address = Address{HouseNumber: a.HouseNumber, Street: a.Street, City: a.City, Region: a.Region,
			PostalCode: a.PostalCode, Country: a.Country}.String()
		if d.LocationKind == LocationRemote {
			data.AddressNote = "Address confirmed by the agent."
			if !d.LocationValidated {
				data.AddressNote = "Address given by the agent; it could not be verified."
			}
		}
	}
	if d.CallbackExpiresAt != nil {
		data.CallbackExpiresAt = *d.CallbackExpiresAt
	}
	sent, err := e.send(ctx, to, data)
	if err != nil {
		// Give the claim back so the retry sends.
		if _, rerr := e.store.UpdateNotification(ctx, d.CallID, func(n *Notification) error {
			if n.Status != NotificationSending {
				return ErrNoChange
			}
			n.Status = ""
			return nil
		}); rerr != nil {
			log.Error("notification claim not released; a retry sends after the claim times out", "err", rerr)
		}
		return fmt.Errorf("notification %s: send: %w", d.CallID, err)
	}
	if _, err := e.store.UpdateNotification(ctx, d.CallID, func(n *Notification) error {
		n.Status, n.SentAt = NotificationSent, now
		return nil
	}); err != nil {
		// The email went; a retry after the claim timeout could send again,
		// which beats losing it.
		log.Error("notification sent but not recorded", "err", err)
	}
	if err := recordNotification(ctx, e.record, e.clock, d.CallID, "email", "email-notification", sent); err != nil {
		// The email went and is marked sent: failing now would not resend
		// it, and a lost entry is what the log line is for.
		log.Error("notification sent but not in the emergency record", "err", err)
	}
	log.Info("emergency contacts notified", "recipients", len(to))
	return nil
}

// PlatformDefaultNumber is what the email names when the dial presented no
// caller ID.
const PlatformDefaultNumber = "the platform's default number"

// send sends the email, in as many messages as SES's recipient limit asks
// for: the agent's contacts and the site's recipients may each be at it.
// It returns what went, with SES's message ids when the mailer gives them.
func (e *EmailNotification) send(ctx context.Context, to []string, data NotificationData) ([]SentMessage, error) {
	vars := data.Map()
	var sent []SentMessage
	for batch := range slices.Chunk(to, maxContacts) {
		msg := Email{To: batch, Template: TemplateName, Data: vars}
		var id string
		var err error
		if m, ok := e.mailer.(MessageMailer); ok {
			id, err = m.SendMessage(ctx, msg)
		} else {
			err = e.mailer.Send(ctx, msg)
		}
		if err != nil {
			return sent, err
		}
		sent = append(sent, SentMessage{MessageID: id, Recipients: len(batch), At: e.now()})
	}
	return sent, nil
}
