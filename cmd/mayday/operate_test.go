package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/awsclients"
	"github.com/mayday/mayday/shared/emailtemplate"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/sesmailer"
	"github.com/mayday/mayday/shared/testkit/integration"
)

// TestOperatorCommands runs the operator CLI against DynamoDB Local and
// aws-ses-v2-local, through the same adapters as the functions.
func TestOperatorCommands(t *testing.T) {
	integration.Endpoints(t, "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SESV2")
	ctx := context.Background()
	table := fmt.Sprintf("operator-%d", time.Now().UnixNano())
	t.Setenv("MAYDAY_TABLE", table)
	clients, err := awsclients.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	store, err := awsclients.EnsureStore(ctx, clients, table)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := operator(ctx, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PutAgent(ctx, "a-1", mayday.Profile{Name: "Ada", Country: "US", BrowserLocation: true}); err != nil {
		t.Fatal(err)
	}

	// Each command's run, to see the error it returns.
	cmd := func(name string) func(context.Context, []string) error {
		return func(ctx context.Context, args []string) error {
			c := newCall(find(name), io.Discard, io.Discard)
			return c.cmd.run(ctx, c, args)
		}
	}
	runNumbers, runContacts, runReadiness, runTemplate := cmd("numbers"), cmd("contacts"), cmd("readiness"), cmd("template")
	steps := []struct {
		run     func(context.Context, []string) error
		args    []string
		wantErr error // nil: success
	}{
		{runNumbers, []string{"add", "+14255550001", "US"}, nil},
		{runNumbers, []string{"add", "+14255550001", "GB"}, mayday.ErrConflict},
		{runNumbers, []string{"add", "12345", "US"}, mayday.ErrInvalid},
		{runNumbers, []string{"list"}, nil},
		{runContacts, []string{"a-1", "sup@example.com; desk@example.com"}, nil},
		{runContacts, []string{"a-1", "sup@example.com; nope"}, mayday.ErrInvalid},
		{runContacts, []string{"nobody", "sup@example.com"}, mayday.ErrNotFound},
		{runReadiness, []string{"a-1"}, errors.New("not ready")}, // no outbound voice profile, mailbox
		{runTemplate, []string{"push"}, nil},
	}
	for i, s := range steps {
		err := s.run(ctx, s.args)
		switch {
		case s.wantErr == nil && err != nil:
			t.Fatalf("step %d %v: %v", i, s.args, err)
		case s.wantErr != nil && err == nil:
			t.Fatalf("step %d %v: succeeded, want %v", i, s.args, s.wantErr)
		case s.wantErr != nil && s.wantErr.Error() != "not ready" && !errors.Is(err, s.wantErr):
			t.Fatalf("step %d %v: %v, want %v", i, s.args, err, s.wantErr)
		}
	}
	a, err := svc.GetAgent(ctx, "a-1")
	if err != nil || !slices.Equal(a.EmergencyContacts, []string{"sup@example.com", "desk@example.com"}) {
		t.Fatalf("contacts = %q, %v", a.EmergencyContacts, err)
	}
	if n, err := store.GetNumber(ctx, "+14255550001"); err != nil || n.Country != "US" {
		t.Fatalf("number = %+v, %v", n, err)
	}
	got, err := sesmailer.New(clients.SES, "", "").GetTemplate(ctx, emailtemplate.Default().Name)
	if err != nil || got != emailtemplate.Default() {
		t.Fatalf("pushed template = %+v, %v", got, err)
	}
	if err := runNumbers(ctx, []string{"remove", "+14255550001"}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.GetNumber(ctx, "+14255550001"); !errors.Is(err, mayday.ErrNotFound) {
		t.Fatalf("removed number still there: %v", err)
	}
}
