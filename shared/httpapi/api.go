// Package httpapi is Mayday's public HTTP contract (docs/openapi.yaml): one
// routing table that the Lambda functions and the local runner both serve.
package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/webhooksecret"
)

// Functions serving the HTTP routes, as package functions names them.
const (
	FnDialDetection   = functions.DialDetection
	FnCallbackRouting = functions.PriorityCallbackRouting
	FnAdmin           = functions.AdminAPI
	FnAgentState      = functions.AgentState
	FnAudit           = functions.AuditAPI
	FnAlertAck        = functions.AlertAck
)

// alsoServedBy lists the routes a function serves besides its own: the
// desktop's read-only state route is served by agent-state too, whose URL
// a desktop's principal may be allowed to invoke without being allowed
// the admin routes' writes (admin-api keeps it, for the console).
var alsoServedBy = map[string][]string{
	FnAgentState: {"GET /v1/agents/{agentId}/state"},
}

// ServedBy reports whether function serves the route.
func (r Route) ServedBy(function string) bool {
	return r.Function == function || slices.Contains(alsoServedBy[function], r.Method+" "+r.Path)
}

// HTTPFunctions lists the functions that serve routes, once each, in the
// order of Routes.
func HTTPFunctions() []string {
	var out []string
	for _, r := range Routes {
		if !slices.Contains(out, r.Function) {
			out = append(out, r.Function)
		}
	}
	for _, fn := range slices.Sorted(maps.Keys(alsoServedBy)) {
		if !slices.Contains(out, fn) {
			out = append(out, fn)
		}
	}
	return out
}

// Access says who may call a route.
type Access int

const (
	// Signed routes are webhooks: HMAC-signed by the telephony platform.
	Signed Access = iota
	// Admin routes are IAM-authorised in AWS and loopback-only locally.
	Admin
	// TwilioSigned routes are Twilio's webhooks, signed with the account's
	// auth token (X-Twilio-Signature); mounted only when one is configured.
	TwilioSigned
	// Audit routes read the emergency record: IAM-authorised in AWS on a
	// function of their own (the audit role only), loopback-only locally.
	Audit
	// AlertLink routes are public: the alert link's signed token, which
	// the handler checks, authorises them (alert-ack's own Function URL,
	// auth NONE, in AWS).
	AlertLink
)

// Route is one entry of the routing table.
type Route struct {
	Method   string
	Path     string
	Function string
	Access   Access
	handle   func(*API, http.ResponseWriter, *http.Request) error
}

// Routes is the routing table.
var Routes = []Route{
	{"POST", "/v1/telephony/events", FnDialDetection, Signed, (*API).callEvent},
	{"POST", "/v1/telephony/inbound", FnCallbackRouting, Signed, (*API).inbound},
	{"GET", "/v1/agents/{agentId}/state", FnAdmin, Admin, (*API).state},
	{"PUT", "/v1/agents/{agentId}", FnAdmin, Admin, (*API).putAgent},
	{"GET", "/v1/agents/{agentId}", FnAdmin, Admin, (*API).getAgent},
	{"PUT", "/v1/agents/{agentId}/presence", FnAdmin, Admin, (*API).putPresence},
	{"GET", "/v1/agents/{agentId}/history", FnAdmin, Admin, (*API).history},
	{"GET", "/v1/agents/{agentId}/readiness", FnAdmin, Admin, (*API).readiness},
	{"PUT", "/v1/agents/{agentId}/location", FnAdmin, Admin, (*API).putLocation},
	{"GET", "/v1/agents/{agentId}/location", FnAdmin, Admin, (*API).getLocation},
	{"DELETE", "/v1/agents/{agentId}/location", FnAdmin, Admin, (*API).deleteLocation},
	{"POST", "/v1/callback-numbers", FnAdmin, Admin, (*API).addNumber},
	{"GET", "/v1/callback-numbers", FnAdmin, Admin, (*API).listNumbers},
	{"DELETE", "/v1/callback-numbers/{number}", FnAdmin, Admin, (*API).removeNumber},
	{"PUT", "/v1/sites/{siteId}", FnAdmin, Admin, (*API).putSite},
	{"GET", "/v1/sites/{siteId}", FnAdmin, Admin, (*API).getSite},
	{"GET", "/v1/sites", FnAdmin, Admin, (*API).listSites},
	{"DELETE", "/v1/sites/{siteId}", FnAdmin, Admin, (*API).deleteSite},
	{"POST", "/v1/twilio/voice", FnDialDetection, TwilioSigned, (*API).twilioVoice},
	{"POST", "/v1/twilio/status", FnDialDetection, TwilioSigned, (*API).twilioStatus},
	{"POST", "/v1/twilio/inbound", FnCallbackRouting, TwilioSigned, (*API).twilioInbound},
	{"GET", "/v1/agents", FnAdmin, Admin, (*API).listAgents},
	{"GET", "/v1/overview", FnAdmin, Admin, (*API).overview},
	{"GET", "/v1/emergencies/{callId}/record", FnAudit, Audit, (*API).emergencyRecord},
	{"GET", "/v1/alerts/{alertId}", FnAlertAck, AlertLink, (*API).showAlert},
	{"POST", "/v1/alerts/{alertId}/ack", FnAlertAck, AlertLink, (*API).ackAlert},
	{"GET", "/v1/alerts", FnAdmin, Admin, (*API).listAlerts},
	{"PUT", "/v1/alerts/{alertId}/acknowledgement", FnAdmin, Admin, (*API).adminAckAlert},
}

