package awssecret_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/mayday/mayday/shared/awssecret"
)

const arn = "arn:aws:secretsmanager:eu-central-2:111122223333:secret:WebhookSecret-AbCdEf"

// fakeSecretsManager answers GetSecretValue as Secrets Manager's JSON 1.1
// protocol does, and checks what the client sends.
type fakeSecretsManager struct {
	t        *testing.T
	mu       sync.Mutex
	versions map[string]string // staging label -> value
	created  time.Time         // of AWSCURRENT
	calls    []string          // staging labels asked for
}

func (f *fakeSecretsManager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" ||
		r.Header.Get("Content-Type") != "application/x-amz-json-1.1" || r.Header.Get("Authorization") == "" {
		f.t.Errorf("unexpected request %s %s %v", r.Method, r.URL, r.Header)
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	var in struct{ SecretId, VersionStage string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.SecretId != arn {
		f.t.Errorf("body %+v, %v", in, err)
	}
	stage := in.VersionStage
	if stage == "" {
		stage = "AWSCURRENT"
	}
	f.calls = append(f.calls, stage)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	v, ok := f.versions[stage]
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret value for staging label: ` + stage + `"}`))
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"ARN": arn, "Name": "WebhookSecret", "VersionId": stage + "-id",
		"SecretString": v, "VersionStages": []string{stage}, "CreatedDate": float64(f.created.Unix())})
}

func client(t *testing.T, f *fakeSecretsManager) *secretsmanager.Client {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return secretsmanager.New(secretsmanager.Options{
		Region:       "eu-central-2",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	})
}

// TestFetch reads the current version, and the previous one only while
// the rotation window is open; a secret never rotated has no previous.
func TestFetch(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		versions  map[string]string
		rotated   time.Duration // before now
		overlap   time.Duration
		wantPrev  string
		wantCalls []string
	}{
		{"rotated inside the window", map[string]string{"AWSCURRENT": "new", "AWSPREVIOUS": "old"}, time.Hour, 24 * time.Hour,
			"old", []string{"AWSCURRENT", "AWSPREVIOUS"}},
		{"rotated before the window", map[string]string{"AWSCURRENT": "new", "AWSPREVIOUS": "old"}, 25 * time.Hour, 24 * time.Hour,
			"", []string{"AWSCURRENT"}},
		{"no overlap configured", map[string]string{"AWSCURRENT": "new", "AWSPREVIOUS": "old"}, time.Minute, 0,
			"", []string{"AWSCURRENT"}},
		{"never rotated", map[string]string{"AWSCURRENT": "new"}, time.Minute, 24 * time.Hour,
			"", []string{"AWSCURRENT", "AWSPREVIOUS"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeSecretsManager{t: t, versions: tc.versions, created: now.Add(-tc.rotated)}
			v, err := awssecret.Fetch(client(t, f), arn, tc.overlap, func() time.Time { return now })(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if string(v.Current) != "new" || string(v.Previous) != tc.wantPrev || !v.Since.Equal(now.Add(-tc.rotated)) {
				t.Errorf("versions %q since %v, previous %q; want new, %q", v.Current, v.Since, v.Previous, tc.wantPrev)
			}
			if !reflect.DeepEqual(f.calls, tc.wantCalls) {
				t.Errorf("asked for %v, want %v", f.calls, tc.wantCalls)
			}
		})
	}
}

// TestSourceCaches: the webhook source reads the secret once, then serves
// it from memory.
func TestSourceCaches(t *testing.T) {
	f := &fakeSecretsManager{t: t, versions: map[string]string{"AWSCURRENT": "new", "AWSPREVIOUS": "old"}, created: time.Now().Add(-time.Hour)}
	src := awssecret.Source(client(t, f), arn, 24*time.Hour)
	for range 3 {
		got, err := src(context.Background())
		if err != nil || len(got) != 2 || string(got[0]) != "new" || string(got[1]) != "old" {
			t.Fatalf("%q, %v", got, err)
		}
	}
	if len(f.calls) != 2 {
		t.Errorf("%d reads, want 2 (current and previous once)", len(f.calls))
	}
	missing := &fakeSecretsManager{t: t, versions: map[string]string{}}
	if _, err := awssecret.Source(client(t, missing), arn, time.Hour)(context.Background()); err == nil {
		t.Error("a secret that cannot be read must be an error")
	}
}
