package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
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
const operateUsage = `  numbers add NUMBER COUNTRY    add a callback number to a country's pool
  numbers remove NUMBER         remove a number (refused while it is leased)
  numbers list                  the pools with each number's live lease
  contacts AGENT "a@x; b@y"     set an agent's emergency contacts (validated)
  readiness AGENT               an agent's prerequisites, each ok or what to fix
  template push [-dir DIR]      create/update the SES template EmergencyCallNotification
                                from DIR (default: the repo's default files)
  env: MAYDAY_TABLE (the stack's table output), AWS credentials and region`

// operator is the admin use case over the deployed table, configured by
// the same settings as the functions.
func operator(ctx context.Context) (*mayday.AdminAPI, error) {
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
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return mayday.NewAdminAPI(dynamostore.New(clients.DynamoDB, table), mayday.Options{Config: cfg, Log: log})
}

func runNumbers(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("numbers: want add, remove or list")
	}
	svc, err := operator(ctx)
	if err != nil {
		return err
	}
	switch {
	case args[0] == "add" && len(args) == 3:
		n, created, err := svc.AddNumber(ctx, args[1], args[2])
		if err != nil {
			return err
		}
		fmt.Printf("%s in the %s pool (created: %v)\n", n.Number, n.Country, created)
		return nil
	case args[0] == "remove" && len(args) == 2:
		if err := svc.RemoveNumber(ctx, args[1]); err != nil {
			return err
		}
		fmt.Println("removed", args[1])
		return nil
	case args[0] == "list" && len(args) == 1:
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
			fmt.Printf("%s  %-14s %s\n", n.Country, n.Number, lease)
		}
		return nil
	}
	return fmt.Errorf("numbers: usage:\n%s", operateUsage)
}

func runContacts(ctx context.Context, args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("contacts: usage: mayday contacts AGENT \"a@example.com; b@example.com\"")
	}
	contacts, err := mayday.ParseContacts(args[1])
	if err != nil {
		return err
	}
	svc, err := operator(ctx)
	if err != nil {
		return err
	}
	a, err := svc.SetContacts(ctx, args[0], contacts)
	if err != nil {
		return err
	}
	fmt.Printf("agent %s: %d emergency contact(s): %s\n", a.ID, len(a.EmergencyContacts), strings.Join(a.EmergencyContacts, "; "))
	return nil
}

func runReadiness(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("readiness: usage: mayday readiness AGENT")
	}
	svc, err := operator(ctx)
	if err != nil {
		return err
	}
	r, err := svc.Readiness(ctx, args[0])
	if err != nil {
		return err
	}
	for _, c := range r.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FIX "
		}
		fmt.Printf("%s %-22s %s\n", mark, c.Name, c.Fix)
	}
	if !r.Ready {
		return fmt.Errorf("agent %s is not ready for emergency calls", r.AgentID)
	}
	fmt.Printf("agent %s is ready for emergency calls\n", r.AgentID)
	return nil
}

func runTemplate(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "push" {
		return fmt.Errorf("template: usage: mayday template push [-dir DIR]")
	}
	fs := flag.NewFlagSet("template push", flag.ContinueOnError)
	dir := fs.String("dir", "", "a directory with subject.txt, body.html, body.txt (default: the repo's)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	t := emailtemplate.Default()
	if *dir != "" {
		for name, dst := range map[string]*string{"subject.txt": &t.Subject, "body.html": &t.HTML, "body.txt": &t.Text} {
			b, err := os.ReadFile(filepath.Join(*dir, name))
			if err != nil {
				return fmt.Errorf("template: %w", err)
			}
			*dst = string(b)
		}
		t.Subject = strings.TrimSpace(t.Subject)
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
	fmt.Println("SES template", t.Name, "pushed")
	return nil
}
