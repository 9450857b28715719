package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/mayday/mayday/shared/local"
)

func runLocal(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	jsonLogs := fs.Bool("json-logs", false, "log JSON lines (as in Lambda) instead of text")
	if err := fs.Parse(args); err != nil {
		return err
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
	if err := m.Open(); err != nil {
		return err
	}
	fmt.Printf(`Mayday is running at %[1]s (embedded store, in-process bus, outbox mailer)
  lease %[2]s, sweep every %[3]s, dial prefix %[4]q, fallback %[5]q

  walk through the whole flow:  go run ./cmd/mayday simulate demo
  agent desktop state:          curl -s %[1]s/v1/agents/a-1/state
  emails sent:                  curl -s %[1]s/local/outbox
  events on the bus:            curl -s %[1]s/local/events
  dead letters:                 curl -s %[1]s/local/dead-letters
  webhook secret:               MAYDAY_WEBHOOK_SECRET (default %[6]q)

Ctrl-C stops it.
`, m.URL, cfg.Lease, cfg.SweepInterval, cfg.DialPrefix, cfg.Fallback, local.DevSecret)
	<-ctx.Done()
	return m.Close()
}
