// Package awswire is a Lambda function's cold start: the environment read
// (failing fast on what is missing or malformed), one AWS configuration, and
// the DynamoDB store every function uses. Functions add the other adapters
// (EventBridge, SES) themselves, so each binary links only what it uses.
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

	"github.com/mayday/mayday/shared/awsconfig"
	"github.com/mayday/mayday/shared/dynamostore"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/redact"
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

// Must ends a cold start that cannot succeed, with one structured line.
func Must(log *slog.Logger, err error) {
	if err != nil {
		log.Error("cold start failed", "err", err)
		os.Exit(1)
	}
}

// Lambda is what a function's cold start wires from: its environment and
// one AWS configuration. Each function builds only the adapters it uses, so
// its binary links only those SDK clients: this package links DynamoDB only.
type Lambda struct {
	Env    Env
	Config aws.Config
	Log    *slog.Logger
}

// MustLambda reads the environment and loads the AWS configuration once, or
// exits: a function that cannot be wired must not start. log is the Lambda
// logger (JSON when the function's log format is JSON); personal data that
// error messages carry is masked (package redact).
func MustLambda(log *slog.Logger, needs Needs) Lambda {
	log = slog.New(redact.Handler(log.Handler()))
	env, err := ReadEnv(os.LookupEnv, needs)
	Must(log, err)
	cfg, err := awsconfig.Load(context.Background())
	Must(log, err)
	return Lambda{Env: env, Config: cfg, Log: log}
}

// Store is the DynamoDB store of the function's table.
func Store(l Lambda) mayday.Store {
	return dynamostore.New(DynamoClient(l.Config), l.Env.Table)
}

// DynamoClient is a DynamoDB client for cfg.
func DynamoClient(cfg aws.Config) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		// DynamoDB Local's error responses lack the CRC32 header.
		o.DisableValidateResponseChecksum = awsconfig.Local()
	})
}

// NewService builds the service over the adapters a function uses; events
// and mailer may be nil for functions that neither publish nor send.
func NewService(l Lambda, store mayday.Store, events mayday.Publisher, mailer mayday.Mailer) *mayday.Service {
	return mayday.NewService(mayday.Service{Store: store, Events: events, Mailer: mailer, Log: l.Log, Config: l.Env.Config})
}
