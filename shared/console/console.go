// Package console is the operators' web console and the agent desktop
// panel: static pages and plain web components embedded in the binary (no
// CDN, no build step), plus the few routes the pages need beside the admin
// API — the panel's state stream, the template editor's preview and push,
// and, locally, the bus's events and dead letters with replay.
//
// The console reads and writes through the admin routes (/v1/...) of the
// server it is mounted on: the local runner's own, or `mayday console`'s
// signing proxy to a deployed stack's admin Function URL.
package console

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/mayday/mayday/shared/emailtemplate"
	"github.com/mayday/mayday/shared/emailtemplate/render"
	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/localbus"
	"github.com/mayday/mayday/shared/mayday"
)

//go:embed web
var web embed.FS

// assets are the console's static files: console.html, desk.html,
// security.html and the scripts and styles they load, mayday-panel.js
// (the embeddable panel) among them.
func assets() fs.FS {
	sub, err := fs.Sub(web, "web")
	if err != nil {
		panic(err) // cannot happen: web is embedded
	}
	return sub
}

// Templates reads and writes the stored email templates: the local
// outbox's, or SES's (what `mayday template push` writes).
type Templates interface {
	GetTemplate(ctx context.Context, name string) (emailtemplate.Template, error)
	PutTemplate(ctx context.Context, t emailtemplate.Template) error
}

// Bus is the local bus as the console shows it.
type Bus interface {
	Events() []json.RawMessage
	DeadLetters() []localbus.DeadLetter
	Replay(id string) error
}

// Options are what the console is served over. API is required; a nil
// Templates, Bus or EndCall leaves that part of the console out.
type Options struct {
	// API serves the admin routes, in process: the console's stream reads
	// the state route through it.
	API       http.Handler
	Templates Templates
	Bus       Bus
	// EndCall ends an agent's call as the telephony platform would (the
	// local runner sends a signed call.ended webhook): the local desk's
	// End call button. Without it the button only emits its event.
	EndCall func(ctx context.Context, agentID, callID string) error
	// Guard authorises the console's own routes (locally: loopback only).
	Guard func(*http.Request) error
	// StatePoll is how often a state stream re-reads the state route
	// (default 250ms: a change shows within a second).
	StatePoll time.Duration
	// StreamFor bounds one state stream; the browser reconnects (default 5m).
	StreamFor time.Duration
	// MaxStreams bounds the streams open at once (default 64).
	MaxStreams int
	// Stop, closed, ends the open streams: the server is shutting down
	// (http.Server.Shutdown waits for requests, and a stream never ends).
	Stop <-chan struct{}
	Log  *slog.Logger
}

// Mount adds the console's pages and routes to mux: /, /desk/security,
// /desk/{agentId}, /assets/, and /console/....
func Mount(mux *http.ServeMux, o Options) error {
	if o.API == nil {
		return fmt.Errorf("console: %w: the admin API", mayday.ErrMissingDependency)
	}
	if o.StatePoll <= 0 {
		o.StatePoll = 250 * time.Millisecond
	}
	if o.StreamFor <= 0 {
		o.StreamFor = 5 * time.Minute
	}
	if o.MaxStreams <= 0 {
		o.MaxStreams = 64
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	s := &server{Options: o}
	static := assets()
	page := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, err := fs.ReadFile(static, name)
			if err != nil {
				http.Error(w, "not found", http.StatusNotFound)
				return
			}
			secureHeaders(w)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write(b)
		})
	}
	files := http.StripPrefix("/assets/", http.FileServerFS(static))
	mux.Handle("GET /{$}", page("console.html"))
	mux.Handle("GET /desk/{agentId}", page("desk.html"))
	// The security desk: the live alerts and their alarm. The more specific
	// pattern wins, so an agent whose id is "security" has no desk page at
	// this path (its state routes are unaffected).
	mux.Handle("GET /desk/security", page("security.html"))
	mux.Handle("GET /assets/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secureHeaders(w)
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	}))
	mux.Handle("GET /console/config", s.route(s.config))
	mux.Handle("GET /console/agents/{agentId}/state/stream", s.route(s.stream))
	mux.Handle("POST /console/agents/{agentId}/end-call", s.route(s.endCall))
	mux.Handle("GET /console/template", s.route(s.getTemplate))
	mux.Handle("PUT /console/template", s.route(s.putTemplate))
	mux.Handle("POST /console/template/preview", s.route(s.preview))
	mux.Handle("GET /console/overview", s.route(s.overview))
	mux.Handle("GET /console/events", s.route(s.events))
	mux.Handle("GET /console/dead-letters", s.route(s.deadLetters))
	mux.Handle("POST /console/dead-letters/{id}/replay", s.route(s.replay))
	return nil
}

