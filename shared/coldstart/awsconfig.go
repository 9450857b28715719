package coldstart

import (
	"cmp"
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/smithy-go/logging"

	"github.com/mayday/mayday/shared/settings"
)

// ErrNoCredentials: the environment holds no AWS credentials a function
// can use.
var ErrNoCredentials = errors.New("no AWS credentials in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_CONTAINER_CREDENTIALS_FULL_URI)")

// endpointVars are the endpoint overrides that point a client at a local
// stand-in (DynamoDB Local, aws-ses-v2-local), which the SDK honours.
var endpointVars = []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SESV2",
	"AWS_ENDPOINT_URL_EVENTBRIDGE", "AWS_ENDPOINT_URL_SECRETS_MANAGER"}

// Local reports whether any service endpoint points at a local stand-in,
// via AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_<SERVICE>.
func Local() bool { return local(os.LookupEnv) }

func local(lookup settings.Lookup) bool {
	for _, k := range endpointVars {
		if v, _ := lookup(k); v != "" {
			return true
		}
	}
	return false
}

// Retryer is every AWS client's: the SDK's standard retryer (throttling and
// transient errors) with bounded backoff.
func Retryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 4
		o.MaxBackoff = 2 * time.Second
	})
}

// LocalDefaults are the credentials and region used against local
// stand-ins when none are configured, so tests and the local runner need no
// AWS account: empty when lookup configures its own or no endpoint is local.
func LocalDefaults(lookup settings.Lookup) (creds aws.CredentialsProvider, region string) {
	if !local(lookup) {
		return nil, ""
	}
	if !set(lookup, "AWS_ACCESS_KEY_ID") && !set(lookup, "AWS_PROFILE") {
		creds = credentials.NewStaticCredentialsProvider("local", "local", "")
	}
	if !set(lookup, "AWS_REGION") && !set(lookup, "AWS_DEFAULT_REGION") {
		region = "us-east-1"
	}
	return creds, region
}

func set(lookup settings.Lookup, k string) bool {
	v, _ := lookup(k)
	return v != ""
}

// AWS is a Lambda function's AWS configuration, read from what the Lambda
// runtime puts in its environment: the execution role's credentials
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; or, where a
// runtime serves them over HTTP instead, AWS_CONTAINER_CREDENTIALS_FULL_URI
// with its authorization token, fetched again once they expire), AWS_REGION,
// and the endpoint overrides (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>)
// that point the clients at local stand-ins. It resolves them as the SDK's
// default chain does, without linking that chain's shared-config, SSO, STS
// and IMDS providers, which a function never uses and which made up about
// 1.7 MB of every bootstrap. The operator CLI and the local runner load the
// full chain (awsclients.Load).
func AWS(lookup settings.Lookup) (aws.Config, error) {
	get := func(k string) string { v, _ := lookup(k); return v }
	cfg := aws.Config{
		Region:        cmp.Or(get("AWS_REGION"), get("AWS_DEFAULT_REGION")),
		Retryer:       Retryer,
		HTTPClient:    awshttp.NewBuildableClient(), // one connection pool for every client
		Logger:        logging.NewStandardLogger(os.Stderr),
		AppID:         get("AWS_SDK_UA_APP_ID"),
		ConfigSources: []any{endpointEnv(lookup)},
	}
	if ignore, _ := strconv.ParseBool(get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")); ignore {
		cfg.ConfigSources = nil
	} else if u := get("AWS_ENDPOINT_URL"); u != "" {
		cfg.BaseEndpoint = aws.String(u)
	}
	localCreds, localRegion := LocalDefaults(lookup)
	cfg.Region = cmp.Or(cfg.Region, localRegion)
	id, secret := cmp.Or(get("AWS_ACCESS_KEY_ID"), get("AWS_ACCESS_KEY")), cmp.Or(get("AWS_SECRET_ACCESS_KEY"), get("AWS_SECRET_KEY"))
	var creds aws.CredentialsProvider
	switch {
	case id != "" && secret != "":
		creds = credentials.StaticCredentialsProvider{Value: aws.Credentials{AccessKeyID: id, SecretAccessKey: secret,
			SessionToken: get("AWS_SESSION_TOKEN"), AccountID: get("AWS_ACCOUNT_ID"), Source: "EnvConfigCredentials"},
			Source: []aws.CredentialSource{aws.CredentialSourceEnvVars}}
	case get("AWS_CONTAINER_CREDENTIALS_FULL_URI") != "":
		creds = endpointcreds.New(get("AWS_CONTAINER_CREDENTIALS_FULL_URI"), func(o *endpointcreds.Options) {
			o.AuthorizationToken = get("AWS_CONTAINER_AUTHORIZATION_TOKEN")
			if file := get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); file != "" {
				// Read at each refresh: the runtime may rotate it.
				o.AuthorizationTokenProvider = endpointcreds.TokenProviderFunc(func() (string, error) {
					b, err := os.ReadFile(file)
					return strings.TrimSpace(string(b)), err
				})
			}
		})
	case localCreds != nil:
		creds = localCreds
	default:
		return aws.Config{}, ErrNoCredentials
	}
	// As the default chain does: served credentials are fetched again
	// once they expire.
	cfg.Credentials = aws.NewCredentialsCache(creds)
	if cfg.Region == "" {
		return aws.Config{}, errors.New("no AWS region in the environment (AWS_REGION)")
	}
	return cfg, nil
}

// endpointEnv resolves AWS_ENDPOINT_URL_<SERVICE> for a client, as the
// SDK's environment configuration does (the service's SDK ID upper-cased,
// spaces as underscores: SECRETS_MANAGER).
type endpointEnv settings.Lookup

func (e endpointEnv) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	v, _ := e("AWS_ENDPOINT_URL_" + strings.ReplaceAll(strings.ToUpper(sdkID), " ", "_"))
	return v, v != "", nil
}
