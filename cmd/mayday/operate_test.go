package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/awsclients"
	"github.com/mayday/mayday/shared/emailtemplate"
	"github.com/mayday/mayday/shared/httpapi"
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

	// Each command's run, to see the error it returns and what it printed.
	var stdout strings.Builder
	cmd := func(name string) func(context.Context, []string) error {
		return func(ctx context.Context, args []string) error {
			stdout.Reset()
			c := newCall(find(name), &stdout, io.Discard)
			return c.cmd.run(ctx, c, args)
		}
	}
	runSites, runNumbers, runContacts, runReadiness, runTemplate := cmd("sites"), cmd("numbers"), cmd("contacts"), cmd("readiness"), cmd("template")
	bad := filepath.Join(t.TempDir(), "bad-site.json")
	if err := os.WriteFile(bad, []byte(`{"name": "Nowhere", "country": "US", "address": {"street": "1 Main St", "country": "US"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	// An agent at a site, as PUT /v1/agents/{agentId} stores one.
	putAgentAt := func(ctx context.Context, args []string) error {
		_, err := svc.PutAgent(ctx, args[0], mayday.Profile{Name: "Sam", Country: "US", BrowserLocation: true, SiteID: args[1]})
		return err
	}
	steps := []struct {
		run     func(context.Context, []string) error
		args    []string
		wantErr error  // nil: success
		wantOut string // in what it printed
	}{
		{runSites, []string{"put", "sea", "-file", "../../testdata/admin/site.json"}, nil,
			"site sea (Seattle HQ, US): 1 Main St, Seattle, WA 98101, US; emergency callback number +14255550100; notify security@example.com; frontdesk@example.com"},
		{putAgentAt, []string{"a-sea", "sea"}, nil, ""},
		{putAgentAt, []string{"a-nowhere", "nowhere"}, mayday.ErrInvalid, ""},       // no such site
		{runSites, []string{"put", "nowhere", "-file", bad}, mayday.ErrInvalid, ""}, // no city
		{runSites, []string{"get", "sea"}, nil, `"postalCode": "98101"`},
		{runSites, []string{"get", "nowhere"}, mayday.ErrNotFound, ""},
		{runSites, []string{"list"}, nil, "site sea (Seattle HQ, US)"},
		{runNumbers, []string{"add", "+14255550001", "US"}, nil, "+14255550001 in the US pool (created: true)"},
		{runNumbers, []string{"add", "+14255550001", "CA"}, mayday.ErrConflict, ""}, // in the US pool already
		{runNumbers, []string{"add", "+14255550001", "GB"}, mayday.ErrInvalid, ""},  // not a number of GB
		{runNumbers, []string{"add", "12345", "US"}, mayday.ErrInvalid, ""},
		{runNumbers, []string{"add", "+14255550002", "US", "sea"}, nil, "+14255550002 in the pool of site sea (created: true)"},
		{runNumbers, []string{"add", "+14255550002", "US", "sea"}, nil, "(created: false)"},
		{runNumbers, []string{"add", "+14255550003", "GB", "sea"}, mayday.ErrInvalid, ""}, // not the site's country
		{runNumbers, []string{"add", "+14255550003", "US", "nowhere"}, mayday.ErrInvalid, ""},
		{runNumbers, []string{"list"}, nil, "site sea"},
		{runSites, []string{"delete", "sea"}, mayday.ErrConflict, ""}, // +14255550002 is at the site
		{runContacts, []string{"a-1", "sup@example.com; desk@example.com"}, nil, ""},
		{runContacts, []string{"a-1", "sup@example.com; nope"}, mayday.ErrInvalid, ""},
		{runContacts, []string{"nobody", "sup@example.com"}, mayday.ErrNotFound, ""},
		{runReadiness, []string{"a-1"}, errors.New("not ready"), "FIX  outboundVoiceProfile"}, // no outbound voice profile, mailbox
		{runReadiness, []string{"a-sea"}, errors.New("not ready"), "ok   site"},               // the site's address is complete
		{runTemplate, []string{"push"}, nil, ""},
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
		case !strings.Contains(stdout.String(), s.wantOut):
			t.Fatalf("step %d %v printed:\n%s\nwant %q in it", i, s.args, stdout.String(), s.wantOut)
		}
	}
	site, err := svc.GetSite(ctx, "sea")
	if err != nil || site.EmergencyCallbackNumber != "+14255550100" || site.Address.PostalCode != "98101" ||
		!slices.Equal(site.Notify, []string{"security@example.com", "frontdesk@example.com"}) {
		t.Fatalf("site = %+v, %v", site, err)
	}
	if n, err := store.GetNumber(ctx, "+14255550002"); err != nil || n.SiteID != "sea" || n.Country != "US" {
		t.Fatalf("number at the site = %+v, %v", n, err)
	}
	// What `sites get` prints, `sites put` reads back unchanged.
	if err := runSites(ctx, []string{"get", "sea"}); err != nil {
		t.Fatal(err)
	}
	printed := filepath.Join(t.TempDir(), "sea.json")
	if err := os.WriteFile(printed, []byte(stdout.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := runSites(ctx, []string{"put", "sea", "-file", printed}); err != nil {
		t.Fatal(err)
	}
	if again, err := svc.GetSite(ctx, "sea"); err != nil || again.Address != site.Address || !slices.Equal(again.Notify, site.Notify) ||
		again.EmergencyCallbackNumber != site.EmergencyCallbackNumber || again.Name != site.Name {
		t.Fatalf("site after get | put = %+v, %v; was %+v", again, err, site)
	}
	// A site in use cannot go; once nothing uses it, it can.
	if _, err := svc.PutAgent(ctx, "a-sea", mayday.Profile{Name: "Sam", Country: "US", BrowserLocation: true}); err != nil {
		t.Fatal(err)
	}
	if err := runNumbers(ctx, []string{"remove", "+14255550002"}); err != nil {
		t.Fatal(err)
	}
	if err := runSites(ctx, []string{"delete", "sea"}); err != nil || !strings.Contains(stdout.String(), "deleted site sea") {
		t.Fatalf("sites delete sea: %v, printed %q", err, stdout.String())
	}
	if _, err := svc.GetSite(ctx, "sea"); !errors.Is(err, mayday.ErrNotFound) {
		t.Fatalf("deleted site still there: %v", err)
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

// TestSiteFile: `sites put` reads the body of PUT /v1/sites/{siteId} through
// the route's own decoder (notify as a string or a list, each address
// validated; an unknown field refused).
func TestSiteFile(t *testing.T) {
	parseSite := func(b []byte, id string) (mayday.Site, error) { return httpapi.DecodeSite(bytes.NewReader(b), id) }
	b, err := os.ReadFile("../../testdata/admin/site.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := parseSite(b, "sea")
	want := mayday.Site{Name: "Seattle HQ", Country: "US",
		Address:                 mayday.Address{HouseNumber: "1", Street: "Main St", City: "Seattle", Region: "WA", PostalCode: "98101", Country: "US"},
		EmergencyCallbackNumber: "+14255550100", Notify: []string{"security@example.com", "frontdesk@example.com"},
		Networks: []string{"10.1.0.0/16"}}
	if err != nil || !reflect.DeepEqual(s, want) {
		t.Fatalf("parseSite(site.json) = %+v, %v\nwant %+v", s, err, want)
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("the sample site does not validate: %v", err)
	}
	// What `sites get` prints reads back as the same site.
	want.ID = "sea"
	out, err := httpapi.EncodeSite(want)
	if err != nil {
		t.Fatal(err)
	}
	if back, err := parseSite(out, "sea"); err != nil || !reflect.DeepEqual(back, s) {
		t.Fatalf("DecodeSite(EncodeSite) = %+v, %v\nfrom:\n%s", back, err, out)
	}
	if back, err := parseSite([]byte(`{"name":" Annex ","country":"US","address":{"street":"2 Main St","city":"Seattle","country":"US"},"notify":["a@example.com"," b@example.com "]}`), "annex"); err != nil ||
		back.Name != "Annex" || !slices.Equal(back.Notify, []string{"a@example.com", "b@example.com"}) || back.EmergencyCallbackNumber != "" {
		t.Fatalf("notify as a list: %+v, %v", back, err)
	}
	for _, bad := range []struct{ body, id, why string }{
		{``, "sea", "empty"},
		{`{"name": "Seattle HQ"`, "sea", "malformed"},
		{`{"name": "x"} {}`, "sea", "data after the object"},
		{`{"name": "x", "address": {"postcode": "98101"}}`, "sea", "postcode"},
		{`{"name": "x", "notify": "security@example.com; nope"}`, "sea", "nope"},
		{`{"name": "x", "notify": 7}`, "sea", "notify"},
		{`{"name": 7}`, "sea", "field name"},
		{`{"siteId": "pdx", "name": "x"}`, "sea", "pdx"},
	} {
		_, err := parseSite([]byte(bad.body), bad.id)
		if !errors.Is(err, mayday.ErrInvalid) || !strings.Contains(err.Error(), bad.why) {
			t.Errorf("parseSite(%s) = %v, want ErrInvalid naming %q", bad.body, err, bad.why)
		}
	}
}
