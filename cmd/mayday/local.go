package main

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/connect"

	"github.com/mayday/mayday/shared/amazonconnect/agentstatus"
	"github.com/mayday/mayday/shared/awsclients"
	"github.com/mayday/mayday/shared/local"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
)

// localTable is the table the local runner uses when MAYDAY_TABLE is unset.
const localTable = "mayday-local"

var localCommand = &command{
	name:    "local",
	args:    "[flags]",
	summary: "run the whole emergency-call chain locally (embedded store and mailer, in-process bus)",
	about: `Then, from another terminal: go run ./cmd/mayday simulate demo
With DynamoDB Local and aws-ses-v2-local: scripts/services.sh run go run ./cmd/mayday local`,
	// What local.ConfigFromEnv reads, then the AWS adapters' settings.
	env: append(append(
		[]envVar{{Setting: settings.Addr}, withDefault(settings.WebhookSecret, settings.DevSecret), {Setting: settings.WebhookSecretPrevious}},
		env(settings.Domain...)...),
		envVar{Setting: settings.SweepInterval},
		withDefault(settings.TwilioAuthToken, settings.DevTwilioAuthToken), envVar{Setting: settings.TwilioAccountSID},
		envVar{Setting: settings.TwilioOrdinaryURL}, envVar{Setting: settings.TwilioPublicURL},
		withDefault(settings.Table, localTable), envVar{Setting: settings.Sender},
		// Presence push, when a platform is named.
		envVar{Setting: settings.PresencePlatform}, envVar{Setting: settings.PresenceWebhookURL}, envVar{Setting: settings.PresenceSecret},
		envVar{Setting: settings.TaskRouterWorkspaceSID}, envVar{Setting: settings.TaskRouterDNDActivitySID},
		envVar{Setting: settings.TaskRouterRestoreActivitySID},
		envVar{Setting: settings.ConnectInstanceARN}, envVar{Setting: settings.ConnectRoutableStatus},
		envVar{Setting: settings.ConnectDNDStatus}),
	otherEnv: []otherVar{
		{dynamoEndpoint.name, dynamoEndpoint.doc + "; when set, -store defaults to dynamodb"},
		{sesEndpoint.name, sesEndpoint.doc + "; when set, -mailer defaults to ses"},
		{awsCredentials.name, awsCredentials.doc + " (-store dynamodb, -mailer ses)"},
	},
	run: runLocal,
}

