package presencetest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/webhooksecret"
)

// Receiver is a local fake of an operator's receiver of Mayday's presence
// notices (package presencewebhook): it checks each notice's
// X-Mayday-Signature against the secret and its JSON, keeps each agent's
// status as the platform behind it would, answers a do-not-disturb notice
// with the status the agent had, and restores the status a restore notice
// names (or, naming none, the one it remembers). A notice Mayday should
// not send fails the test.
type Receiver struct {
	*httptest.Server
	Secret []byte
	Now    func() time.Time

	t        testing.TB
	mu       sync.Mutex
	status   map[string]string
	before   map[string]string // status before Do Not Disturb, as the receiver remembers it
	notices  []Notice
	failNext int
	moves    map[string][]string
}

// Notice is a notice the receiver accepted, decoded.
type Notice struct {
	AgentID  string    `json:"agentId"`
	Presence string    `json:"presence"`
	Previous string    `json:"previous,omitempty"`
	At       time.Time `json:"at"`
}

// Receiver statuses.
const (
	StatusAvailable = "available"
	StatusBusy      = "busy"
	StatusDND       = "do-not-disturb"
	StatusOffline   = "offline"
)

// NewReceiver starts the fake receiver; it is closed with the test.
func NewReceiver(t testing.TB, secret []byte) *Receiver {
	f := &Receiver{t: t, Secret: secret, Now: time.Now, status: map[string]string{}, before: map[string]string{},
		moves: map[string][]string{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *Receiver) AddAgent(agentID, status string) { f.SetStatus(agentID, status) }

func (f *Receiver) RemoveAgent(agentID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.status, agentID)
}

func (f *Receiver) SetStatus(agentID, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status[agentID] = status
}

func (f *Receiver) Status(agentID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status[agentID]
}

func (f *Receiver) DoNotDisturbStatus() string { return StatusDND }

func (f *Receiver) Statuses() []string { return []string{StatusAvailable, StatusBusy, StatusOffline} }

func (f *Receiver) Moves(agentID string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.moves[agentID]...)
}

func (f *Receiver) FailNext(n int) {
	f.mu.Lock()
	f.failNext = n
	f.mu.Unlock()
}

// Notices lists the notices accepted, in order.
func (f *Receiver) Notices() []Notice {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Notice(nil), f.notices...)
}

func (f *Receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	if r.Method != http.MethodPost {
		f.t.Errorf("presence receiver: %s, want POST", r.Method)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		f.t.Errorf("presence receiver: Content-Type %q, want application/json", r.Header.Get("Content-Type"))
	}
	if err := webhooksecret.Verify(f.Secret, r.Header.Get(webhooksecret.SignatureHeader), body, f.Now()); err != nil {
		f.t.Errorf("presence receiver: %v", err)
		http.Error(w, "bad signature", http.StatusForbidden)
		return
	}
	var n Notice
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&n); err != nil || n.AgentID == "" || n.At.IsZero() ||
		(n.Presence != StatusDND && n.Presence != "restore") {
		f.t.Errorf("presence receiver: malformed notice %s (%v)", body, err)
		http.Error(w, "malformed notice", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failNext > 0 {
		f.failNext--
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	cur, known := f.status[n.AgentID]
	if !known {
		http.Error(w, "unknown agent", http.StatusNotFound)
		return
	}
	f.notices = append(f.notices, n)
	if n.Presence == StatusDND {
		previous := ""
		if cur != StatusDND {
			previous = cur
			f.before[n.AgentID] = cur
			f.status[n.AgentID] = StatusDND
			f.moves[n.AgentID] = append(f.moves[n.AgentID], StatusDND)
		}
		writeJSON(w, http.StatusOK, map[string]string{"previous": previous})
		return
	}
	to := n.Previous
	if to == "" {
		to = f.before[n.AgentID]
	}
	if cur == StatusDND && to != "" {
		f.status[n.AgentID] = to
		f.moves[n.AgentID] = append(f.moves[n.AgentID], to)
	}
	w.WriteHeader(http.StatusNoContent)
}