// secureHeaders keep the pages to their own assets: nothing is loaded
// from elsewhere, and no other site may frame them.
func secureHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-src 'self'; frame-ancestors 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

type server struct {
	Options
	streams atomic.Int64
}

var (
	errNotHere   = errors.New("not available in this console")
	errForbidden = errors.New("forbidden")
	// ErrContentType is a body that is not JSON (415): a cross-site form
	// cannot send JSON without a CORS preflight.
	ErrContentType = errors.New("unsupported media type")
)

// route applies the guard and same-origin check, and maps errors to a
// JSON body as the admin routes do.
func (s *server) route(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := SameOrigin(r)
		if err == nil && s.Guard != nil {
			err = s.Guard(r)
		}
		if err != nil && !errors.Is(err, ErrContentType) {
			err = fmt.Errorf("%w: %w", errForbidden, err)
		}
		if err == nil {
			r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
			err = h(w, r)
		}
		if err == nil {
			return
		}
		status := http.StatusInternalServerError
		msg := err.Error()
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			status, msg = http.StatusRequestEntityTooLarge, "request body too large"
		case errors.Is(err, ErrContentType):
			status = http.StatusUnsupportedMediaType
		case errors.Is(err, errForbidden):
			status = http.StatusForbidden
		case errors.Is(err, errNotHere), errors.Is(err, mayday.ErrNotFound), errors.Is(err, localbus.ErrNoDeadLetter):
			status = http.StatusNotFound
		case errors.Is(err, mayday.ErrInvalid):
			status = http.StatusBadRequest
		default:
			s.Log.Error("console request failed", "path", r.URL.Path, "err", err)
			msg = "internal error"
		}
		writeJSON(w, status, map[string]string{"error": msg})
	})
}

// SameOrigin refuses a browser request another site's page sent: a
// request that changes something must carry JSON (so a cross-site form
// cannot send it without a CORS preflight, which no route answers), and an
// Origin header, when the browser sends one, must be this server's.
func SameOrigin(r *http.Request) error {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return fmt.Errorf("origin %q is not this console", o)
		}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.ContentLength != 0 {
		if ct := r.Header.Get("Content-Type"); ct != "application/json" && !bytes.HasPrefix([]byte(ct), []byte("application/json;")) {
			return fmt.Errorf("%w: content type %q: want application/json", ErrContentType, ct)
		}
	}
	return nil
}

func (s *server) config(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]bool{
		"local": s.Bus != nil, "templates": s.Templates != nil, "endCall": s.EndCall != nil})
	return nil
}

// readState reads the state route through the API.
func (s *server) readState(ctx context.Context, r *http.Request, id string) (int, []byte) {
	return s.read(ctx, r, "/v1/agents/"+url.PathEscape(id)+"/state")
}

// read GETs an admin route through the API, in process, as the caller
// asked it (so the API's own guard sees the caller's address).
func (s *server) read(ctx context.Context, r *http.Request, path string) (int, []byte) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, path, http.NoBody)
	if err != nil {
		return http.StatusBadRequest, nil
	}
	req.RemoteAddr, req.Host = r.RemoteAddr, r.Host
	rec := httptest.NewRecorder()
	s.API.ServeHTTP(rec, req)
	return rec.Code, bytes.TrimSpace(rec.Body.Bytes())
}

