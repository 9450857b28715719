// Package sesmailer sends Mayday's templated emails through Amazon SES v2
// (SendEmail with the stored template and TemplateData) and manages the stored
// templates operators edit.
package sesmailer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/mayday/mayday/shared/emailtemplate"
	"github.com/mayday/mayday/shared/mayday"
)

// Mailer is a mayday.Mailer over SES v2.
type Mailer struct {
	client           *sesv2.Client
	from             string
	configurationSet string
}

var (
	_ mayday.Mailer        = (*Mailer)(nil)
	_ mayday.MessageMailer = (*Mailer)(nil)
)

// New returns a mailer sending from the given (verified) address, through the
// configuration set when it is not empty.
func New(client *sesv2.Client, from string, configurationSet string) *Mailer {
	return &Mailer{client: client, from: from, configurationSet: configurationSet}
}

// Send sends the stored template e.Template filled with e.Data to e.To.
// Recipients are validated first: an address with a line break or any other
// malformed address is refused (mayday.ErrInvalid) and nothing is sent. The
// data carries HTML-escaped twins of every variable (emailtemplate.TemplateData)
// because SES does not escape variables in the HTML part.
func (m *Mailer) Send(ctx context.Context, e mayday.Email) error {
	_, err := m.SendMessage(ctx, e)
	return err
}

// SendMessage sends as Send does and returns SES's MessageId.
func (m *Mailer) SendMessage(ctx context.Context, e mayday.Email) (string, error) {
	if err := mayday.ValidateRecipients(e.To); err != nil {
		return "", fmt.Errorf("ses send %s: %w", e.Template, err)
	}
	data, err := json.Marshal(emailtemplate.TemplateData(e.Data))
	if err != nil {
		return "", fmt.Errorf("ses send %s: template data: %w", e.Template, err)
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(m.from),
		Destination:      &types.Destination{ToAddresses: append([]string(nil), e.To...)},
		Content: &types.EmailContent{Template: &types.Template{
			TemplateName: aws.String(e.Template), TemplateData: aws.String(string(data)),
		}},
	}
	if m.configurationSet != "" {
		in.ConfigurationSetName = aws.String(m.configurationSet)
	}
	out, err := m.client.SendEmail(ctx, in)
	if err != nil {
		if isNotFound(err) {
			return "", fmt.Errorf("%w: ses send: email template %s: %w", mayday.ErrNotFound, e.Template, err)
		}
		return "", fmt.Errorf("ses send %s to %d recipient(s): %w", e.Template, len(e.To), err)
	}
	return aws.ToString(out.MessageId), nil
}

// PutTemplate stores t in SES: it updates the template of that name, or
// creates it when there is none.
func (m *Mailer) PutTemplate(ctx context.Context, t emailtemplate.Template) error {
	content := &types.EmailTemplateContent{
		Subject: aws.String(t.Subject), Html: aws.String(t.HTML), Text: aws.String(t.Text),
	}
	_, err := m.client.UpdateEmailTemplate(ctx, &sesv2.UpdateEmailTemplateInput{
		TemplateName: aws.String(t.Name), TemplateContent: content,
	})
	if err == nil {
		return nil
	}
	if !isNotFound(err) {
		return fmt.Errorf("ses update template %s: %w", t.Name, err)
	}
	_, err = m.client.CreateEmailTemplate(ctx, &sesv2.CreateEmailTemplateInput{
		TemplateName: aws.String(t.Name), TemplateContent: content,
	})
	var exists *types.AlreadyExistsException
	if errors.As(err, &exists) {
		// Created concurrently since our update: update it now.
		_, err = m.client.UpdateEmailTemplate(ctx, &sesv2.UpdateEmailTemplateInput{
			TemplateName: aws.String(t.Name), TemplateContent: content,
		})
	}
	if err != nil {
		return fmt.Errorf("ses create template %s: %w", t.Name, err)
	}
	return nil
}

// GetTemplate reads a stored template; mayday.ErrNotFound when there is none.
func (m *Mailer) GetTemplate(ctx context.Context, name string) (emailtemplate.Template, error) {
	out, err := m.client.GetEmailTemplate(ctx, &sesv2.GetEmailTemplateInput{TemplateName: aws.String(name)})
	if err != nil {
		if isNotFound(err) {
			return emailtemplate.Template{}, fmt.Errorf("%w: email template %s: %w", mayday.ErrNotFound, name, err)
		}
		return emailtemplate.Template{}, fmt.Errorf("ses get template %s: %w", name, err)
	}
	t := emailtemplate.Template{Name: name}
	if out.TemplateName != nil {
		t.Name = *out.TemplateName
	}
	if c := out.TemplateContent; c != nil {
		t.Subject = aws.ToString(c.Subject)
		t.HTML = aws.ToString(c.Html)
		t.Text = aws.ToString(c.Text)
	}
	return t, nil
}

// isNotFound recognises SES's NotFoundException, and an HTTP 404 with no
// error type (aws-ses-v2-local sends no x-amzn-ErrorType header, so the SDK
// reports UnknownError there).
func isNotFound(err error) bool {
	var nf *types.NotFoundException
	if errors.As(err, &nf) {
		return true
	}
	var re *smithyhttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == 404
}
