package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/mayday/mayday/shared/awsclients"
	"github.com/mayday/mayday/shared/local"
	"github.com/mayday/mayday/shared/settings"
)

func runLocal(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	jsonLogs := fs.Bool("json-logs", false, "log JSON lines (as in Lambda) instead of text")
	store := fs.String("store", "", "embedded or dynamodb (default: dynamodb when AWS_ENDPOINT_URL_DYNAMODB is set)")
	mailer := fs.String("mailer", "", "outbox or ses (default: ses when AWS_ENDPOINT_URL_SESV2 is set)")
	table := fs.String("table", envOr("MAYDAY_TABLE", "mayday-local"), "DynamoDB table, created if missing")
	sender := fs.String("sender", envOr("MAYDAY_SENDER", "mayday@example.com"), "SES sender address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	*store = choose(*store, "AWS_ENDPOINT_URL_DYNAMODB", "dynamodb", "embedded")
	*mailer = choose(*mailer, "AWS_ENDPOINT_URL_SESV2", "ses", "outbox")
	if *store != "dynamodb" && *store != "embedded" || *mailer != "ses" && *mailer != "outbox" {
		return fmt.Errorf("local: -store embedded|dynamodb, -mailer outbox|ses")
	}
	cfg, err := local.ConfigFromEnv(os.LookupEnv)
	if err != nil {
		return err
	}
	var h slog.Handler = slog.NewTextHandler(os.Stderr, nil)
	if *jsonLogs {
		h = slog.NewJSONHandler(os.Stderr, nil)
	}
	m := &local.Main{Config: cfg, Log: slog.New(h)}
	if *store == "dynamodb" || *mailer == "ses" {
		clients, err := awsclients.New(ctx)
		if err != nil {
			return err
		}
		if *store == "dynamodb" {
			if m.Store, err = awsclients.EnsureStore(ctx, clients, *table); err != nil {
				return err
			}
		}
		if *mailer == "ses" {
			if m.Mailer, err = awsclients.EnsureMailer(ctx, clients, *sender); err != nil {
				return err
			}
		}
	}
	if err := m.Open(); err != nil {
		return err
	}
	fmt.Printf(`Mayday is running at %[1]s (store: %[7]s, mailer: %[8]s, in-process bus)
  lease %[2]s, sweep every %[3]s, dial prefix %[4]q, fallback %[5]q

  walk through the whole flow:  go run ./cmd/mayday simulate demo
  agent desktop state:          curl -s %[1]s/v1/agents/a-1/state
  emails sent:                  curl -s %[1]s/local/outbox
  events on the bus:            curl -s %[1]s/local/events
  dead letters:                 curl -s %[1]s/local/dead-letters
  webhook secret:               MAYDAY_WEBHOOK_SECRET (default %[6]q)

Ctrl-C stops it.
`, m.URL, cfg.Lease, cfg.SweepInterval, cfg.Dial.Prefix, cfg.Fallback, settings.DevSecret, *store, *mailer)
	<-ctx.Done()
	return m.Close()
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// choose resolves a flag left empty: on when the endpoint variable is set.
func choose(flagValue, endpointVar, on, off string) string {
	if flagValue != "" {
		return flagValue
	}
	if os.Getenv(endpointVar) != "" {
		return on
	}
	return off
}
