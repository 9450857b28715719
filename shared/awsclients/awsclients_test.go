package awsclients_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/mayday/mayday/shared/awsclients"
	"github.com/mayday/mayday/shared/emailtemplate"
	"github.com/mayday/mayday/shared/mayday"
)

// fakeSES keeps email templates as SES v2's template API does (its REST
// JSON wire contract) and records the writes.
type fakeSES struct {
	mu        sync.Mutex
	templates map[string]json.RawMessage // name: TemplateContent
	writes    []string
}

func (f *fakeSES) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fail := func(status int, typ string) {
		w.Header().Set("X-Amzn-ErrorType", typ)
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"message":%q}`, typ)
	}
	var in struct {
		TemplateName    string
		TemplateContent json.RawMessage
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	name, _ := strings.CutPrefix(r.URL.Path, "/v2/email/templates/")
	switch {
	case r.Method == "GET" && name != "":
		c, ok := f.templates[name]
		if !ok {
			fail(404, "NotFoundException")
			return
		}
		fmt.Fprintf(w, `{"TemplateName":%q,"TemplateContent":%s}`, name, c)
	case r.Method == "POST" && r.URL.Path == "/v2/email/templates":
		if _, ok := f.templates[in.TemplateName]; ok {
			fail(400, "AlreadyExistsException")
			return
		}
		f.templates[in.TemplateName] = in.TemplateContent
		f.writes = append(f.writes, "create "+in.TemplateName)
		fmt.Fprint(w, `{}`)
	case r.Method == "PUT" && name != "":
		if _, ok := f.templates[name]; !ok {
			fail(404, "NotFoundException")
			return
		}
		f.templates[name] = in.TemplateContent
		f.writes = append(f.writes, "update "+name)
		fmt.Fprint(w, `{}`)
	default:
		_, _ = io.Copy(io.Discard, r.Body)
		fail(400, "BadRequestException")
	}
}

// mayday local -mailer ses creates Mayday's template when SES has none,
// and leaves one an operator customised, unless told to replace it.
func TestEnsureMailerKeepsACustomisedTemplate(t *testing.T) {
	custom := `{"Subject":"Custom {{agentName}}","Html":"<p>ours</p>","Text":"ours"}`
	cases := []struct {
		name    string
		stored  string // "" for none
		replace bool
		kept    bool
		subject string
		writes  string
	}{
		{name: "none stored: created", subject: emailtemplate.Default().Subject, writes: "[create " + mayday.TemplateName + "]"},
		{name: "customised: kept", stored: custom, kept: true, subject: "Custom {{agentName}}", writes: "[]"},
		{name: "customised, replace asked: replaced", stored: custom, replace: true, subject: emailtemplate.Default().Subject,
			writes: "[update " + mayday.TemplateName + "]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeSES{templates: map[string]json.RawMessage{}}
			if tc.stored != "" {
				f.templates[mayday.TemplateName] = json.RawMessage(tc.stored)
			}
			srv := httptest.NewServer(f)
			t.Cleanup(srv.Close)
			c := awsclients.Clients{SES: sesv2.New(sesv2.Options{BaseEndpoint: aws.String(srv.URL), Region: "us-east-1",
				Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")})}
			m, kept, err := awsclients.EnsureMailer(context.Background(), c, "mayday@example.com", tc.replace)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.GetTemplate(context.Background(), mayday.TemplateName)
			if err != nil {
				t.Fatal(err)
			}
			if kept != tc.kept || got.Subject != tc.subject || fmt.Sprint(f.writes) != tc.writes {
				t.Fatalf("kept %v, subject %q, writes %v; want kept %v, subject %q, writes %s", kept, got.Subject, f.writes,
					tc.kept, tc.subject, tc.writes)
			}
		})
	}
}
