package presencetest

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/testkit/twiliotest"
)

// TaskRouter is a local fake of Twilio's TaskRouter v1 REST API, enough for
// presence: list a workspace's workers by TargetWorkersExpression
// (contact_uri == "client:<id>"), fetch a worker, update its activity. It
// answers as Twilio does (JSON bodies, Twilio's error shape) and checks what
// Twilio checks: HTTP basic auth with the account SID and auth token, and
// form-encoded update bodies: without the account's basic auth it answers
// 401 as Twilio does; a request of another shape fails the test.
type TaskRouter struct {
	*httptest.Server
	AccountSID, AuthToken, WorkspaceSID string
	DND                                 string // the Do Not Disturb activity SID

	t          testing.TB
	mu         sync.Mutex
	activities map[string]string // SID → friendly name
	workers    map[string]*trWorker
	requests   []Request
	failNext   int
	moves      map[string][]string // agent → activities set, in order
}

type trWorker struct {
	sid, agentID, activity string
}

// Request is one request a fake received.
type Request struct {
	Method string
	Path   string
	Form   url.Values // query for GET, body for POST
	Header http.Header
	Body   []byte
}

// Activity SIDs of the fake's workspace.
const (
	ActivityAvailable = "WA00000000000000000000000000000001"
	ActivityBusy      = "WA00000000000000000000000000000002"
	ActivityDND       = "WA00000000000000000000000000000003"
	ActivityOffline   = "WA00000000000000000000000000000004"
)

