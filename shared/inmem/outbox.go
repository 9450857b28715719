package inmem

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/mayday/mayday/shared/alertwebhook"
	"github.com/mayday/mayday/shared/emailtemplate"
	"github.com/mayday/mayday/shared/emailtemplate/render"
	"github.com/mayday/mayday/shared/mayday"
)

// SentEmail is an email the Outbox kept, rendered as SES would render it.
type SentEmail struct {
	Channel string   `json:"channel"` // always mayday.ChannelEmail
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	Text    string   `json:"text"`
	HTML    string   `json:"html"`
	// AlertID and AckLink: the alert the email is a channel of.
	AlertID string    `json:"alertId,omitempty"`
	AckLink string    `json:"ackLink,omitempty"`
	SentAt  time.Time `json:"sentAt"`
	// MessageID is the id the outbox gave it, as SES gives its MessageId.
	MessageID string `json:"messageId"`
}

// SentAlert is a text message or a webhook post the Outbox kept in place
// of sending it.
type SentAlert struct {
	Channel string `json:"channel"` // mayday.ChannelSMS or mayday.ChannelWebhook
	To      string `json:"to"`      // the number, or the URL
	Text    string `json:"text"`
	AlertID string `json:"alertId"`
	AckLink string `json:"ackLink,omitempty"`
	// Segments is how many SMS segments the text takes (SMS only).
	Segments  int    `json:"segments,omitempty"`
	MessageID string `json:"messageId,omitempty"`
	// Body is the JSON the webhook would receive (webhook only).
	Body   json.RawMessage `json:"body,omitempty"`
	SentAt time.Time       `json:"sentAt"`
}

// Outbox is a mailer that renders stored templates and keeps the newest
// KeepEmails emails, and an SMS sender and alert poster that keep the texts
// and webhook posts instead of sending them, for GET /local/outbox and for
// tests.
type Outbox struct {
	mu        sync.Mutex
	templates map[string]emailtemplate.Template
	sent      []SentEmail
	alerts    []SentAlert
	seq       int
	clock     mayday.Clock
	count     int
}

var (
	_ mayday.Mailer        = (*Outbox)(nil)
	_ mayday.MessageMailer = (*Outbox)(nil)
	_ mayday.SMSSender     = (*Outbox)(nil)
	_ mayday.AlertPoster   = (*Outbox)(nil)
)

// KeepEmails bounds the emails an Outbox keeps (the newest), and the
// other alerts apart.
const KeepEmails = 500

// NewOutbox returns an outbox holding the default template.
func NewOutbox(clock mayday.Clock) *Outbox {
	t := emailtemplate.Default()
	return &Outbox{templates: map[string]emailtemplate.Template{t.Name: t}, clock: clock}
}

// PutTemplate creates or replaces a template, as SES's template API does.
func (o *Outbox) PutTemplate(t emailtemplate.Template) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.templates[t.Name] = t
}

// Template returns a stored template, as SES's GetEmailTemplate does.
func (o *Outbox) Template(name string) (emailtemplate.Template, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	t, ok := o.templates[name]
	if !ok {
		return emailtemplate.Template{}, fmt.Errorf("%w: email template %s", mayday.ErrNotFound, name)
	}
	return t, nil
}

func (o *Outbox) Send(ctx context.Context, e mayday.Email) error {
	_, err := o.SendMessage(ctx, e)
	return err
}

// SendMessage sends as Send does and returns the message's id.
func (o *Outbox) SendMessage(ctx context.Context, e mayday.Email) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := mayday.ValidateRecipients(e.To); err != nil {
		return "", fmt.Errorf("outbox: %w", err)
	}
	o.mu.Lock()
	t, ok := o.templates[e.Template]
	o.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("%w: email template %s", mayday.ErrNotFound, e.Template)
	}
	r, err := render.Render(t, emailtemplate.TemplateData(e.Data))
	if err != nil {
		return "", err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.count++
	id := fmt.Sprintf("local-%06d", o.count)
	o.sent = keep(append(o.sent, SentEmail{Channel: mayday.ChannelEmail, To: slices.Clone(e.To), Subject: r.Subject, Text: r.Text, HTML: r.HTML,
		AlertID: e.Data["alertId"], AckLink: e.Data["ackLink"], SentAt: o.clock.Now(), MessageID: id}))
	return id, nil
}

func keep[T any](xs []T) []T {
	if over := len(xs) - KeepEmails; over > 0 {
		return slices.Delete(xs, 0, over)
	}
	return xs
}

// SendSMS keeps the text message, as AWS End User Messaging SMS would
// send it, with a message id of its own.
func (o *Outbox) SendSMS(ctx context.Context, m mayday.SMS) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if n, err := mayday.ParseE164(m.To); err != nil || n != m.To {
		return "", fmt.Errorf("outbox: sms to %q: not E.164", m.To)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seq++
	id := fmt.Sprintf("local-sms-%d", o.seq)
	o.alerts = keep(append(o.alerts, SentAlert{Channel: mayday.ChannelSMS, To: m.To, Text: m.Text, AlertID: m.AlertID, AckLink: m.AckLink,
		Segments: mayday.SMSSegments(m.Text), MessageID: id, SentAt: o.clock.Now()}))
	return id, nil
}

// PostAlert keeps the webhook post, with the body the receiver would get.
func (o *Outbox) PostAlert(ctx context.Context, url string, a mayday.Alert) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	body, err := alertwebhook.Body(a)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.alerts = keep(append(o.alerts, SentAlert{Channel: mayday.ChannelWebhook, To: url, Text: a.Text(), AlertID: a.ID,
		AckLink: a.Link, Body: body, SentAt: o.clock.Now()}))
	return nil
}

// Alerts lists the text messages and webhook posts kept, newest first.
func (o *Outbox) Alerts() []SentAlert {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := slices.Clone(o.alerts)
	slices.Reverse(out)
	return out
}

// Emails lists what was sent, newest first.
func (o *Outbox) Emails() []SentEmail {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := append([]SentEmail{}, o.sent...)
	slices.Reverse(out)
	return out
}
