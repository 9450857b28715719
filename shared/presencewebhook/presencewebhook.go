// Package presencewebhook is the generic presence platform: for a
// contact-center platform Mayday has no adapter for, it POSTs a signed JSON
// notice to the operator's URL each time the agent's presence must move,
// and the receiver applies it in its platform.
//
// The notice (docs/DEPLOY.md, "Presence push"):
//
//	POST <MAYDAY_PRESENCE_WEBHOOK_URL>
//	Content-Type: application/json
//	X-Mayday-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
//
//	{"agentId":"a-1","presence":"do-not-disturb","at":"2026-11-22T21:00:00Z"}
//	{"agentId":"a-1","presence":"restore","previous":"available","at":"..."}
//
// It is signed like Mayday's own webhooks but with a secret of its own
// (MAYDAY_PRESENCE_SECRET_ARN): the receiver holds it, and must not hold
// the key that signs dials and callbacks. A 2xx
// answer is done; to a do-not-disturb notice the receiver may answer
// {"previous":"<the status the agent had>"}, and Mayday hands that value
// back in the restore notice (else "previous" is absent and the receiver
// restores what it remembers). 404 means the receiver does not know the
// agent; any other answer, or none within the timeout, is an error and the
// notice is sent again (retries, then the dead-letter queue). A notice may
// arrive more than once: applying it twice must change nothing.
package presencewebhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/webhooksecret"
)

// What a notice asks for.
const (
	PresenceDoNotDisturb = "do-not-disturb"
	PresenceRestore      = "restore"
)

// Notice is the JSON body Mayday POSTs.
type Notice struct {
	AgentID  string    `json:"agentId"`
	Presence string    `json:"presence"`
	Previous string    `json:"previous,omitempty"`
	At       time.Time `json:"at"`
}

// Reply is what a receiver may answer a do-not-disturb notice with.
type Reply struct {
	Previous string `json:"previous"`
}

// Timeout bounds one notice, answer included.
const Timeout = 5 * time.Second

// maxReply bounds the answer read.
const maxReply = 4 << 10

// Secret returns the signing keys, the current one first.
type Secret func(context.Context) ([][]byte, error)

// Platform posts the notices.
type Platform struct {
	url    string
	secret Secret
	client *http.Client
	now    func() time.Time
}

var _ mayday.PresencePlatform = (*Platform)(nil)

// New checks the URL (absolute http or https) and returns the platform.
// A nil client is one bounded by Timeout that follows no redirect; now nil
// is the wall clock.
func New(rawURL string, secret Secret, client *http.Client, now func() time.Time) (*Platform, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("%w: presence webhook URL %q: want an absolute https URL", mayday.ErrInvalid, rawURL)
	}
	if secret == nil {
		return nil, fmt.Errorf("%w: presence webhook: signing secret", mayday.ErrMissingDependency)
	}
	if client == nil {
		client = &http.Client{Timeout: Timeout,
			// A redirect is an answer (an error), not followed: a POST
			// redirected would be re-sent as a GET.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if now == nil {
		now = time.Now
	}
	return &Platform{url: u.String(), secret: secret, client: client, now: now}, nil
}

// DoNotDisturb posts a do-not-disturb notice; previous is what the receiver
// answered, if anything.
func (p *Platform) DoNotDisturb(ctx context.Context, agentID string) (string, error) {
	body, err := p.post(ctx, Notice{AgentID: agentID, Presence: PresenceDoNotDisturb})
	if err != nil {
		return "", err
	}
	var r Reply
	if len(bytes.TrimSpace(body)) == 0 || json.Unmarshal(body, &r) != nil {
		return "", nil // an answer with no status: the receiver remembers it
	}
	return r.Previous, nil
}

// Restore posts a restore notice naming previous ("" : absent).
func (p *Platform) Restore(ctx context.Context, agentID, previous string) error {
	_, err := p.post(ctx, Notice{AgentID: agentID, Presence: PresenceRestore, Previous: previous})
	return err
}

func (p *Platform) post(ctx context.Context, n Notice) ([]byte, error) {
	keys, err := p.secret(ctx)
	if err != nil {
		return nil, fmt.Errorf("presence webhook: secret: %w", err)
	}
	if len(keys) == 0 || len(keys[0]) == 0 {
		return nil, errors.New("presence webhook: secret: empty")
	}
	now := p.now().UTC()
	n.At = now.Truncate(time.Second)
	body, err := json.Marshal(n)
	if err != nil {
		return nil, fmt.Errorf("presence webhook: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("presence webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhooksecret.SignatureHeader, webhooksecret.Sign(keys[0], now, body))
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("presence webhook: %s notice: %w", n.Presence, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("%w: presence webhook: the receiver does not know agent %s", mayday.ErrNotFound, n.AgentID)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, fmt.Errorf("presence webhook: %s notice: answered %s", n.Presence, resp.Status)
	case err != nil:
		return nil, fmt.Errorf("presence webhook: %s notice: reading the answer: %w", n.Presence, err)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		return nil, nil
	}
	return answer, nil
}
