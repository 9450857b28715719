// Package twiliorest builds twilio-go's REST client for Mayday's Twilio
// adapters: basic auth with the account SID and the current auth token,
// requests bounded in time, and optionally sent to another base URL (a
// local fake of the API).
package twiliorest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/twilio/twilio-go/client"
)

// Timeout bounds each request to Twilio when no HTTP client is given.
const Timeout = 5 * time.Second

// Secret returns the account's auth tokens, the current one first (a
// webhooksecret.Source).
type Secret = func(context.Context) ([][]byte, error)

// HTTPClient is a client bounded by Timeout that, as twilio-go's own
// default, takes a redirect as the answer rather than follow it.
func HTTPClient() *http.Client {
	return &http.Client{Timeout: Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// ParseBase checks a base URL replacing Twilio's hosts ("" is Twilio: nil).
func ParseBase(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("base URL %q: want an absolute URL", raw)
	}
	return u, nil
}

// Client is twilio-go's client for the account with its current token
// (read per call, so a rotated token is used without a restart), sending
// to base when it is set.
func Client(ctx context.Context, accountSID string, token Secret, base *url.URL, hc *http.Client) (client.BaseClient, error) {
	tokens, err := token(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth token: %w", err)
	}
	if len(tokens) == 0 || len(tokens[0]) == 0 {
		return nil, errors.New("auth token: empty")
	}
	c := &client.Client{Credentials: client.NewCredentials(accountSID, string(tokens[0])), HTTPClient: hc}
	c.SetAccountSid(accountSID)
	if base == nil {
		return c, nil
	}
	return rebased{Client: c, base: base}, nil
}

// rebased sends twilio-go's requests to another base URL (a local fake of
// the API) with everything else — path, query, form body, headers, basic
// auth — as twilio-go builds them for Twilio.
type rebased struct {
	*client.Client
	base *url.URL
}

func (r rebased) SendRequest(method, rawURL string, data url.Values, headers map[string]any, body ...byte) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	u.Scheme, u.Host = r.base.Scheme, r.base.Host
	return r.Client.SendRequest(method, u.String(), data, headers, body...)
}
