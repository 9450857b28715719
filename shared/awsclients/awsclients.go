// Package awsclients loads the SDK's full default configuration chain (Load)
// and builds every AWS client and adapter at once, for the programs that use
// them all: the operator CLI, the local runner against DynamoDB Local /
// aws-ses-v2-local, tests and benchmarks. Lambda functions read only what
// their runtime sets (coldstart.AWS) and link only the clients they use.
package awsclients

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/dynamostore"
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
// operator CLI and the local runner (functions use coldstart instead).
func New(ctx context.Context) (Clients, error) {
	cfg, err := Load(ctx)
	if err != nil {
		return Clients{}, err
	}
	return Clients{
		Config:      cfg,
		DynamoDB:    coldstart.DynamoDB(cfg),
		EventBridge: eventbridge.NewFromConfig(cfg),
		SES:         sesv2.NewFromConfig(cfg),
	}, nil
}

// EnsureStore returns the DynamoDB store, creating its table first when it
// does not exist (the local runner against DynamoDB Local or a sandbox).
func EnsureStore(ctx context.Context, c Clients, table string) (*dynamostore.Store, error) {
	if err := dynamostore.CreateTable(ctx, c.DynamoDB, table); err != nil {
		return nil, err
	}
	return dynamostore.New(c.DynamoDB, table), nil
}

// EnsureMailer returns the SES mailer, with the repo's default template
// created when SES has none, so a fresh SES (or aws-ses-v2-local) can send
// at once. A stored template may be an operator's customisation: it is
// kept (kept says so) unless replace asks for the default over it.
func EnsureMailer(ctx context.Context, c Clients, sender string, replace bool) (m *sesmailer.Mailer, kept bool, err error) {
	m = sesmailer.New(c.SES, sender, "")
	def := emailtemplate.Default()
	if !replace {
		_, err := m.GetTemplate(ctx, def.Name)
		if err == nil {
			return m, true, nil
		}
		if !errors.Is(err, mayday.ErrNotFound) {
			return nil, false, err
		}
	}
	if err := m.PutTemplate(ctx, def); err != nil {
		return nil, false, err
	}
	return m, false, nil
}
