// Package harness boots the local runner (package local) for end-to-end
// tests, on the embedded adapters or on DynamoDB Local and
// aws-ses-v2-local, and drives it through the public HTTP contract: a signed
// client fed from the repository's testdata/, eventually-style waits, a
// recording publisher and a manual clock. Every end-to-end test boots
// through here.
package harness

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/mayday/mayday/shared/awsclients"
	"github.com/mayday/mayday/shared/coldstart"
	"github.com/mayday/mayday/shared/dynamostore"
	"github.com/mayday/mayday/shared/emailtemplate"
	"github.com/mayday/mayday/shared/local"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/sesmailer"
	"github.com/mayday/mayday/shared/testkit/integration"
)

// Secret signs the harness's webhooks.
const Secret = "harness-secret"

// Fallback is where the harness routes callbacks with no live lease.
const Fallback = "+14255559999"

// Options say what the system runs on. The zero value is the embedded
// system with the test defaults below.
type Options struct {
	// DynamoDB and SES put the store and the mailer on the stand-ins named
	// by AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_SESV2 (Start skips
	// or fails the test without them, as package integration decides).
	DynamoDB, SES bool
	// AWS adjusts the AWS configuration before the stand-ins' clients are
	// built: a fault plan, a shorter backoff, a call counter.
	AWS func(*aws.Config)
	// Store and Mailer, when set, are used as they are.
	Store  mayday.Store
	Mailer mayday.Mailer
	// WrapMailer and WrapPublisher put a probe around the mailer in use and
	// around what the chain publishes (then Published stays nil: the
	// probe keeps what it needs, and a benchmark's memory stays flat).
	WrapMailer    func(mayday.Mailer) mayday.Mailer
	WrapPublisher func(mayday.Publisher) mayday.Publisher
	// Config adjusts the runner's configuration after the test defaults
	// (local.InProcess with Secret and Fallback).
	Config func(*local.Config)
	Clock  mayday.Clock
	Log    *slog.Logger // default: discard
	// Presence is the presence platform, if any (local.Main.Presence).
	Presence mayday.PresencePlatform
}

// System is a running local runner.
type System struct {
	Main      *local.Main
	URL       string
	Secret    []byte
	Published *Recorder // every event the chain published (no WrapPublisher)
	// SES is the emulator's endpoint when the SES mailer is in use.
	SES   string
	Table string
	close []func()
}

var seq atomic.Int64

// Unique is a prefix that keeps ids apart across tests sharing a stand-in.
func Unique() string {
	return fmt.Sprintf("t%x%d", time.Now().UnixNano()%(1<<32), seq.Add(1))
}

// Start boots a system for the test and closes it when the test ends.
func Start(t testing.TB, o Options) *System {
	t.Helper()
	var need []string
	if o.DynamoDB {
		need = append(need, "AWS_ENDPOINT_URL_DYNAMODB")
	}
	if o.SES {
		need = append(need, "AWS_ENDPOINT_URL_SESV2")
	}
	if len(need) > 0 {
		integration.Endpoints(t, need...)
	}
	s, err := Boot(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Boot starts a system; Close stops it. Tests use Start. (The bench,
// which ships in the CLI, starts its runner with local.InProcess itself.)
func Boot(ctx context.Context, o Options) (*System, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cfg, err := local.InProcess(Secret, Fallback)
	if err != nil {
		return nil, err
	}
	if o.Config != nil {
		o.Config(&cfg)
	}
	s := &System{Secret: []byte(cfg.Secret)}
	m := &local.Main{Config: cfg, Store: o.Store, Mailer: o.Mailer, Clock: o.Clock, Presence: o.Presence,
		Log: cmp.Or(o.Log, slog.New(slog.NewTextHandler(io.Discard, nil)))}
	if (o.DynamoDB && o.Store == nil) || (o.SES && o.Mailer == nil) {
		aws, err := awsclients.Load(ctx)
		if err != nil {
			return nil, err
		}
		if o.AWS != nil {
			o.AWS(&aws)
		}
		if o.DynamoDB && o.Store == nil {
			ddb := coldstart.DynamoDB(aws)
			s.Table = "e2e-" + Unique()
			if err := dynamostore.CreateTable(ctx, ddb, s.Table); err != nil {
				return nil, err
			}
			s.close = append(s.close, func() {
				_, _ = ddb.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &s.Table})
			})
			m.Store = dynamostore.New(ddb, s.Table)
			if m.Stream, err = local.NewStreamRelay(ctx, ddb, s.Table); err != nil {
				return nil, err
			}
		}
		if o.SES && o.Mailer == nil {
			s.SES = strings.TrimRight(os.Getenv("AWS_ENDPOINT_URL_SESV2"), "/")
			mailer := sesmailer.New(sesv2.NewFromConfig(aws), "mayday@example.com", "")
			if err := mailer.PutTemplate(ctx, emailtemplate.Default()); err != nil {
				return nil, err
			}
			m.Mailer = mailer
		}
	}
	m.WrapPublisher = o.WrapPublisher
	if m.WrapPublisher == nil {
		m.WrapPublisher = func(inner mayday.Publisher) mayday.Publisher {
			s.Published = &Recorder{inner: inner}
			return s.Published
		}
	}
	m.WrapMailer = o.WrapMailer
	if err := m.Open(); err != nil {
		s.Close()
		return nil, err
	}
	s.Main, s.URL = m, m.URL
	return s, nil
}

// Close stops the runner, draining the bus, and drops what Boot created.
func (s *System) Close() {
	if s.Main != nil {
		_ = s.Main.Close()
	}
	for _, c := range s.close {
		c()
	}
}
