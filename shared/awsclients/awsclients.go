// Package awsclients builds every AWS client and adapter at once, for the
// programs that use them all: the operator CLI, the local runner against
// DynamoDB Local / aws-ses-v2-local, tests and benchmarks. Lambda functions
// use awswire and link only what they need.
package awsclients

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/mayday/mayday/shared/awsconfig"
	"github.com/mayday/mayday/shared/awswire"
	"github.com/mayday/mayday/shared/dynamostore"
	"github.com/mayday/mayday/shared/ebpublisher"
	"github.com/mayday/mayday/shared/emailtemplate"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/sesmailer"
)

// Clients are the AWS clients, built from one configuration.
type Clients struct {
	Config      aws.Config
	DynamoDB    *dynamodb.Client
	EventBridge *eventbridge.Client
	SES         *sesv2.Client
}

// New loads the configuration once and builds every client, for the
// operator CLI and the local runner (functions use MustLambda instead).
func New(ctx context.Context) (Clients, error) {
	cfg, err := awsconfig.Load(ctx)
	if err != nil {
		return Clients{}, err
	}
	return Clients{
		Config:      cfg,
		DynamoDB:    awswire.DynamoClient(cfg),
		EventBridge: eventbridge.NewFromConfig(cfg),
		SES:         sesv2.NewFromConfig(cfg),
	}, nil
}

// Service builds the domain service over DynamoDB, EventBridge and SES.
func Service(c Clients, e awswire.Env, log *slog.Logger) *mayday.Service {
	return mayday.NewService(mayday.Service{
		Store:  dynamostore.New(c.DynamoDB, e.Table),
		Events: ebpublisher.New(c.EventBridge, e.Bus),
		Mailer: sesmailer.New(c.SES, e.Sender, e.ConfigurationSet),
		Log:    log,
		Config: e.Config,
	})
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
