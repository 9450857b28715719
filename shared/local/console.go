package local

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/console"
	"github.com/mayday/mayday/shared/emailtemplate"
	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/webhooksecret"
)

// mountConsole serves the web console at / and the agent desk at
// /desk/{agentId}, over this runner's own routes.
func (m *Main) mountConsole(mux *http.ServeMux) error {
	// An open desk reads the state route four times a second: through an
	// API of its own that logs no access line (errors still).
	quiet := httpapi.ForUseCases(m.UseCases)
	quiet.AdminGuard, quiet.Clock = httpapi.LoopbackOnly, m.Clock
	quiet.Log = slog.New(warnAndAbove{m.Log.Handler()})
	api, err := quiet.Handler(functions.AdminAPI, functions.AgentState)
	if err != nil {
		return err
	}
	m.consoleStop = make(chan struct{})
	o := console.Options{API: api, Bus: m.Bus, Guard: httpapi.LoopbackOnly, Log: m.Log, EndCall: m.endCall(mux),
		Stop: m.consoleStop}
	switch t := m.Mailer.(type) {
	case *inmem.Outbox:
		o.Templates = outboxTemplates{t}
	case console.Templates: // the SES mailer: the configured endpoint's templates
		o.Templates = t
	}
	return console.Mount(mux, o)
}

// endCall ends a call as the telephony platform does: a signed call.ended
// webhook, served in process.
func (m *Main) endCall(h http.Handler) func(ctx context.Context, agentID, callID string) error {
	return func(ctx context.Context, agentID, callID string) error {
		now := m.Clock.Now().UTC()
		body, err := json.Marshal(map[string]string{"type": "call.ended", "callId": callID, "agentId": agentID,
			"occurredAt": now.Format(time.RFC3339)})
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "/v1/telephony/events", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.RemoteAddr = "127.0.0.1:0"
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(webhooksecret.SignatureHeader, webhooksecret.Sign([]byte(m.Config.Secret), now, body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			return fmt.Errorf("end call %s: webhook answered %d: %s", callID, rec.Code, bytes.TrimSpace(rec.Body.Bytes()))
		}
		return nil
	}
}

// warnAndAbove drops the records below slog.LevelWarn.
type warnAndAbove struct{ slog.Handler }

func (h warnAndAbove) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

func (h warnAndAbove) WithAttrs(as []slog.Attr) slog.Handler {
	return warnAndAbove{h.Handler.WithAttrs(as)}
}

func (h warnAndAbove) WithGroup(name string) slog.Handler {
	return warnAndAbove{h.Handler.WithGroup(name)}
}

// outboxTemplates are the embedded outbox's templates as the console
// edits them.
type outboxTemplates struct{ o *inmem.Outbox }

func (t outboxTemplates) GetTemplate(_ context.Context, name string) (emailtemplate.Template, error) {
	return t.o.Template(name)
}

func (t outboxTemplates) PutTemplate(_ context.Context, tpl emailtemplate.Template) error {
	t.o.PutTemplate(tpl)
	return nil
}

var _ console.Templates = outboxTemplates{}