// stream pushes the agent's state as server-sent events: one "state"
// event now and one on every change, read every StatePoll. A failed read
// is an "error" event with the status; the stream goes on, since an agent
// may be created meanwhile. It ends after StreamFor; EventSource
// reconnects by itself.
func (s *server) stream(w http.ResponseWriter, r *http.Request) error {
	flusher, ok := w.(http.Flusher)
	if !ok {
		return errors.New("stream: response cannot be flushed")
	}
	if n := s.streams.Add(1); n > int64(s.MaxStreams) {
		s.streams.Add(-1)
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "too many state streams; poll the state route"})
		return nil
	}
	defer s.streams.Add(-1)
	id := r.PathValue("agentId")
	ctx, cancel := context.WithTimeout(r.Context(), s.StreamFor)
	defer cancel()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "retry: 1000\n\n")
	flusher.Flush()
	var last []byte
	lastStatus := 0
	tick := time.NewTicker(s.StatePoll)
	defer tick.Stop()
	keepAlive := time.NewTicker(15 * time.Second)
	defer keepAlive.Stop()
	for {
		readCtx, done := context.WithTimeout(ctx, 5*time.Second)
		status, body := s.readState(readCtx, r, id)
		done()
		if ctx.Err() != nil {
			return nil
		}
		if status != lastStatus || !bytes.Equal(body, last) {
			event, data := "state", body
			if status != http.StatusOK {
				event = "error"
				data, _ = json.Marshal(map[string]any{"status": status, "body": json.RawMessage(orNull(body))})
			}
			if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, data); err != nil {
				return nil // the browser went away
			}
			flusher.Flush()
			last, lastStatus = body, status
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.Stop: // nil: never
			return nil
		case <-keepAlive.C:
			if _, err := io.WriteString(w, ": keep-alive\n\n"); err != nil {
				return nil
			}
			flusher.Flush()
		case <-tick.C:
		}
	}
}

func orNull(b []byte) []byte {
	if json.Valid(b) {
		return b
	}
	return []byte("null")
}

