package httpapi

import (
	"cmp"
	"errors"
	"fmt"
	"html"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mayday/mayday/shared/mayday"
	"golang.org/x/time/rate"
)

// AlertView is an alert as the alert routes show it (JSON).
type AlertView struct {
	AlertID         string     `json:"alertId"`
	CallID          string     `json:"callId"`
	SiteID          string     `json:"siteId,omitempty"`
	Tier            string     `json:"tier"`
	Test            bool       `json:"test"`
	Heading         string     `json:"heading"`
	At              time.Time  `json:"at"`
	AgentID         string     `json:"agentId"`
	AgentName       string     `json:"agentName,omitempty"`
	DialedNumber    string     `json:"dialedNumber"`
	EmergencyNumber string     `json:"emergencyNumber,omitempty"`
	CallerID        string     `json:"callerId,omitempty"`
	CallerIDSource  string     `json:"callerIdSource,omitempty"`
	SiteName        string     `json:"siteName,omitempty"`
	Address         string     `json:"address,omitempty"`
	Detail          string     `json:"detail,omitempty"`
	SentAt          time.Time  `json:"sentAt"`
	ExpiresAt       time.Time  `json:"expiresAt"`
	Acknowledged    bool       `json:"acknowledged"`
	AcknowledgedBy  string     `json:"acknowledgedBy,omitempty"`
	AcknowledgedAt  *time.Time `json:"acknowledgedAt,omitempty"`
	EscalatedAt     *time.Time `json:"escalatedAt,omitempty"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func viewAlert(a mayday.Alert) AlertView {
	return AlertView{AlertID: a.ID, CallID: a.CallID, SiteID: a.SiteID, Tier: a.Tier, Test: a.Test, Heading: a.Heading(),
		At: a.At.UTC(), AgentID: a.AgentID, AgentName: a.AgentName, DialedNumber: a.DialedNumber,
		EmergencyNumber: a.EmergencyNumber, CallerID: a.CallerID, CallerIDSource: a.CallerIDSource, SiteName: a.SiteName,
		Address: a.Address, Detail: a.Detail, SentAt: a.SentAt.UTC(), ExpiresAt: a.ExpiresAt.UTC(),
		Acknowledged: a.Acknowledged(), AcknowledgedBy: a.AcknowledgedBy, AcknowledgedAt: optTime(a.AcknowledgedAt),
		EscalatedAt: optTime(a.EscalatedAt)}
}

// AckView answers an acknowledgement: the alert, and whether this one was
// the first (false: acknowledgedBy and acknowledgedAt name the first).
type AckView struct {
	First bool      `json:"first"`
	Alert AlertView `json:"alert"`
}

type alertsView struct {
	Alerts []AlertView `json:"alerts"`
}

// ackRequest is the acknowledgement's body (JSON or a form): the link's
// token and who acknowledges.
type ackRequest struct {
	Token string `json:"token"`
	Name  string `json:"name"`
}

// adminAckRequest is the console's acknowledgement: who acknowledges.
type adminAckRequest struct {
	Name string `json:"name"`
}

// wantsHTML: a browser asking for the page.
func wantsHTML(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == "text/html" {
			return true
		}
	}
	return false
}

// alertOrigin refuses a browser's cross-origin request: only the alert's
// own page posts its form. Clients that are not browsers send neither
// Origin nor Sec-Fetch-Site and pass; the token authenticates them.
var alertOrigin = http.NewCrossOriginProtection()

// showAlert serves GET /v1/alerts/{alertId}?token=…: the alert, as a page
// for a browser, JSON otherwise. It changes nothing (mail scanners and
// link previews follow links).
func (a *API) showAlert(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("alertId")
	if err := mayday.ValidID("alertId", id); err != nil {
		return a.alertError(w, r, err)
	}
	if err := a.limitAlert(w, r, id); err != nil {
		return err
	}
	alert, err := a.AlertAck.Show(r.Context(), id, r.URL.Query().Get("token"))
	if err != nil {
		return a.alertError(w, r, err)
	}
	if wantsHTML(r) {
		return writeAlertPage(w, http.StatusOK, alertPage{Alert: viewAlert(alert), Token: r.URL.Query().Get("token")})
	}
	writeJSON(w, http.StatusOK, viewAlert(alert))
	return nil
}

// ackAlert serves POST /v1/alerts/{alertId}/ack: the token in the body
// only (a form field or JSON), never the query, so that a link alone
// acknowledges nothing, and from the alert's own origin when a browser
// posts it.
func (a *API) ackAlert(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("alertId")
	if err := mayday.ValidID("alertId", id); err != nil {
		return a.alertError(w, r, err)
	}
	if err := a.limitAlert(w, r, id); err != nil {
		return err
	}
	if err := alertOrigin.Check(r); err != nil {
		return fmt.Errorf("%w: %w", errForbidden, err)
	}
	var body ackRequest
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/x-www-form-urlencoded", "multipart/form-data":
		if err := r.ParseMultipartForm(MaxBody); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			return fmt.Errorf("%w: form: %v", mayday.ErrInvalid, err)
		}
		body.Token, body.Name = r.PostForm.Get("token"), r.PostForm.Get("name")
	case "application/json":
		if err := decodeAdmin(r, &body); err != nil {
			return err
		}
	default:
		return errUnsupportedType
	}
	if body.Token == "" {
		return a.alertError(w, r, fmt.Errorf("%w: token missing from the body", mayday.ErrAlertTokenInvalid))
	}
	res, err := a.AlertAck.Acknowledge(r.Context(), id, body.Token, body.Name)
	if err != nil {
		return a.alertError(w, r, err)
	}
	if wantsHTML(r) {
		return writeAlertPage(w, http.StatusOK, alertPage{Alert: viewAlert(res.Alert), Done: true, First: res.First})
	}
	writeJSON(w, http.StatusOK, AckView{First: res.First, Alert: viewAlert(res.Alert)})
	return nil
}

// listAlerts serves GET /v1/alerts?open=…&siteId=… (admin, the
// security-desk view): the alerts still waiting for an acknowledgement
// (open=true, the default), or every live one (open=false). It carries an
// ETag, since the view polls it.
func (a *API) listAlerts(w http.ResponseWriter, r *http.Request) error {
	open, err := strconv.ParseBool(cmp.Or(r.URL.Query().Get("open"), "true"))
	if err != nil {
		return fmt.Errorf("%w: open=%q: want true or false", mayday.ErrInvalid, r.URL.Query().Get("open"))
	}
	alerts, err := a.AlertAck.Alerts(r.Context(), r.URL.Query().Get("siteId"), open)
	if err != nil {
		return err
	}
	v := alertsView{Alerts: make([]AlertView, len(alerts))}
	for i, x := range alerts {
		v.Alerts[i] = viewAlert(x)
	}
	return WriteJSONTagged(w, r, v)
}

// adminAckAlert serves PUT /v1/alerts/{alertId}/acknowledgement (admin):
// the console acknowledges, no token needed; the answer is ackAlert's.
func (a *API) adminAckAlert(w http.ResponseWriter, r *http.Request) error {
	var body adminAckRequest
	if err := decodeAdmin(r, &body); err != nil {
		return err
	}
	res, err := a.AlertAck.AcknowledgeAsAdmin(r.Context(), r.PathValue("alertId"), body.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, AckView{First: res.First, Alert: viewAlert(res.Alert)})
	return nil
}

// alertError answers a browser's failed page with a page; JSON clients get
// the usual error body (WriteError maps the status).
func (a *API) alertError(w http.ResponseWriter, r *http.Request, err error) error {
	if !wantsHTML(r) {
		return err
	}
	status := http.StatusInternalServerError
	msg := "The alert could not be shown; try again."
	switch {
	case errors.Is(err, mayday.ErrAlertTokenInvalid):
		status, msg = http.StatusUnauthorized, "This link is not valid for this alert."
	case errors.Is(err, mayday.ErrAlertTokenExpired):
		status, msg = http.StatusForbidden, "This link has expired."
	case errors.Is(err, mayday.ErrNotFound):
		status, msg = http.StatusNotFound, "No such alert."
	case errors.Is(err, mayday.ErrInvalid):
		status, msg = http.StatusBadRequest, err.Error()
	}
	if status >= 500 {
		a.Log.Error("request failed", "status", status, "err", err)
	}
	return writeAlertPage(w, status, alertPage{Error: msg})
}

type alertPage struct {
	Alert       AlertView
	Token       string
	Done, First bool
	Error       string
}

// alertPageCSP: the page runs no script, loads nothing, posts only to
// itself and cannot be framed.
const alertPageCSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func writeAlertPage(w http.ResponseWriter, status int, p alertPage) error {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", alertPageCSP)
	// The URL carries the token: no referrer, no cache.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	return renderAlertPage(w, p)
}

// renderAlertPage writes the page by hand, every value escaped: the
// template packages would keep every exported method of every binary
// that serves a route (the linker cannot prune what reflection may
// call), megabytes in each function.
func renderAlertPage(w io.Writer, p alertPage) error {
	e := html.EscapeString
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }
	var b strings.Builder
	title := "Mayday alert"
	if p.Error == "" {
		title = p.Alert.Heading
	}
	b.WriteString(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>` + e(title) + `</title>
<style>body{font:16px/1.4 system-ui,sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem}
h1{color:#b00020;font-size:1.4rem}dt{font-weight:600}dd{margin:0 0 .5rem}button{font-size:1.2rem;padding:.6rem 1.4rem}
.ack{background:#e6f4ea;padding:.6rem}</style></head><body>
`)
	if p.Error != "" {
		b.WriteString(`<h1>Mayday alert</h1><p role="alert">` + e(p.Error) + "</p>\n</body></html>\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	a := p.Alert
	agent := cmp.Or(a.AgentName, a.AgentID)
	caller := cmp.Or(a.CallerID, "the platform's default number")
	var place []string
	for _, x := range []string{a.SiteName, a.Address, a.Detail} {
		if x != "" {
			place = append(place, x)
		}
	}
	fmt.Fprintf(&b, `<h1>%s</h1>
<dl>
<dt>Time</dt><dd>%s</dd>
<dt>Agent</dt><dd>%s</dd>
<dt>Number dialled</dt><dd>%s</dd>
<dt>Callback number the emergency service received</dt><dd>%s</dd>
<dt>Location sent</dt><dd>%s</dd>
</dl>
`, e(a.Heading), ts(a.At), e(agent), e(a.DialedNumber), e(caller), e(strings.Join(place, ", ")))
	if a.Acknowledged {
		what := "Acknowledged."
		if p.Done && p.First {
			what = "Acknowledged. The emergency is yours."
		} else if p.Done {
			what = "Already acknowledged."
		}
		var at string
		if a.AcknowledgedAt != nil {
			at = ts(*a.AcknowledgedAt)
		}
		fmt.Fprintf(&b, "<p class=\"ack\" id=\"acknowledged\">%s\nBy %s at %s.</p>\n", what, e(a.AcknowledgedBy), at)
	} else {
		fmt.Fprintf(&b, `<form method="post" action="/v1/alerts/%s/ack">
<input type="hidden" name="token" value="%s">
<p><label>Your name <input name="name" maxlength="100" autocomplete="name"></label></p>
<p><button type="submit">Acknowledge</button></p></form>
`, url.PathEscape(a.AlertID), e(p.Token))
	}
	b.WriteString("</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// AlertLimiter rate-limits the public alert routes: a token bucket per
// alert and one per client address, so that neither one link shared
// widely nor one client guessing tokens can run the function hot. In AWS
// each execution environment keeps its own buckets (the function's
// reserved concurrency bounds how many there are).
type AlertLimiter struct {
	// PerAlert and PerClient: the bucket's size and its refill per second.
	PerAlert, PerClient Rate

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	swept   time.Time
}

// Rate is a token bucket's burst and refill per second.
type Rate struct {
	Burst     float64
	PerSecond float64
}

// DefaultAlertLimiter: 20 requests at once then one every 3 s per alert,
// 30 at once then one a second per client.
func DefaultAlertLimiter() *AlertLimiter {
	return &AlertLimiter{PerAlert: Rate{20, 1.0 / 3}, PerClient: Rate{30, 1}}
}

// reserve takes a token from key's bucket at now; its delay says how long
// until the token is there (0: at once).
func (l *AlertLimiter) reserve(key string, r Rate, now time.Time) *rate.Reservation {
	if l.buckets == nil {
		l.buckets = map[string]*rate.Limiter{}
	}
	b := l.buckets[key]
	if b == nil {
		b = rate.NewLimiter(rate.Limit(r.PerSecond), int(r.Burst))
		l.buckets[key] = b
	}
	return b.ReserveN(now, 1)
}

// Allow takes a token from the alert's and the client's buckets, or, when
// either has none, takes neither and says how long to wait.
func (l *AlertLimiter) Allow(alertID, client string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	a := l.reserve("alert\x00"+alertID, l.PerAlert, now)
	c := l.reserve("client\x00"+client, l.PerClient, now)
	wait := max(a.DelayFrom(now), c.DelayFrom(now))
	if wait == 0 {
		return true, 0
	}
	a.CancelAt(now)
	c.CancelAt(now)
	return false, wait
}

// sweep forgets full buckets once a minute, so memory stays bounded by the
// recent clients.
func (l *AlertLimiter) sweep(now time.Time) {
	if now.Sub(l.swept) < time.Minute {
		return
	}
	l.swept = now
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(b.Burst()) {
			delete(l.buckets, k)
		}
	}
}

// RateLimitedError is a request over a limit: 429 with Retry-After.
type RateLimitedError struct{ RetryAfter time.Duration }

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("too many requests; retry after %s", e.RetryAfter.Round(time.Second))
}

func (a *API) limitAlert(w http.ResponseWriter, r *http.Request, alertID string) error {
	if a.AlertLimiter == nil {
		return nil
	}
	ok, wait := a.AlertLimiter.Allow(alertID, clientIP(r), a.Clock.Now())
	if ok {
		return nil
	}
	secs := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return &RateLimitedError{RetryAfter: time.Duration(secs) * time.Second}
}

// clientIP is the request's peer address (a Function URL's source IP).
func clientIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}
