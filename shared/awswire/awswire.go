// Package awswire builds the domain service over the AWS adapters from the
// environment: once per Lambda cold start, and for the operator CLI and the
// local runner's DynamoDB/SES mode. Missing or malformed settings fail fast.
package awswire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/mayday/mayday/shared/awsconfig"
	"github.com/mayday/mayday/shared/dynamostore"
	"github.com/mayday/mayday/shared/ebpublisher"
	"github.com/mayday/mayday/shared/emailtemplate"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/sesmailer"
)

// Env is what the functions read from their environment.
type Env struct {
	Table            string // MAYDAY_TABLE
	Bus              string // MAYDAY_BUS
	Sender           string // MAYDAY_SENDER
	ConfigurationSet string // MAYDAY_SES_CONFIGURATION_SET
	SecretARN        string // MAYDAY_WEBHOOK_SECRET_ARN
	Secret           string // MAYDAY_WEBHOOK_SECRET (local stand-ins and tests)
	Config           mayday.Config
}

// Needs names the settings a function cannot start without.
type Needs struct{ Table, Bus, Sender, Secret bool }

// ReadEnv reads the environment (lookup is os.LookupEnv).
func ReadEnv(lookup func(string) (string, bool), needs Needs) (Env, error) {
	get := func(k string) string { v, _ := lookup(k); return v }
	e := Env{Table: get("MAYDAY_TABLE"), Bus: get("MAYDAY_BUS"), Sender: get("MAYDAY_SENDER"),
		ConfigurationSet: get("MAYDAY_SES_CONFIGURATION_SET"), SecretARN: get("MAYDAY_WEBHOOK_SECRET_ARN"),
		Secret: get("MAYDAY_WEBHOOK_SECRET"), Config: mayday.DefaultConfig()}
	var errs []error
	need := func(ok bool, name string) {
		if !ok {
			errs = append(errs, fmt.Errorf("%s is not set", name))
		}
	}
	need(!needs.Table || e.Table != "", "MAYDAY_TABLE")
	need(!needs.Bus || e.Bus != "", "MAYDAY_BUS")
	need(!needs.Sender || e.Sender != "", "MAYDAY_SENDER")
	need(!needs.Secret || e.SecretARN != "" || e.Secret != "", "MAYDAY_WEBHOOK_SECRET_ARN")
	if v := get("MAYDAY_CALLBACK_LEASE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("MAYDAY_CALLBACK_LEASE=%q: want a duration like 60m", v))
		}
		e.Config.Lease = d
	}
	if v := get("MAYDAY_MAX_EMERGENCY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("MAYDAY_MAX_EMERGENCY=%q: want a duration like 4h", v))
		}
		e.Config.MaxEmergency = d
	}
	if v := get("MAYDAY_CALLBACK_FALLBACK"); v != "" {
		e.Config.Fallback = v
	}
	if v, ok := lookup("MAYDAY_DIAL_PREFIX"); ok {
		e.Config.Dial.Prefix = v
	}
	return e, errors.Join(errs...)
}

// Clients are the AWS clients, built from one configuration.
type Clients struct {
	Config      aws.Config
	DynamoDB    *dynamodb.Client
	EventBridge *eventbridge.Client
	SES         *sesv2.Client
}

// NewClients loads the configuration once and builds every client; clients
// are cheap and connect lazily.
func NewClients(ctx context.Context) (Clients, error) {
	cfg, err := awsconfig.Load(ctx)
	if err != nil {
		return Clients{}, err
	}
	return Clients{
		Config: cfg,
		DynamoDB: dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
			// DynamoDB Local's error responses lack the CRC32 header.
			o.DisableValidateResponseChecksum = awsconfig.Local()
		}),
		EventBridge: eventbridge.NewFromConfig(cfg),
		SES:         sesv2.NewFromConfig(cfg),
	}, nil
}

// Service builds the domain service over DynamoDB, EventBridge and SES.
func Service(c Clients, e Env, log *slog.Logger) *mayday.Service {
	return mayday.NewService(mayday.Service{
		Store:  dynamostore.New(c.DynamoDB, e.Table),
		Events: ebpublisher.New(c.EventBridge, e.Bus),
		Mailer: sesmailer.New(c.SES, e.Sender, e.ConfigurationSet),
		Log:    log,
		Config: e.Config,
	})
}

// WebhookSecret reads the HMAC secret from Secrets Manager, or takes the
// plain value when no ARN is set (local stand-ins).
func WebhookSecret(ctx context.Context, c Clients, e Env) ([]byte, error) {
	if e.SecretARN == "" {
		return []byte(e.Secret), nil
	}
	out, err := secretsmanager.NewFromConfig(c.Config).GetSecretValue(ctx,
		&secretsmanager.GetSecretValueInput{SecretId: aws.String(e.SecretARN)})
	if err != nil {
		return nil, fmt.Errorf("webhook secret: %w", err)
	}
	if out.SecretString == nil || *out.SecretString == "" {
		return nil, errors.New("webhook secret: empty")
	}
	return []byte(*out.SecretString), nil
}

// Must ends a cold start that cannot succeed, with one structured line.
func Must(log *slog.Logger, err error) {
	if err != nil {
		log.Error("cold start failed", "err", err)
		os.Exit(1)
	}
}

// Booted is what a cold start wired.
type Booted struct {
	Service *mayday.Service
	Clients Clients
	Env     Env
	Log     *slog.Logger
}

// MustBoot reads the environment, loads the AWS configuration once and builds
// the service, or exits: a function that cannot be wired must not start.
// Logs are JSON when the function's logging format is JSON (lambdacontext).
func MustBoot(log *slog.Logger, needs Needs) Booted {
	env, err := ReadEnv(os.LookupEnv, needs)
	Must(log, err)
	clients, err := NewClients(context.Background())
	Must(log, err)
	return Booted{Service: Service(clients, env, log), Clients: clients, Env: env, Log: log}
}

// EnsureStore returns the DynamoDB store, creating its table first when it
// does not exist (the local runner against DynamoDB Local or a sandbox).
func EnsureStore(ctx context.Context, c Clients, table string) (*dynamostore.Store, error) {
	if err := dynamostore.CreateTable(ctx, c.DynamoDB, table); err != nil {
		return nil, err
	}
	return dynamostore.New(c.DynamoDB, table), nil
}

// EnsureMailer returns the SES mailer after pushing the repo's default
// template, so a fresh SES (or aws-ses-v2-local) can send at once.
func EnsureMailer(ctx context.Context, c Clients, sender string) (*sesmailer.Mailer, error) {
	m := sesmailer.New(c.SES, sender, "")
	if err := m.PutTemplate(ctx, emailtemplate.Default()); err != nil {
		return nil, err
	}
	return m, nil
}