func (s *server) endCall(w http.ResponseWriter, r *http.Request) error {
	if s.EndCall == nil {
		return fmt.Errorf("end call: %w", errNotHere)
	}
	var req struct {
		CallID string `json:"callId"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.CallID == "" {
		return fmt.Errorf("%w: want {\"callId\": \"...\"}", mayday.ErrInvalid)
	}
	if err := s.EndCall(r.Context(), r.PathValue("agentId"), req.CallID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// templateView is the editor's template: its three parts.
type templateView struct {
	Name    string `json:"name"`
	Subject string `json:"subject"`
	HTML    string `json:"html"`
	Text    string `json:"text"`
}

func (s *server) getTemplate(w http.ResponseWriter, r *http.Request) error {
	if s.Templates == nil {
		return fmt.Errorf("template: %w", errNotHere)
	}
	t, err := s.Templates.GetTemplate(r.Context(), mayday.TemplateName)
	if errors.Is(err, mayday.ErrNotFound) {
		t, err = emailtemplate.Default(), nil // none stored yet: start from the shipped one
	}
	if err != nil {
		return fmt.Errorf("template %s: %w", mayday.TemplateName, err)
	}
	writeJSON(w, http.StatusOK, templateView{Name: t.Name, Subject: t.Subject, HTML: t.HTML, Text: t.Text})
	return nil
}

func decodeTemplate(r *http.Request) (emailtemplate.Template, error) {
	var v templateView
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return emailtemplate.Template{}, fmt.Errorf("%w: template: %w", mayday.ErrInvalid, err)
	}
	if v.Name != "" && v.Name != mayday.TemplateName {
		return emailtemplate.Template{}, fmt.Errorf("%w: template %q: only %s is used", mayday.ErrInvalid, v.Name, mayday.TemplateName)
	}
	t := emailtemplate.Template{Name: mayday.TemplateName, Subject: v.Subject, HTML: v.HTML, Text: v.Text}
	// The preview would look safe where SES, which escapes nothing, is not.
	if err := t.Check(); err != nil {
		return emailtemplate.Template{}, fmt.Errorf("template: %w", err)
	}
	return t, nil
}

// sample is the template data the preview renders with: a call as the
// notification would describe it.
func sample() map[string]string {
	started := time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)
	return emailtemplate.TemplateData(mayday.NotificationData{
		AgentName: "Ada Agent", AgentEmail: "ada@example.com", AgentID: "a-1", DialedNumber: "9-911",
		Country: "US", Location: "Building 4, floor 2", SiteName: "Seattle HQ",
		Address: "1 Main St, Seattle, WA 98101, US", CallbackNumber: "+14255550001",
		CallbackExpiresAt: started.Add(time.Hour), StartedAt: started, CallID: "c-1",
	}.Map())
}

// preview renders a posted template with the sample data, with the
// renderer the outbox uses; a template that does not render is a 400
// saying where.
func (s *server) preview(w http.ResponseWriter, r *http.Request) error {
	t, err := decodeTemplate(r)
	if err != nil {
		return err
	}
	out, err := render.Preview(t, sample())
	if err != nil {
		return fmt.Errorf("%w: %v", mayday.ErrInvalid, err)
	}
	writeJSON(w, http.StatusOK, map[string]string{"subject": out.Subject, "html": out.HTML, "text": out.Text})
	return nil
}

// putTemplate pushes the template as `mayday template push` does, once it
// renders.
func (s *server) putTemplate(w http.ResponseWriter, r *http.Request) error {
	if s.Templates == nil {
		return fmt.Errorf("template: %w", errNotHere)
	}
	t, err := decodeTemplate(r)
	if err != nil {
		return err
	}
	if _, err := render.Preview(t, sample()); err != nil {
		return fmt.Errorf("%w: template does not render: %v", mayday.ErrInvalid, err)
	}
	if err := s.Templates.PutTemplate(r.Context(), t); err != nil {
		return fmt.Errorf("push template %s: %w", t.Name, err)
	}
	s.Log.Info("email template pushed", "template", t.Name)
	writeJSON(w, http.StatusOK, templateView{Name: t.Name, Subject: t.Subject, HTML: t.HTML, Text: t.Text})
	return nil
}

// recentEvents is how many of the newest events the overview carries.
const recentEvents = 50

// overview is the console's one poll: the admin API's overview (one admin
// call, whatever the number of agents) and, locally, the bus's newest
// events and its dead letters. It carries an ETag: an unchanged answer is
// a 304 with no body.
func (s *server) overview(w http.ResponseWriter, r *http.Request) error {
	status, body := s.read(r.Context(), r, "/v1/overview")
	if status != http.StatusOK {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
		return nil
	}
	var out map[string]json.RawMessage
	if err := json.Unmarshal(body, &out); err != nil {
		return fmt.Errorf("overview: %w", err)
	}
	if s.Bus != nil {
		evs := s.Bus.Events()
		evs = evs[:min(len(evs), recentEvents)]
		var err error
		if out["events"], err = json.Marshal(evs); err != nil {
			return fmt.Errorf("overview: events: %w", err)
		}
		if out["deadLetters"], err = json.Marshal(s.Bus.DeadLetters()); err != nil {
			return fmt.Errorf("overview: dead letters: %w", err)
		}
	}
	return httpapi.WriteJSONTagged(w, r, out)
}

func (s *server) events(w http.ResponseWriter, r *http.Request) error {
	if s.Bus == nil {
		return fmt.Errorf("events: %w", errNotHere)
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": s.Bus.Events()})
	return nil
}

func (s *server) deadLetters(w http.ResponseWriter, r *http.Request) error {
	if s.Bus == nil {
		return fmt.Errorf("dead letters: %w", errNotHere)
	}
	writeJSON(w, http.StatusOK, map[string]any{"deadLetters": s.Bus.DeadLetters()})
	return nil
}

func (s *server) replay(w http.ResponseWriter, r *http.Request) error {
	if s.Bus == nil {
		return fmt.Errorf("replay: %w", errNotHere)
	}
	id := r.PathValue("id")
	if err := s.Bus.Replay(id); err != nil {
		return err
	}
	s.Log.Info("dead letter replayed", "deadLetter", id)
	writeJSON(w, http.StatusAccepted, map[string]string{"replayed": id})
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