// AccessLogMessage is the message of the one access line per request
// (attributes route, status, ms); the stack counts 5xx answers from it.
const AccessLogMessage = "http"

// StatusClientClosed is the status logged for a request its caller
// abandoned (nginx's 499): not a server error.
const StatusClientClosed = 499

// MaxBody is the largest request body accepted (413 beyond).
const MaxBody = 64 << 10

// API serves the routes over the use cases of the functions it serves; a
// function's use case may be nil when its routes are not mounted.
type API struct {
	DialDetection           *mayday.DialDetection
	PriorityCallbackRouting *mayday.PriorityCallbackRouting
	AdminAPI                *mayday.AdminAPI
	AuditAPI                *mayday.AuditAPI
	// AlertAck serves the alert routes: alert-ack's public ones and the
	// console's (admin-api); AlertLimiter, when set, rate-limits the
	// public ones.
	AlertAck     *mayday.AlertAck
	AlertLimiter *AlertLimiter
	// Secrets supplies, per request, the secrets a webhook signature may be
	// made with (Secrets Manager in AWS, with the previous secret during a
	// rotation window; plain values locally).
	Secrets webhooksecret.Source
	// AdminGuard authorises admin routes; nil allows all (in AWS the
	// function URL's IAM auth has already run). Locally: LoopbackOnly.
	AdminGuard func(*http.Request) error
	// AuditGuard authorises the audit routes, as AdminGuard the admin ones.
	AuditGuard func(*http.Request) error
	// Clock checks signature ages (default: the wall clock); Log gets one
	// access line per request (default: slog.Default()).
	Clock mayday.Clock
	Log   *slog.Logger

	// TwilioAuthToken supplies the Twilio account's auth tokens, current
	// first (several during a rotation); nil: the Twilio routes are not
	// served. TwilioAccountSID, when set, is the only account accepted;
	// TwilioOrdinaryURL is where ordinary calls are redirected;
	// TwilioPublicURL, when set, is the base URL Twilio calls (a tunnel or
	// proxy), over which signatures are checked.
	TwilioAuthToken   webhooksecret.Source
	TwilioAccountSID  string
	TwilioOrdinaryURL string
	TwilioPublicURL   string
}

// ForUseCases is the API of every function over one set of use cases, for
// the local runner and tests; set the secret and guard on it.
func ForUseCases(u mayday.UseCases) *API {
	return &API{DialDetection: u.DialDetection, PriorityCallbackRouting: u.PriorityCallbackRouting, AdminAPI: u.AdminAPI,
		AuditAPI: u.AuditAPI, AlertAck: u.AlertAck, AlertLimiter: DefaultAlertLimiter()}
}

// Handler serves the routes of the given functions, or all when none given.
func (a *API) Handler(functions ...string) (http.Handler, error) {
	mux := http.NewServeMux()
	if err := a.Mount(mux, functions...); err != nil {
		return nil, err
	}
	return mux, nil
}

// Mount adds the routes of the given functions (all when none) to mux. It
// fails, mounting nothing, when a served function's use case or the webhook
// secret is missing: a wiring bug shows at start, not at the first call.
func (a *API) Mount(mux *http.ServeMux, functions ...string) error {
	if a.Clock == nil {
		a.Clock = mayday.SystemClock{}
	}
	if a.Log == nil {
		a.Log = slog.Default()
	}
	var serve []Route
	var lacks []string
	for _, r := range Routes {
		if len(functions) > 0 && !slices.ContainsFunc(functions, r.ServedBy) {
			continue
		}
		if r.Access == TwilioSigned && a.TwilioAuthToken == nil {
			continue // no Twilio account configured: its routes are not served
		}
		if r.Access == Audit && a.AuditAPI == nil && len(functions) == 0 {
			continue // no emergency record kept: its route is not served
		}
		serve = append(serve, r)
		if !a.serves(r.Function) {
			lacks = append(lacks, "the "+r.Function+" use case")
		}
		if strings.HasPrefix(r.Path, "/v1/alerts") && a.AlertAck == nil {
			lacks = append(lacks, "the "+FnAlertAck+" use case")
		}
		if r.Access == Signed && a.Secrets == nil {
			lacks = append(lacks, "the webhook secret")
		}
	}
	if slices.Sort(lacks); len(lacks) > 0 {
		return fmt.Errorf("httpapi: %w: %s", mayday.ErrMissingDependency, strings.Join(slices.Compact(lacks), ", "))
	}
	for _, r := range serve {
		mux.Handle(r.Method+" "+r.Path, a.wrap(r))
	}
	return nil
}

