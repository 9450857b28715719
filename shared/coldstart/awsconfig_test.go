package coldstart_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/coldstart"
)

// lambdaEnv is what the Lambda runtime (provided.al2023) sets for AWS.
var lambdaEnv = map[string]string{
	"AWS_REGION": "eu-central-2", "AWS_DEFAULT_REGION": "eu-central-2",
	"AWS_ACCESS_KEY_ID": "ASIAROLE", "AWS_SECRET_ACCESS_KEY": "role-secret", "AWS_SESSION_TOKEN": "role-token",
}

func with(base map[string]string, kv ...string) map[string]string {
	m := map[string]string{}
	for k, v := range base {
		m[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(m, kv[i])
			continue
		}
		m[kv[i]] = kv[i+1]
	}
	return m
}

// A function's AWS configuration comes from what the runtime sets, and a
// function without credentials or region does not start.
func TestAWS(t *testing.T) {
	for _, tc := range []struct {
		name          string
		env           map[string]string
		region        string
		key, token    string
		baseEndpoint  string
		wantErr       error // nil: starts
		wantErrString string
	}{
		{name: "Lambda runtime", env: lambdaEnv, region: "eu-central-2", key: "ASIAROLE", token: "role-token"},
		{name: "AWS_DEFAULT_REGION alone", env: with(lambdaEnv, "AWS_REGION", ""), region: "eu-central-2", key: "ASIAROLE", token: "role-token"},
		{name: "the older key names", env: with(lambdaEnv, "AWS_ACCESS_KEY_ID", "", "AWS_SECRET_ACCESS_KEY", "",
			"AWS_ACCESS_KEY", "AKOLD", "AWS_SECRET_KEY", "old"), region: "eu-central-2", key: "AKOLD", token: "role-token"},
		{name: "global endpoint", env: with(lambdaEnv, "AWS_ENDPOINT_URL", "http://127.0.0.1:4566"), region: "eu-central-2",
			key: "ASIAROLE", token: "role-token", baseEndpoint: "http://127.0.0.1:4566"},
		{name: "configured endpoints ignored", env: with(lambdaEnv, "AWS_ENDPOINT_URL", "http://127.0.0.1:4566",
			"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"), region: "eu-central-2", key: "ASIAROLE", token: "role-token"},
		{name: "local stand-in, nothing configured", env: map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000"},
			region: "us-east-1", key: "local"},
		{name: "no credentials", env: with(lambdaEnv, "AWS_ACCESS_KEY_ID", ""), wantErr: coldstart.ErrNoCredentials},
		{name: "no region", env: with(lambdaEnv, "AWS_REGION", "", "AWS_DEFAULT_REGION", ""), wantErrString: "AWS_REGION"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := coldstart.AWS(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			switch {
			case tc.wantErr != nil || tc.wantErrString != "":
				if err == nil || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) ||
					(tc.wantErrString != "" && !strings.Contains(err.Error(), tc.wantErrString)) {
					t.Fatalf("err = %v, want %v%s", err, tc.wantErr, tc.wantErrString)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			creds, err := cfg.Credentials.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			base := ""
			if cfg.BaseEndpoint != nil {
				base = *cfg.BaseEndpoint
			}
			if cfg.Region != tc.region || creds.AccessKeyID != tc.key || creds.SessionToken != tc.token || base != tc.baseEndpoint {
				t.Fatalf("region %q key %q token %q endpoint %q; want %q %q %q %q", cfg.Region, creds.AccessKeyID, creds.SessionToken, base,
					tc.region, tc.key, tc.token, tc.baseEndpoint)
			}
			if got := cfg.Retryer().MaxAttempts(); got != 4 {
				t.Fatalf("retryer: %d attempts, want 4", got)
			}
		})
	}
}

// Where the runtime serves the role's credentials over HTTP instead (the
// container credential provider's wire contract: GET with the authorization
// token, JSON with an expiration), they are fetched with the token and
// fetched again once they expire.
func TestAWSContainerCredentials(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("file-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, wantAuth string
		env            map[string]string
	}{
		{"token", "env-token", map[string]string{"AWS_CONTAINER_AUTHORIZATION_TOKEN": "env-token"}},
		{"token file", "file-token", map[string]string{"AWS_CONTAINER_AUTHORIZATION_TOKEN": "env-token",
			"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var served atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodGet || r.Header.Get("Authorization") != tc.wantAuth {
					t.Errorf("%s with Authorization %q, want GET with %q", r.Method, r.Header.Get("Authorization"), tc.wantAuth)
					w.WriteHeader(http.StatusForbidden)
					return
				}
				n := served.Add(1)
				_ = json.NewEncoder(w).Encode(map[string]string{"AccessKeyId": "ASIA" + string(rune('0'+n)),
					"SecretAccessKey": "s", "Token": "t", "Expiration": time.Now().Add(300 * time.Millisecond).UTC().Format(time.RFC3339Nano)})
			}))
			t.Cleanup(srv.Close)
			env := with(lambdaEnv, "AWS_ACCESS_KEY_ID", "", "AWS_SECRET_ACCESS_KEY", "", "AWS_SESSION_TOKEN", "",
				"AWS_CONTAINER_CREDENTIALS_FULL_URI", srv.URL+"/2021-04-23/credentials")
			for k, v := range tc.env {
				env[k] = v
			}
			cfg, err := coldstart.AWS(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for range 3 {
				c, err := cfg.Credentials.Retrieve(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				keys = append(keys, c.AccessKeyID)
				if len(keys) == 2 {
					time.Sleep(400 * time.Millisecond) // past the expiration
				}
			}
			if keys[0] != "ASIA1" || keys[1] != "ASIA1" || keys[2] != "ASIA2" {
				t.Fatalf("keys %v: want the first cached, then refreshed after it expired", keys)
			}
		})
	}
}
