package mayday

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/mayday/mayday/events"
)

// EmailNotification is the email-notification function's use case: on
// "Callback Lease Allocated" or "Callback Lease Unavailable" it emails the
// agent's emergency contacts and alerts the security desk on the site's
// channels (email, SMS, webhook), once per call; on "Emergency Test Call",
// the desk of a site that asks for test alerts.
type EmailNotification struct {
	ports
	mailer Mailer
	sites  *siteCache
	record RecordStore
	// The other channels and the links' signing (Options).
	sms         SMSSender
	webhooks    AlertPoster
	alertSecret AlertSecret
	alertBase   string
	escalations EscalationScheduler
}

// NewEmailNotification builds the use case; every port is required.
func NewEmailNotification(store Store, mailer Mailer, o Options) (*EmailNotification, error) {
	p, err := newPorts("email notification", o, store, nil, port{"store", store}, port{"mailer", mailer})
	if err != nil {
		return nil, err
	}
	return &EmailNotification{ports: p, mailer: mailer, sites: newSiteCache(), record: o.Record,
		sms: o.SMS, webhooks: o.Webhooks, alertSecret: o.AlertSecret, alertBase: o.AlertBaseURL,
		escalations: o.Escalations}, nil
}

// Notify handles "Callback Lease Allocated" and "Callback Lease Unavailable":
// once per call, the security desk's alert on every channel the site has —
// an email to the agent's emergency contacts and the site's recipients, a
// text to each of its SMS numbers, a post to its webhook — naming the
// number the emergency service received and the location.
func (e *EmailNotification) Notify(ctx context.Context, d events.CallbackLeaseDetail) error {
	return e.notify(ctx, d, false)
}

// NotifyTest handles "Emergency Test Call": a test call (933) alerts the
// site's desk, marked TEST, only when the site asks for test alerts; the
// agent's own emergency contacts are not told of tests.
func (e *EmailNotification) NotifyTest(ctx context.Context, d events.EmergencyCallStartedDetail) error {
	return e.notify(ctx, events.CallbackLeaseDetail{EmergencyCallStartedDetail: d}, true)
}

// delivery is one message of an alert. send returns what went, for the
// emergency record.
type delivery struct {
	key  string
	send func(context.Context) (SentMessage, error)
}