func runLocal(ctx context.Context, c *call, args []string) error {
	jsonLogs := c.flags.Bool("json-logs", false, "log JSON lines (as in Lambda) instead of text")
	store := c.flags.String("store", "", "embedded or dynamodb (default: dynamodb when AWS_ENDPOINT_URL_DYNAMODB is set)")
	mailer := c.flags.String("mailer", "", "outbox or ses (default: ses when AWS_ENDPOINT_URL_SESV2 is set)")
	table := c.flags.String("table", "", fmt.Sprintf("DynamoDB `table`, created if missing (default: %s, else %s)", settings.Table.Env, localTable))
	sender := c.flags.String("sender", "", fmt.Sprintf("SES sender `address` (default: %s)", settings.Sender.Env))
	replaceTemplate := c.flags.Bool("replace-template", false, "with -mailer ses: replace the stored email template with the default (kept otherwise)")
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return c.usageErrorf("unexpected arguments %q", rest)
	}
	*store = choose(*store, "AWS_ENDPOINT_URL_DYNAMODB", "dynamodb", "embedded")
	*mailer = choose(*mailer, "AWS_ENDPOINT_URL_SESV2", "ses", "outbox")
	if *store != "dynamodb" && *store != "embedded" || *mailer != "ses" && *mailer != "outbox" {
		return c.usageErrorf("-store embedded|dynamodb, -mailer outbox|ses")
	}
	cfg, err := local.ConfigFromEnv(os.LookupEnv)
	if err != nil {
		return err
	}
	var h slog.Handler = slog.NewTextHandler(c.stderr, nil)
	if *jsonLogs {
		h = slog.NewJSONHandler(c.stderr, nil)
	}
	m := &local.Main{Config: cfg, Log: slog.New(h)}
	// connect-flow (and presence push with MAYDAY_PRESENCE_PLATFORM=connect)
	// asks a real Connect instance about agents only when one is configured;
	// otherwise connect-flow answers without agentArn or bypass.
	var connectAPI agentstatus.API
	if arn, err := settings.ConnectInstanceARN.Get(os.LookupEnv); err != nil {
		return err
	} else if arn != "" {
		routable, err := settings.ConnectRoutableStatus.Get(os.LookupEnv)
		if err != nil {
			return err
		}
		aws, err := awsclients.Load(ctx)
		if err != nil {
			return err
		}
		connectAPI = connect.NewFromConfig(aws)
		if m.ConnectAgents, err = agentstatus.New(connectAPI, agentstatus.Config{InstanceARN: arn, Routable: routable}); err != nil {
			return err
		}
	}
	if m.Presence, err = local.PresenceFromEnv(os.LookupEnv, cfg.Secret, func() agentstatus.API { return connectAPI }); err != nil {
		return err
	}
	if *store == "dynamodb" || *mailer == "ses" {
		clients, err := awsclients.New(ctx)
		if err != nil {
			return err
		}
		if *store == "dynamodb" {
			envTable, err := settings.Table.Get(os.LookupEnv)
			if err != nil {
				return err
			}
			name := cmp.Or(*table, envTable, localTable)
			if m.Store, err = awsclients.EnsureStore(ctx, clients, name); err != nil {
				return err
			}
			if m.Stream, err = local.NewStreamRelay(ctx, clients.DynamoDB, name); err != nil {
				return err
			}
		}
		if *mailer == "ses" {
			from, err := settings.Sender.Get(os.LookupEnv)
			if err != nil {
				return err
			}
			from = cmp.Or(*sender, from)
			if err := settings.Sender.Check(from); err != nil {
				return fmt.Errorf("-sender %q: %w", from, err)
			}
			mailer, kept, err := awsclients.EnsureMailer(ctx, clients, from, *replaceTemplate)
			if err != nil {
				return err
			}
			if kept {
				m.Log.Info("kept the email template stored in SES; -replace-template replaces it with the default", "template", mayday.TemplateName)
			}
			m.Mailer = mailer
		}
	}
	if err := m.Open(); err != nil {
		return err
	}
	simulate := "go run ./cmd/mayday simulate demo"
	if m.URL != "http://"+settings.Addr.Default {
		simulate = "go run ./cmd/mayday simulate -url " + m.URL + " demo"
	}
	fmt.Fprintf(c.stdout, `Mayday is running at %[1]s (store: %[7]s, mailer: %[8]s, in-process bus)
  lease %[2]s, sweep every %[3]s, dial prefix %[4]q, fallback %[5]q

  walk through the whole flow:  %[10]s
  the same, as Twilio calls it: %[11]s
  console:                      %[1]s/  (agent desk: %[1]s/desk/a-1)
  security desk (alarm, ack):   %[1]s/desk/security
  agent desktop state:          curl -s %[1]s/v1/agents/a-1/state
  emails, texts, posts sent:    curl -s %[1]s/local/outbox
  events on the bus:            curl -s %[1]s/local/events
  dead letters:                 curl -s %[1]s/local/dead-letters
  invoke a function:            aws lambda invoke --endpoint-url %[1]s --function-name connect-flow \
                                  --cli-binary-format raw-in-base64-out --payload file://testdata/connect/flow-dial.json out.json
  webhook secret:               %[9]s (default %[6]q)

Ctrl-C stops it.
`, m.URL, cfg.Lease, cfg.SweepInterval, cfg.Dial.Prefix, cfg.Fallback, settings.DevSecret, *store, *mailer, settings.WebhookSecret.Env, simulate,
		strings.TrimSuffix(simulate, "demo")+"twilio")
	<-ctx.Done()
	return m.Close()
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
