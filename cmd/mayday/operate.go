package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mayday/mayday/shared/awsclients"
	"github.com/mayday/mayday/shared/dynamostore"
	"github.com/mayday/mayday/shared/emailtemplate"
	"github.com/mayday/mayday/shared/emailtemplate/render"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/sesmailer"
	"github.com/mayday/mayday/shared/settings"
)

// Operator commands run with the operator's AWS credentials against the
// deployed table and SES, through the same adapters as the functions.
var (
	// operatorEnv is what operator reads: the table and the use cases'
	// settings, as the functions read them.
	operatorEnv   = append([]envVar{required(settings.Table)}, env(settings.Domain...)...)
	operatorOther = []otherVar{awsCredentials, dynamoEndpoint}

	numbersCommand = &command{
		name: "numbers", operator: true,
		args:    "add NUMBER COUNTRY [SITE] | remove NUMBER | list",
		summary: "add, remove or list the callback numbers of each pool (a site's or a country's)",
		about: `  add NUMBER COUNTRY [SITE]   add a callback number (E.164) to SITE's pool (its
                              emergency address is registered with the carrier at
                              the site's address; the site must be in COUNTRY), or
                              with no SITE to the country's pool
  remove NUMBER               remove a number (refused while it is leased)
  list                        the pools with each number's site and live lease

A call from a site leases from the site's numbers; when the site has none (or
the call has no site), from the country's pool, never from another site's.`,
		env: operatorEnv, otherEnv: operatorOther, run: runNumbers,
	}
	sitesCommand = &command{
		name: "sites", operator: true,
		args:    "put SITE -file FILE | get SITE | list | delete SITE",
		summary: "create, show, list or delete the sites (emergency response locations)",
		about: `  put SITE -file FILE   create or replace a site from a JSON file shaped as the
                        body of PUT /v1/sites/{siteId} (testdata/admin/site.json):
                        name, country, address {street, city, region, postalCode,
                        country, detail}, emergencyCallbackNumber, notify
  get SITE              the site, as JSON that put reads back
  list                  every site: address, emergency callback number, recipients
  delete SITE           delete a site (refused while callback numbers or agents
                        use it)

A site's emergency callback number is presented to the emergency service when no
callback number can be leased in time; its notify addresses get every emergency
call notification from the site.`,
		env: operatorEnv, otherEnv: operatorOther, run: runSites,
	}
	contactsCommand = &command{
		name: "contacts", operator: true,
		args:    `AGENT "a@example.com; b@example.com"`,
		summary: "set an agent's emergency contacts (validated)",
		env:     operatorEnv, otherEnv: operatorOther, run: runContacts,
	}
	readinessCommand = &command{
		name: "readiness", operator: true,
		args:    "AGENT",
		summary: "an agent's prerequisites for emergency calls, each ok or what to fix",
		env:     operatorEnv, otherEnv: operatorOther, run: runReadiness,
	}
	templateCommand = &command{
		name: "template", operator: true,
		args:     "push [-dir DIR]",
		summary:  "create or update the SES template EmergencyCallNotification",
		about:    "  push   from DIR's subject.txt, body.html and body.txt (default: the repo's files)",
		otherEnv: []otherVar{awsCredentials, sesEndpoint},
		run:      runTemplate,
	}
)

// operator is the admin use case over the deployed table, configured by
// the same settings as the functions.
func operator(ctx context.Context, stderr io.Writer) (*mayday.AdminAPI, error) {
	table, err := settings.Table.Get(os.LookupEnv)
	if err == nil && table == "" {
		err = fmt.Errorf("%s is not set (the stack's TableName output)", settings.Table.Env)
	}
	if err != nil {
		return nil, err
	}
	cfg, err := settings.DomainConfig(os.LookupEnv)
	if err != nil {
		return nil, err
	}
	clients, err := awsclients.New(ctx)
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return mayday.NewAdminAPI(dynamostore.New(clients.DynamoDB, table), mayday.Options{Config: cfg, Log: log})
}

