package webhooksecret_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mayday/mayday/shared/webhooksecret"
)

// fakeExtension answers as the Parameters and Secrets extension does.
func fakeExtension(t *testing.T, status *int, calls *int) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*calls++
		if r.URL.Path != "/secretsmanager/get" || r.URL.Query().Get("secretId") != "arn:aws:secretsmanager:us-east-1:1:secret:w" ||
			r.Header.Get("X-Aws-Parameters-Secrets-Token") != "session-token" {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		if *status != http.StatusOK {
			http.Error(w, "not ready to serve traffic, please wait", *status)
			return
		}
		_, _ = w.Write([]byte(`{"ARN":"arn:aws:secretsmanager:us-east-1:1:secret:w","SecretString":"s3cret"}`))
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	t.Setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", port)
	t.Setenv("AWS_SESSION_TOKEN", "session-token")
}

func TestFromExtension(t *testing.T) {
	status, calls := http.StatusBadRequest, 0
	fakeExtension(t, &status, &calls)
	get := webhooksecret.Provider("arn:aws:secretsmanager:us-east-1:1:secret:w", "")
	ctx := context.Background()
	if _, err := get(ctx); err == nil {
		t.Fatal("an extension not ready yet must be an error (the request answers 503 and is retried)")
	}
	status = http.StatusOK
	for range 3 {
		s, err := get(ctx)
		if err != nil || string(s) != "s3cret" {
			t.Fatalf("secret = %q, %v", s, err)
		}
	}
	if calls != 2 {
		t.Fatalf("%d extension calls, want 2 (one failed, then cached)", calls)
	}
}

func TestPlainSecretWithoutARN(t *testing.T) {
	s, err := webhooksecret.Provider("", "local")(context.Background())
	if err != nil || string(s) != "local" {
		t.Fatalf("secret = %q, %v", s, err)
	}
}
