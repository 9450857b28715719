// Package alertwebhook posts security-desk alerts to a site's webhook URL:
// JSON whose "text" Slack and Teams incoming webhooks display, the alert's
// fields beside it, signed with the alert webhook secret in the
// X-Mayday-Signature header (package webhooksecret's scheme), so a
// receiver can tell a Mayday alert from anyone's post.
package alertwebhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/webhooksecret"
)

// Payload is the JSON posted: the wire contract receivers parse.
type Payload struct {
	// Text is the alert in words, one fact a line.
	Text           string    `json:"text"`
	AlertID        string    `json:"alertId"`
	CallID         string    `json:"callId"`
	Tier           string    `json:"tier"`
	Test           bool      `json:"test"`
	At             time.Time `json:"at"`
	AgentID        string    `json:"agentId"`
	AgentName      string    `json:"agentName,omitempty"`
	DialedNumber   string    `json:"dialedNumber"`
	CallerID       string    `json:"callerId,omitempty"`
	CallerIDSource string    `json:"callerIdSource,omitempty"`
	Location       Location  `json:"location"`
	AckLink        string    `json:"ackLink,omitempty"`
	ExpiresAt      time.Time `json:"expiresAt"`
}

// Location is where the call said it was.
type Location struct {
	Site    string `json:"site,omitempty"`
	Address string `json:"address,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

// Body is the JSON posted for a.
func Body(a mayday.Alert) ([]byte, error) {
	return json.Marshal(Payload{Text: a.Text(), AlertID: a.ID, CallID: a.CallID, Tier: a.Tier, Test: a.Test, At: a.At.UTC(),
		AgentID: a.AgentID, AgentName: a.AgentName, DialedNumber: a.DialedNumber, CallerID: a.CallerID,
		CallerIDSource: a.CallerIDSource, Location: Location{Site: a.SiteName, Address: a.Address, Detail: a.Detail},
		AckLink: a.Link, ExpiresAt: a.ExpiresAt.UTC()})
}

// Timeout bounds one post: a slow receiver must not hold the other
// channels' retry.
const Timeout = 5 * time.Second

// Poster posts alerts, signed with the current secret.
type Poster struct {
	Secret webhooksecret.Source
	Client *http.Client     // default: one with Timeout
	Now    func() time.Time // default time.Now
}

var _ mayday.AlertPoster = (*Poster)(nil)

// ErrRejected: the receiver answered other than 2xx.
var ErrRejected = errors.New("webhook receiver rejected the alert")

// PostAlert posts a to url. A non-2xx answer is an error (the event's
// retry posts again).
func (p *Poster) PostAlert(ctx context.Context, url string, a mayday.Alert) error {
	body, err := Body(a)
	if err != nil {
		return fmt.Errorf("alert webhook: %w", err)
	}
	if p.Secret == nil {
		return errors.New("alert webhook: no secret configured")
	}
	keys, err := p.Secret(ctx)
	if err != nil {
		return fmt.Errorf("alert webhook: %w", err)
	}
	if len(keys) == 0 || len(keys[0]) == 0 {
		return errors.New("alert webhook: secret empty")
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("alert webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhooksecret.SignatureHeader, webhooksecret.Sign(keys[0], now(), body))
	req.Header.Set("X-Mayday-Alert-Id", a.ID)
	client := p.Client
	if client == nil {
		// A redirect is not followed: it could lead the alert off https.
		client = &http.Client{Timeout: Timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("alert webhook: post: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%w: HTTP %d", ErrRejected, resp.StatusCode)
	}
	return nil
}
