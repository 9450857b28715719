package sesmailer_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/mayday/mayday/shared/awsclients"
	"github.com/mayday/mayday/shared/emailtemplate"
	"github.com/mayday/mayday/shared/emailtemplate/render"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/sesmailer"
	"github.com/mayday/mayday/shared/testkit/integration"
	"github.com/mayday/mayday/shared/testkit/mailertest"
)

// endpoint returns the SES emulator's endpoint (AWS_ENDPOINT_URL_SESV2),
// skipping the test when it is unset — or failing it when
// MAYDAY_REQUIRE_INTEGRATION=1 (see package integration).
func endpoint(t *testing.T) string {
	t.Helper()
	return strings.TrimRight(integration.Endpoint(t, "AWS_ENDPOINT_URL_SESV2"), "/")
}

func client(t *testing.T) *sesv2.Client {
	t.Helper()
	cfg, err := awsclients.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return sesv2.NewFromConfig(cfg)
}

// emulator talks to aws-ses-v2-local's own store API. The emulator is
// shared with every other test package running at the same time, so nothing
// clears it: each case sends from its own address and reads back only what
// came from there.
type emulator struct {
	ep   string
	from string
}

var senders atomic.Int64

// fresh returns the emulator view of a new, unique sender.
func (e emulator) fresh() emulator {
	e.from = fmt.Sprintf("mayday-%d-%d@example.com", os.Getpid(), senders.Add(1))
	return e
}

func (e emulator) sent(t *testing.T) []mailertest.Received {
	t.Helper()
	resp, err := http.Get(e.ep + "/store")
	if err != nil {
		t.Fatalf("read store: %v", err)
	}
	defer resp.Body.Close()
	var store struct {
		Emails []struct {
			From        string `json:"from"`
			Destination struct {
				To []string `json:"to"`
			} `json:"destination"`
			Subject string `json:"subject"`
			Body    struct {
				Text string `json:"text"`
				HTML string `json:"html"`
			} `json:"body"`
		} `json:"emails"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&store); err != nil {
		t.Fatalf("decode store: %v", err)
	}
	var out []mailertest.Received
	for _, m := range store.Emails {
		if m.From != e.from {
			continue
		}
		out = append(out, mailertest.Received{To: m.Destination.To, Subject: m.Subject, Text: m.Body.Text, HTML: m.Body.HTML})
	}
	return out
}

func TestSESMailerContract(t *testing.T) {
	emu := emulator{ep: endpoint(t)}
	c := client(t)
	mailertest.Run(t, mailertest.Harness{
		New: func(t *testing.T) mayday.Mailer {
			emu = emu.fresh()
			m := sesmailer.New(c, emu.from, "")
			if err := m.PutTemplate(context.Background(), emailtemplate.Default()); err != nil {
				t.Fatalf("PutTemplate: %v", err)
			}
			return m
		},
		Sent: func(t *testing.T) []mailertest.Received { return emu.sent(t) },
	})
}

func TestSESTemplates(t *testing.T) {
	emu := emulator{ep: endpoint(t)}.fresh()
	ctx := context.Background()
	m := sesmailer.New(client(t), emu.from, "mayday-config")

	if _, err := m.GetTemplate(ctx, "Missing"); !errors.Is(err, mayday.ErrNotFound) {
		t.Fatalf("GetTemplate(missing) = %v, want ErrNotFound", err)
	}
	want := emailtemplate.Template{Name: "MaydayTest", Subject: "Hi {{{agentName}}}", HTML: "<p>{{{agentNameHtml}}}</p>", Text: "{{{agentName}}}"}
	if err := m.PutTemplate(ctx, want); err != nil { // creates
		t.Fatalf("PutTemplate (create): %v", err)
	}
	want.Subject = "Hello {{{agentName}}}"
	if err := m.PutTemplate(ctx, want); err != nil { // updates
		t.Fatalf("PutTemplate (update): %v", err)
	}
	got, err := m.GetTemplate(ctx, want.Name)
	if err != nil {
		t.Fatalf("GetTemplate: %v", err)
	}
	if got != want {
		t.Errorf("GetTemplate = %+v, want %+v", got, want)
	}
	// A template edited in SES (as operators do) is what Send uses; its HTML
	// part reads the escaped twin of the variable.
	if err := m.Send(ctx, mayday.Email{To: []string{"a@example.com"}, Template: want.Name,
		Data: map[string]string{"agentName": "A & B"}}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	sent := emu.sent(t)
	if len(sent) != 1 || sent[0].Subject != "Hello A & B" || sent[0].HTML != "<p>A &amp; B</p>" || sent[0].Text != "A & B" {
		t.Errorf("sent %+v", sent)
	}
}

// TestEmulatorRendering checks that aws-ses-v2-local, given the default
// template and TemplateData as Send builds it, renders exactly what the
// embedded outbox renders: the two mailers cannot drift.
func TestEmulatorRendering(t *testing.T) {
	ep := endpoint(t)
	ctx := context.Background()
	c := client(t)
	def := emailtemplate.Default()
	plain := mailertest.Data()
	plain["location"] = "Building 4, floor 2"
	noLocation := mailertest.Data()
	delete(noLocation, "location")
	delete(noLocation, "callbackExpiresAt")
	special := mailertest.Data()
	special["agentName"] = "Dana\r\nBcc: x@example.com"

	for _, tc := range []struct {
		name string
		data map[string]string
	}{{"plain", plain}, {"no location", noLocation}, {"special", special}} {
		t.Run(tc.name, func(t *testing.T) {
			emu := emulator{ep: ep}.fresh()
			if err := sesmailer.New(c, emu.from, "").PutTemplate(ctx, def); err != nil {
				t.Fatalf("PutTemplate: %v", err)
			}
			b, _ := json.Marshal(emailtemplate.TemplateData(tc.data))
			_, err := c.SendEmail(ctx, &sesv2.SendEmailInput{
				FromEmailAddress: aws.String(emu.from),
				Destination:      &types.Destination{ToAddresses: []string{"sup@example.com"}},
				Content: &types.EmailContent{Template: &types.Template{
					TemplateName: aws.String(def.Name), TemplateData: aws.String(string(b))}},
			})
			if err != nil {
				t.Fatalf("SendEmail: %v", err)
			}
			sent := emu.sent(t)
			if len(sent) != 1 {
				t.Fatalf("sent %d", len(sent))
			}
			want, err := render.Render(def, emailtemplate.TemplateData(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			got := sent[0]
			if got.Text != want.Text {
				t.Errorf("text differs:\nemulator: %q\nraymond:  %q", got.Text, want.Text)
			}
			if got.HTML != want.HTML {
				t.Errorf("html differs:\nemulator: %q\nraymond:  %q", got.HTML, want.HTML)
			}
			if got.Subject != want.Subject {
				t.Errorf("subject differs: emulator %q, raymond %q", got.Subject, want.Subject)
			}
		})
	}
}
