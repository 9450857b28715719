package inmem

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/mayday/mayday/shared/emailtemplate"
	"github.com/mayday/mayday/shared/emailtemplate/render"
	"github.com/mayday/mayday/shared/mayday"
)

// SentEmail is an email the Outbox kept, rendered as SES would render it.
type SentEmail struct {
	To      []string  `json:"to"`
	Subject string    `json:"subject"`
	Text    string    `json:"text"`
	HTML    string    `json:"html"`
	SentAt  time.Time `json:"sentAt"`
	// MessageID is the id the outbox gave it, as SES gives its MessageId.
	MessageID string `json:"messageId"`
}

// Outbox is a mailer that renders stored templates and keeps the newest
// KeepEmails emails, for GET /local/outbox and for tests.
type Outbox struct {
	mu        sync.Mutex
	templates map[string]emailtemplate.Template
	sent      []SentEmail
	clock     mayday.Clock
	count     int
}

var (
	_ mayday.Mailer        = (*Outbox)(nil)
	_ mayday.MessageMailer = (*Outbox)(nil)
)

// KeepEmails bounds the emails an Outbox keeps (the newest).
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
	o.sent = append(o.sent, SentEmail{To: slices.Clone(e.To), Subject: r.Subject, Text: r.Text, HTML: r.HTML, SentAt: o.clock.Now(), MessageID: id})
	if over := len(o.sent) - KeepEmails; over > 0 {
		o.sent = slices.Delete(o.sent, 0, over)
	}
	return id, nil
}

// Emails lists what was sent, newest first.
func (o *Outbox) Emails() []SentEmail {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := append([]SentEmail{}, o.sent...)
	slices.Reverse(out)
	return out
}
