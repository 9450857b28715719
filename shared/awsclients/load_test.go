package awsclients_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/location"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/mayday/mayday/shared/awsclients"
	"github.com/mayday/mayday/shared/coldstart"
)

// resolved is what a configuration makes of a client: where it sends, how
// often it tries, with which credentials it signs.
type resolved struct {
	Region, Key, Secret, Token string
	Endpoints                  map[string]string // client: base endpoint ("" for AWS's)
	Attempts                   int
	Signed                     string // a DynamoDB request's credential scope and token, when the fake got one
}

// The functions' configuration (coldstart.AWS) resolves exactly as the SDK's
// default chain (awsclients.Load) does in every environment a function runs
// in: Lambda's, the Runtime Interface Emulator's with the local stand-ins,
// and the local runner's.
func TestLambdaConfigResolvesAsTheDefaultChain(t *testing.T) {
	var signed string
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet: // container credentials
			_ = json.NewEncoder(w).Encode(map[string]string{"AccessKeyId": "ASIACONTAINER", "SecretAccessKey": "cs", "Token": "ct",
				"Expiration": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
		default: // DynamoDB ListTables
			scope := regexp.MustCompile(`Credential=[^/]+/\d+/([^,]+)`).FindStringSubmatch(r.Header.Get("Authorization"))
			if len(scope) == 2 {
				signed = scope[1] + " " + r.Header.Get("X-Amz-Security-Token")
			}
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			fmt.Fprint(w, `{"TableNames":[]}`)
		}
	}))
	t.Cleanup(fake.Close)
	lambda := []string{"AWS_REGION=eu-central-2", "AWS_DEFAULT_REGION=eu-central-2", "AWS_ACCESS_KEY_ID=ASIAROLE",
		"AWS_SECRET_ACCESS_KEY=role-secret", "AWS_SESSION_TOKEN=role-token"}
	rie := append(append([]string(nil), lambda...), "AWS_ENDPOINT_URL_DYNAMODB="+fake.URL, "AWS_ENDPOINT_URL_SESV2=http://127.0.0.1:8005",
		"AWS_ENDPOINT_URL_EVENTBRIDGE=http://127.0.0.1:9001", "AWS_ENDPOINT_URL_SECRETS_MANAGER=http://127.0.0.1:9002",
		"AWS_ENDPOINT_URL_LOCATION=http://127.0.0.1:9003")
	for _, tc := range []struct {
		name string
		env  []string
	}{
		{"Lambda", lambda},
		{"Runtime Interface Emulator with the local stand-ins", rie},
		{"local runner, nothing configured", []string{"AWS_ENDPOINT_URL_DYNAMODB=" + fake.URL, "AWS_ENDPOINT_URL_SESV2=http://127.0.0.1:8005"}},
		{"one endpoint for all, one of its own", append(append([]string(nil), lambda...), "AWS_ENDPOINT_URL=http://127.0.0.1:4566",
			"AWS_ENDPOINT_URL_DYNAMODB="+fake.URL)},
		{"configured endpoints ignored", append(append([]string(nil), lambda...), "AWS_ENDPOINT_URL=http://127.0.0.1:4566",
			"AWS_ENDPOINT_URL_CONNECT=http://127.0.0.1:9004", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true")},
		{"container credentials", []string{"AWS_REGION=us-west-2",
			"AWS_CONTAINER_CREDENTIALS_FULL_URI=" + fake.URL + "/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN=tok"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			isolate(t)
			for _, kv := range tc.env {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
			resolve := func(cfg aws.Config) resolved {
				signed = ""
				creds, err := cfg.Credentials.Retrieve(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				r := resolved{Region: cfg.Region, Key: creds.AccessKeyID, Secret: creds.SecretAccessKey, Token: creds.SessionToken,
					Endpoints: map[string]string{}}
				ddb := coldstart.DynamoDB(cfg)
				for name, base := range map[string]*string{"dynamodb": ddb.Options().BaseEndpoint,
					"sesv2": sesv2.NewFromConfig(cfg).Options().BaseEndpoint, "eventbridge": eventbridge.NewFromConfig(cfg).Options().BaseEndpoint,
					"secretsmanager": secretsmanager.NewFromConfig(cfg).Options().BaseEndpoint,
					"location":       location.NewFromConfig(cfg).Options().BaseEndpoint, "connect": connect.NewFromConfig(cfg).Options().BaseEndpoint} {
					r.Endpoints[name] = aws.ToString(base)
				}
				r.Attempts = ddb.Options().Retryer.MaxAttempts()
				if aws.ToString(ddb.Options().BaseEndpoint) == fake.URL {
					if _, err := ddb.ListTables(context.Background(), &dynamodb.ListTablesInput{}); err != nil {
						t.Fatal(err)
					}
					if signed == "" {
						t.Fatal("the DynamoDB request was not signed")
					}
				}
				r.Signed = signed
				return r
			}
			full, err := awsclients.Load(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			slim, err := coldstart.AWS(os.LookupEnv)
			if err != nil {
				t.Fatal(err)
			}
			want, got := resolve(full), resolve(slim)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("function's configuration resolves\n%+v\nthe default chain\n%+v", got, want)
			}
		})
	}
}

// isolate clears the AWS settings of the environment the test runs in and
// points the shared config files at nothing, as in Lambda.
func isolate(t *testing.T) {
	dir := t.TempDir()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			_ = os.Unsetenv(k) // the clients look endpoint variables up, set or not
		}
	}
	t.Setenv("HOME", dir)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}