func (e *EmailNotification) notify(ctx context.Context, d events.CallbackLeaseDetail, test bool) error {
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
	if test && !site.TestAlerts {
		log.Info("test call: the site asks for no test alerts")
		return nil
	}
	to := site.Notify
	if !test {
		to = slices.Concat(agent.EmergencyContacts, site.Notify)
	}
	to = uniqueAddresses(to)
	if len(to) == 0 && len(site.NotifySMS) == 0 && site.NotifyWebhook == "" {
		log.Warn("no emergency contacts or site alert channels configured; no alert sent")
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
	data := e.data(d, agent, site, test)
	alert := e.alert(d, data, TierDesk, now)
	if err := alert.link(ctx, e.alertSecret, e.alertBase); err != nil {
		// The alert goes without its link rather than not at all.
		log.Error("alert sent without its acknowledgement link", "err", err)
	}
	data.AlertID, data.AckLink = alert.ID, alert.Link
	alert.SiteID = site.ID
	var failed []error
	if err := e.keepAlert(ctx, log, alert, site, test, now); err != nil {
		failed = append(failed, err)
	}
	went, sent, errs := e.send(ctx, e.deliveries(log, to, site, data, alert), n.Delivered, alert.ID)
	done := slices.Concat(n.Delivered, went)
	failed = append(failed, errs...)
	if err := recordNotification(ctx, e.record, e.clock, d.CallID, "email-notification", sent); err != nil {
		// What went is marked delivered and is not sent again: failing
		// would not resend it, and a lost entry is what the log line is for.
		log.Error("alert sent but not in the emergency record", "err", err)
	}
	if err := errors.Join(failed...); err != nil {
		// Give the claim back, keeping what went out, so the retry sends
		// only the rest.
		if _, rerr := e.store.UpdateNotification(ctx, d.CallID, func(n *Notification) error {
			if n.Status != NotificationSending {
				return ErrNoChange
			}
			n.Status, n.Delivered = "", done
			return nil
		}); rerr != nil {
			log.Error("notification claim not released; a retry sends after the claim times out", "err", rerr)
		}
		return fmt.Errorf("notification %s: send: %w", d.CallID, err)
	}
	if _, err := e.store.UpdateNotification(ctx, d.CallID, func(n *Notification) error {
		n.Status, n.SentAt, n.Delivered = NotificationSent, now, done
		return nil
	}); err != nil {
		// The alert went; a retry after the claim timeout could send again,
		// which beats losing it.
		log.Error("notification sent but not recorded", "err", err)
	}
	log.Info("security desk alerted", "alertId", alert.ID, "emails", len(to), "sms", len(site.NotifySMS),
		"webhook", site.NotifyWebhook != "", "test", test)
	return nil
}

// send makes the deliveries not among delivered: the keys of those that
// went, what went (for the record), and what failed.
func (e *EmailNotification) send(ctx context.Context, ds []delivery, delivered []string, alertID string) (done []string, sent []SentMessage, failed []error) {
	for _, m := range ds {
		if slices.Contains(delivered, m.key) {
			continue
		}
		s, err := m.send(ctx)
		if err != nil {
			failed = append(failed, fmt.Errorf("%s: %w", m.key, err))
			continue
		}
		done = append(done, m.key)
		s.Key, s.AlertID, s.At = m.key, alertID, e.now()
		sent = append(sent, s)
	}
	return done, sent, failed
}

// keepAlert stores the desk's alert when it is first sent, so that its link
// shows it and its acknowledgement has something to write, and schedules
// its escalation when the site has a next tier. A redelivery finds it
// stored and schedules again (the scheduler is idempotent). A test call's
// alert can be acknowledged but never escalates.
func (e *EmailNotification) keepAlert(ctx context.Context, log *slog.Logger, a Alert, site Site, test bool, now time.Time) error {
	a.Link = ""
	stored, err := e.store.UpdateAlert(ctx, a.ID, func(x *Alert) error {
		if x.Version != 0 {
			return ErrNoChange
		}
		v := *x
		*x = a
		x.SentAt, x.Version = now, v.Version
		return nil
	})
	if err != nil {
		return fmt.Errorf("alert %s: store: %w", a.ID, err)
	}
	if test || len(site.Escalate) == 0 || stored.Acknowledged() {
		return nil
	}
	if e.escalations == nil {
		log.Error("the site has an escalation tier but no escalation scheduler is configured; the alert will not escalate")
		return nil
	}
	if err := e.escalations.ScheduleEscalation(ctx, a.ID, stored.SentAt.Add(site.EscalationDelay())); err != nil {
		return fmt.Errorf("alert %s: schedule escalation: %w", a.ID, err)
	}
	return nil
}

// data is the email template's data for the call.
func (e *EmailNotification) data(d events.CallbackLeaseDetail, agent Agent, site Site, test bool) NotificationData {
	data := NotificationData{AgentName: agent.Name, AgentEmail: agent.Email, AgentID: agent.ID,
		DialedNumber: d.DialedNumber, Country: d.Country, Location: d.Location,
		CallbackNumber: cmp.Or(d.CallbackNumber, d.CallerID, PlatformDefaultNumber),
		CallerIDSource: callerIDWords[d.CallerIDSource], StartedAt: d.StartedAt, CallID: d.CallID, Test: test}
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
	return data
}

// alert is the call's alert for tier. Its link expires with the callback
// lease (the lease the dial presented, else the configured lease from the
// call's start, for a test call or a call that got none).
func (e *EmailNotification) alert(d events.CallbackLeaseDetail, data NotificationData, tier string, now time.Time) Alert {
	a := Alert{ID: AlertID(d.CallID, tier), CallID: d.CallID, Tier: tier, Test: data.Test, At: d.StartedAt,
		AgentID: d.AgentID, AgentName: data.AgentName, DialedNumber: d.DialedNumber, EmergencyNumber: d.EmergencyNumber,
		CallerID: cmp.Or(d.CallbackNumber, d.CallerID), CallerIDSource: d.CallerIDSource,
		SiteName: data.SiteName, Address: data.Address, Detail: d.Location}
	switch {
	case d.CallbackExpiresAt != nil:
		a.ExpiresAt = *d.CallbackExpiresAt
	case d.LeaseExpiresAt != nil:
		a.ExpiresAt = *d.LeaseExpiresAt
	default:
		a.ExpiresAt = cmp.Or(d.ReceivedAt, now).Add(e.cfg.Lease)
	}
	if a.At.IsZero() {
		a.At = now
	}
	return a
}

// deliveries are the alert's messages: the emails (in as many messages as
// SES's recipient limit asks for: the agent's contacts and the site's
// recipients may each be at it), a text to each SMS number, the webhook.
func (e *EmailNotification) deliveries(log *slog.Logger, to []string, site Site, data NotificationData, a Alert) []delivery {
	var out []delivery
	vars := data.Map()
	i := 0
	for batch := range slices.Chunk(to, maxContacts) {
		out = append(out, delivery{DeliveryKey(a.Tier, ChannelEmail, strconv.Itoa(i)), func(ctx context.Context) (SentMessage, error) {
			msg := Email{To: batch, Template: TemplateName, Data: vars}
			s := SentMessage{Channel: ChannelEmail, Recipients: len(batch)}
			var err error
			if m, ok := e.mailer.(MessageMailer); ok {
				s.MessageID, err = m.SendMessage(ctx, msg)
			} else {
				err = e.mailer.Send(ctx, msg)
			}
			return s, err
		}})
		i++
	}
	if len(site.NotifySMS) > 0 && e.sms == nil {
		log.Error("the site has SMS numbers but no SMS sender is configured; not texted")
	} else {
		text := a.SMSText()
		for _, n := range site.NotifySMS {
			out = append(out, delivery{DeliveryKey(a.Tier, ChannelSMS, n), func(ctx context.Context) (SentMessage, error) {
				id, err := e.sms.SendSMS(ctx, SMS{To: n, Text: text, AlertID: a.ID, AckLink: a.Link})
				return SentMessage{Channel: ChannelSMS, MessageID: id, Recipients: 1}, err
			}})
		}
	}
	if u := site.NotifyWebhook; u != "" && e.webhooks == nil {
		log.Error("the site has a webhook but no webhook poster is configured; not posted")
	} else if u != "" {
		out = append(out, delivery{DeliveryKey(a.Tier, ChannelWebhook, "site"), func(ctx context.Context) (SentMessage, error) {
			// A webhook answers with no message id: the alert id names it.
			return SentMessage{Channel: ChannelWebhook, Recipients: 1}, e.webhooks.PostAlert(ctx, u, a)
		}})
	}
	return out
}

// PlatformDefaultNumber is what the email names when the dial presented no
// caller ID.
const PlatformDefaultNumber = "the platform's default number"