// NewTaskRouter starts the fake; it is closed with the test.
func NewTaskRouter(t testing.TB) *TaskRouter {
	f := &TaskRouter{t: t,
		AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "0123456789abcdef0123456789abcdef",
		WorkspaceSID: "WS0123456789abcdef0123456789abcdef", DND: ActivityDND,
		activities: map[string]string{ActivityAvailable: "Available", ActivityBusy: "Busy",
			ActivityDND: "Do Not Disturb", ActivityOffline: "Offline"},
		workers: map[string]*trWorker{}, moves: map[string][]string{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// AddAgent creates the agent's worker (contact_uri client:<agentID>) on the
// activity.
func (f *TaskRouter) AddAgent(agentID, activity string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	sid := fmt.Sprintf("WK%032x", len(f.workers)+1)
	f.workers[sid] = &trWorker{sid: sid, agentID: agentID, activity: activity}
}

// RemoveAgent deletes the agent's worker.
func (f *TaskRouter) RemoveAgent(agentID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for sid, w := range f.workers {
		if w.agentID == agentID {
			delete(f.workers, sid)
		}
	}
}

// SetStatus changes the worker's activity as the agent would in their
// desktop.
func (f *TaskRouter) SetStatus(agentID, activity string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, w := range f.workers {
		if w.agentID == agentID {
			w.activity = activity
		}
	}
}

// Status is the worker's activity ("" for no worker).
func (f *TaskRouter) Status(agentID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, w := range f.workers {
		if w.agentID == agentID {
			return w.activity
		}
	}
	return ""
}

// DoNotDisturbStatus is the activity SID of Do Not Disturb.
func (f *TaskRouter) DoNotDisturbStatus() string { return f.DND }

// Statuses are the fake's activities other than Do Not Disturb.
func (f *TaskRouter) Statuses() []string {
	return []string{ActivityAvailable, ActivityBusy, ActivityOffline}
}

// Moves lists the activities the API set for the agent's worker, in order.
func (f *TaskRouter) Moves(agentID string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.moves[agentID]...)
}

// FailNext answers the next n requests with 503, as an outage would.
func (f *TaskRouter) FailNext(n int) {
	f.mu.Lock()
	f.failNext = n
	f.mu.Unlock()
}

// Requests lists what the fake received.
func (f *TaskRouter) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

var (
	workersPath = regexp.MustCompile(`^/v1/Workspaces/([^/]+)/Workers$`)
	workerPath  = regexp.MustCompile(`^/v1/Workspaces/([^/]+)/Workers/([^/]+)$`)
	byContact   = regexp.MustCompile(`^contact_uri == "client:([^"]+)"$`)
)

func (f *TaskRouter) serve(w http.ResponseWriter, r *http.Request) {
	req := Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone()}
	if r.Method == http.MethodPost {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
			f.t.Errorf("taskrouter fake: %s %s: Content-Type %q, want a form", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
			twilioError(w, http.StatusBadRequest, 20001, "Content-Type must be application/x-www-form-urlencoded")
			return
		}
		if err := r.ParseForm(); err != nil {
			twilioError(w, http.StatusBadRequest, 20001, "malformed form")
			return
		}
		req.Form = r.PostForm
	} else {
		req.Form = r.URL.Query()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, req)
	if !twiliotest.Admit(w, r, f.AccountSID, f.AuthToken, &f.failNext) {
		return
	}
	if m := workersPath.FindStringSubmatch(r.URL.Path); m != nil && r.Method == http.MethodGet {
		f.list(w, r, m[1])
		return
	}
	m := workerPath.FindStringSubmatch(r.URL.Path)
	if m == nil || m[1] != f.WorkspaceSID {
		twilioError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	wk, ok := f.workers[m[2]]
	if !ok {
		twilioError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost:
		act := req.Form.Get("ActivitySid")
		if _, known := f.activities[act]; !known {
			twilioError(w, http.StatusBadRequest, 20001, "ActivitySid "+act+" is not valid")
			return
		}
		wk.activity = act
		f.moves[wk.agentID] = append(f.moves[wk.agentID], act)
	default:
		twilioError(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
		return
	}
	writeJSON(w, http.StatusOK, f.workerJSON(wk))
}

func (f *TaskRouter) list(w http.ResponseWriter, r *http.Request, ws string) {
	if ws != f.WorkspaceSID {
		twilioError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	q := r.URL.Query()
	if q.Has("Page") {
		f.t.Errorf("taskrouter fake: the Workers list does not support the Page parameter")
	}
	var list []any
	if expr := q.Get("TargetWorkersExpression"); expr != "" {
		m := byContact.FindStringSubmatch(expr)
		if m == nil {
			f.t.Errorf("taskrouter fake: TargetWorkersExpression %q is not the client-identity expression", expr)
			twilioError(w, http.StatusBadRequest, 20001, "Invalid TargetWorkersExpression")
			return
		}
		for _, wk := range f.workers {
			if wk.agentID == m[1] {
				list = append(list, f.workerJSON(wk))
			}
		}
	}
	u := f.URL + r.URL.Path
	writeJSON(w, http.StatusOK, map[string]any{"workers": append([]any{}, list...), "meta": map[string]any{
		"first_page_url": u + "?PageSize=" + q.Get("PageSize") + "&Page=0", "key": "workers", "next_page_url": nil,
		"page": 0, "page_size": len(list), "previous_page_url": nil, "url": u + "?" + r.URL.RawQuery}})
}

func (f *TaskRouter) workerJSON(wk *trWorker) map[string]any {
	attrs, _ := json.Marshal(map[string]string{"contact_uri": "client:" + wk.agentID})
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC).Format(time.RFC3339)
	u := fmt.Sprintf("%s/v1/Workspaces/%s/Workers/%s", f.URL, f.WorkspaceSID, wk.sid)
	return map[string]any{"account_sid": f.AccountSID, "workspace_sid": f.WorkspaceSID, "sid": wk.sid,
		"friendly_name": wk.agentID, "attributes": string(attrs), "activity_sid": wk.activity,
		"activity_name": f.activities[wk.activity], "available": wk.activity == ActivityAvailable,
		"date_created": at, "date_updated": at, "date_status_changed": at, "url": u,
		"links": map[string]string{"activity": fmt.Sprintf("%s/v1/Workspaces/%s/Activities/%s", f.URL, f.WorkspaceSID, wk.activity)}}
}

// twilioError answers in Twilio's REST error shape.
var twilioError = twiliotest.Error

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// String is for failure messages.
func (r Request) String() string {
	return r.Method + " " + r.Path + " " + strings.TrimSpace(r.Form.Encode())
}
