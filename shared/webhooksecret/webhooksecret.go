// Package webhooksecret provides the webhook HMAC secret to the two webhook
// functions. In AWS it is read from Secrets Manager through the AWS
// Parameters and Secrets Lambda Extension (a layer the stack adds): a plain
// HTTP call to the extension on localhost, so the functions link no Secrets
// Manager client, and a rotated secret is picked up within the caches' TTLs
// without a cold start.
package webhooksecret

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"
)

// cacheFor is how long a secret read is reused in-process.
const cacheFor = time.Minute

// Provider returns the secret source: the extension when secretARN is set
// (MAYDAY_WEBHOOK_SECRET_ARN), else the plain secret (MAYDAY_WEBHOOK_SECRET,
// local stand-ins).
func Provider(secretARN, secret string) func(context.Context) ([]byte, error) {
	if secretARN == "" {
		plain := []byte(secret)
		return func(context.Context) ([]byte, error) { return plain, nil }
	}
	return FromExtension(secretARN, http.DefaultClient)
}

// FromExtension reads the secret through the extension's local endpoint
// (PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, default 2773), authenticated with
// the function's session token. It is called on requests, never at init:
// the extension serves only once the init phase is over.
func FromExtension(secretARN string, client *http.Client) func(context.Context) ([]byte, error) {
	var (
		mu     sync.Mutex
		cached []byte
		until  time.Time
	)
	return func(ctx context.Context) ([]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		if cached != nil && time.Now().Before(until) {
			return cached, nil
		}
		port := os.Getenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT")
		if port == "" {
			port = "2773"
		}
		u := "http://localhost:" + port + "/secretsmanager/get?secretId=" + url.QueryEscape(secretARN)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, fmt.Errorf("webhook secret: %w", err)
		}
		req.Header.Set("X-Aws-Parameters-Secrets-Token", os.Getenv("AWS_SESSION_TOKEN"))
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("webhook secret: extension: %w", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("webhook secret: extension answered %s", resp.Status)
		}
		var out struct{ SecretString string }
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			return nil, fmt.Errorf("webhook secret: extension: %w", err)
		}
		if out.SecretString == "" {
			return nil, errors.New("webhook secret: empty")
		}
		cached, until = []byte(out.SecretString), time.Now().Add(cacheFor)
		return cached, nil
	}
}