func runNumbers(ctx context.Context, c *call, args []string) error {
	args, err := c.parse(args)
	if err != nil {
		return err
	}
	want := map[string][]int{"add": {3, 4}, "remove": {2}, "list": {1}} // arguments, the action's included
	if len(args) == 0 || !slices.Contains(want[args[0]], len(args)) {
		return c.usageErrorf("want add NUMBER COUNTRY [SITE], remove NUMBER or list")
	}
	svc, err := operator(ctx, c.stderr)
	if err != nil {
		return err
	}
	switch args[0] {
	case "add":
		site := ""
		if len(args) == 4 {
			site = args[3]
		}
		n, created, err := svc.AddNumberAt(ctx, args[1], args[2], site)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "%s in the %s (created: %v)\n", n.Number, mayday.Pool{Country: n.Country, SiteID: n.SiteID}, created)
	case "remove":
		if err := svc.RemoveNumber(ctx, args[1]); err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, "removed", args[1])
	case "list":
		ns, err := svc.Numbers(ctx)
		if err != nil {
			return err
		}
		now := time.Now()
		for _, n := range ns {
			lease := "free"
			if l, live := n.LiveLease(now); live {
				lease = fmt.Sprintf("leased to %s (call %s) until %s", l.AgentID, l.CallID, l.ExpiresAt.Format("2006-01-02 15:04:05Z07:00"))
			}
			site := "-"
			if n.SiteID != "" {
				site = "site " + n.SiteID
			}
			fmt.Fprintf(c.stdout, "%s  %-14s %-12s %s\n", n.Country, n.Number, site, lease)
		}
	}
	return nil
}

func runContacts(ctx context.Context, c *call, args []string) error {
	args, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(args) != 2 {
		return c.usageErrorf("want an agent and its contacts")
	}
	contacts, err := mayday.ParseContacts(args[1])
	if err != nil {
		return err
	}
	svc, err := operator(ctx, c.stderr)
	if err != nil {
		return err
	}
	a, err := svc.SetContacts(ctx, args[0], contacts)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "agent %s: %d emergency contact(s): %s\n", a.ID, len(a.EmergencyContacts), strings.Join(a.EmergencyContacts, "; "))
	return nil
}

func runReadiness(ctx context.Context, c *call, args []string) error {
	args, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return c.usageErrorf("want one agent")
	}
	svc, err := operator(ctx, c.stderr)
	if err != nil {
		return err
	}
	r, err := svc.Readiness(ctx, args[0])
	if err != nil {
		return err
	}
	for _, check := range r.Checks {
		mark := "ok  "
		if !check.OK {
			mark = "FIX "
		}
		fmt.Fprintf(c.stdout, "%s %-22s %s\n", mark, check.Name, check.Fix)
	}
	if !r.Ready {
		return fmt.Errorf("agent %s is not ready for emergency calls", r.AgentID)
	}
	fmt.Fprintf(c.stdout, "agent %s is ready for emergency calls\n", r.AgentID)
	return nil
}

func runTemplate(ctx context.Context, c *call, args []string) error {
	dir := c.flags.String("dir", "", "a `directory` with subject.txt, body.html, body.txt (default: the repo's)")
	args, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(args) != 1 || args[0] != "push" {
		return c.usageErrorf("want push")
	}
	t := emailtemplate.Default()
	if *dir != "" {
		for name, dst := range map[string]*string{"subject.txt": &t.Subject, "body.html": &t.HTML, "body.txt": &t.Text} {
			b, err := os.ReadFile(filepath.Join(*dir, name))
			if err != nil {
				return err
			}
			*dst = string(b)
		}
		t.Subject = strings.TrimSpace(t.Subject)
		if err := t.Check(); err != nil {
			return err
		}
		if _, err := render.Render(t, emailtemplate.TemplateData(mayday.NotificationData{}.Map())); err != nil {
			return fmt.Errorf("template does not render: %w", err)
		}
	}
	clients, err := awsclients.New(ctx)
	if err != nil {
		return err
	}
	if err := sesmailer.New(clients.SES, "", "").PutTemplate(ctx, t); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, "SES template", t.Name, "pushed")
	return nil
}