// serves reports whether the function's use case is set.
func (a *API) serves(function string) bool {
	switch function {
	case FnDialDetection:
		return a.DialDetection != nil
	case FnCallbackRouting:
		return a.PriorityCallbackRouting != nil
	case FnAdmin:
		return a.AdminAPI != nil
	case FnAudit:
		return a.AuditAPI != nil
	case FnAlertAck:
		return a.AlertAck != nil
	}
	return false
}

// wrap applies, in order: body limit, authentication, the handler, error
// mapping and one access log line (ids only, no personal data).
func (a *API) wrap(r Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		err := a.serve(r, rec, req)
		if err != nil {
			WriteError(rec, err, a.Log)
		}
		a.Log.Info(AccessLogMessage, "route", r.Method+" "+r.Path, "status", rec.status,
			"ms", float64(time.Since(start).Microseconds())/1000)
	})
}

func (a *API) serve(r Route, w http.ResponseWriter, req *http.Request) error {
	if req.ContentLength > MaxBody {
		return errTooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, MaxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return errTooLarge
	} else if err != nil {
		return fmt.Errorf("%w: reading body: %v", mayday.ErrInvalid, err)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	switch r.Access {
	case Signed:
		secrets, err := a.Secrets(req.Context())
		if err != nil {
			return fmt.Errorf("%w: %w", mayday.ErrUnavailable, err)
		}
		if err := webhooksecret.VerifyAny(secrets, req.Header.Get(webhooksecret.SignatureHeader), body, a.Clock.Now()); err != nil {
			return fmt.Errorf("%w: %w", errUnauthorized, err)
		}
	case TwilioSigned:
		if err := a.verifyTwilio(req, body); err != nil {
			return err
		}
	case Admin:
		if a.AdminGuard != nil {
			if err := a.AdminGuard(req); err != nil {
				return fmt.Errorf("%w: %w", errForbidden, err)
			}
		}
	case Audit:
		if a.AuditGuard != nil {
			if err := a.AuditGuard(req); err != nil {
				return fmt.Errorf("%w: %w", errForbidden, err)
			}
		}
	}
	return r.handle(a, w, req)
}

// LoopbackOnly refuses requests that do not come from this machine.
func LoopbackOnly(r *http.Request) error {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return errors.New("admin routes are loopback-only when run locally")
	}
	return nil
}

var (
	errUnauthorized = errors.New("unauthorized")
	errForbidden    = errors.New("forbidden")
	errTooLarge     = fmt.Errorf("request body larger than %d KiB", MaxBody>>10)
	// errUnsupportedType: a body in a format the route does not read.
	errUnsupportedType = errors.New("unsupported content type; send application/json (or, to acknowledge an alert, a form)")
)

// WriteError maps an error to its status and a JSON body {"error": "..."}:
// the one place domain errors become HTTP statuses.
func WriteError(w http.ResponseWriter, err error, log *slog.Logger) {
	status := http.StatusInternalServerError
	msg := err.Error()
	switch {
	case errors.Is(err, errTooLarge):
		status = http.StatusRequestEntityTooLarge
	case errors.Is(err, errUnauthorized), errors.Is(err, mayday.ErrAlertTokenInvalid):
		status = http.StatusUnauthorized
	case errors.Is(err, errForbidden), errors.Is(err, mayday.ErrAlertTokenExpired):
		status = http.StatusForbidden
	case errors.Is(err, errUnsupportedType):
		status = http.StatusUnsupportedMediaType
	case errors.As(err, new(*RateLimitedError)):
		status = http.StatusTooManyRequests
	case errors.Is(err, mayday.ErrInvalid):
		status = http.StatusBadRequest
	case errors.Is(err, mayday.ErrNotFound):
		status = http.StatusNotFound
		// The missing thing named once, not once per layer.
		if nf := (*mayday.NotFoundError)(nil); errors.As(err, &nf) {
			msg = nf.Error()
		}
	case errors.Is(err, context.Canceled):
		// The caller went away (a state stream closed): not a failure of
		// ours, and no one reads the answer.
		status, msg = StatusClientClosed, "request canceled by the client"
	case errors.Is(err, mayday.ErrConflict):
		status = http.StatusConflict
	case errors.Is(err, errNotConfigured):
		status = http.StatusServiceUnavailable
	case errors.Is(err, mayday.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		status, msg = http.StatusServiceUnavailable, "temporarily unavailable; retry"
	default:
		msg = "internal error"
	}
	if status >= 500 {
		log.Error("request failed", "status", status, "err", err)
	}
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decodeJSON reads a webhook's JSON object body, naming what is wrong with
// it: the platforms add fields, which are skipped.
func decodeJSON(r *http.Request, v any) error { return decode(r.Body, v, false) }

// decodeAdmin reads an admin route's JSON object body: an unknown field is
// refused (a misspelt one would otherwise be dropped silently).
func decodeAdmin(r *http.Request, v any) error { return decode(r.Body, v, true) }

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}
