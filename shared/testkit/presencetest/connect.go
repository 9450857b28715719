package presencetest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/connect"
)

// Connect is a local fake of the Amazon Connect API (REST-JSON), enough for
// presence and the contact flows: SearchUsers by exact user name,
// GetCurrentUserData for one agent (nothing for a logged-out one),
// PutUserStatus, DescribeAgentStatus (the status's type), DescribeContact
// (a contact's disconnect timestamp once it ended). It checks what AWS checks as far as a fake can: a
// SigV4 Authorization for the connect service in the client's region, the
// instance id in every request; an unknown user's status is a 404
// ResourceNotFoundException, as in Connect. A user is the Mayday agent id
// as user name.
type Connect struct {
	*httptest.Server
	InstanceARN, Region string

	t        testing.TB
	instance string
	mu       sync.Mutex
	users    map[string]*connectUser // user id → user
	failNext int
	moves    map[string][]string  // agent → statuses set, in order
	contacts map[string]time.Time // contact id → disconnected at (zero: ongoing)
	requests []string             // "METHOD path", in order
}

var _ Fake = (*Connect)(nil)

type connectUser struct{ id, name, status string }

// Agent status ids of the fake's instance.
const (
	ConnectAvailable = "11111111-aaaa-4aaa-8aaa-111111111111"
	ConnectDND       = "22222222-bbbb-4bbb-8bbb-222222222222"
	ConnectLunch     = "33333333-cccc-4ccc-8ccc-333333333333"
	// ConnectOffline is the instance's status of type OFFLINE, renamed as
	// an instance may rename it.
	ConnectOffline = "44444444-dddd-4ddd-8ddd-444444444444"
)

// connectStatusTypes are the fake instance's agent statuses and their types.
var connectStatusTypes = map[string]string{ConnectAvailable: "ROUTABLE", ConnectDND: "CUSTOM", ConnectLunch: "CUSTOM",
	ConnectOffline: "OFFLINE"}

// NewConnect starts the fake; it is closed with the test.
func NewConnect(t testing.TB) *Connect {
	f := &Connect{Region: "us-west-2", instance: "aaaaaaaa-bbbb-cccc-dddd-111111111111", t: t,
		users: map[string]*connectUser{}, moves: map[string][]string{},
		contacts: map[string]time.Time{}}
	f.InstanceARN = "arn:aws:connect:us-west-2:111122223333:instance/" + f.instance
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// API is a Connect client of the fake, signing as AWS does. It does not
// retry, so an injected outage reaches the caller as it would once the
// SDK's retries are spent.
func (f *Connect) API() *connect.Client {
	return connect.New(connect.Options{BaseEndpoint: aws.String(f.URL), Region: f.Region,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		HTTPClient:  f.Client(), RetryMaxAttempts: 1})
}

// AddAgent creates the agent's Connect user, logged in on status ("":
// logged out).
func (f *Connect) AddAgent(agentID, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := "user-" + agentID
	f.users[id] = &connectUser{id: id, name: agentID, status: status}
}

// AddContact creates an ongoing voice contact of the instance.
func (f *Connect) AddContact(contactID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.contacts[contactID] = time.Time{}
}

// Disconnect ends the contact at at, as Connect records it whether or not
// its contact event reaches anyone.
func (f *Connect) Disconnect(contactID string, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.contacts[contactID] = at
}

// Status is the agent's current agent status id ("" for an unknown agent).
func (f *Connect) Status(agentID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u := f.users["user-"+agentID]; u != nil {
		return u.status
	}
	return ""
}

func (f *Connect) DoNotDisturbStatus() string { return ConnectDND }
func (f *Connect) Statuses() []string         { return []string{ConnectAvailable, ConnectLunch} }

// Moves lists the statuses PutUserStatus set for the agent.
func (f *Connect) Moves(agentID string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.moves[agentID]...)
}

// Requests lists the requests received as "METHOD path", and forgets them.
func (f *Connect) Requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.requests
	f.requests = nil
	return out
}

// FailNext answers the next n requests 500 InternalServiceException.
func (f *Connect) FailNext(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failNext = n
}

func (f *Connect) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fail := func(status int, typ, msg string) {
		w.Header().Set("X-Amzn-ErrorType", typ)
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"Message": msg})
	}
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=") || !strings.Contains(auth, "/"+f.Region+"/connect/aws4_request") {
		f.t.Errorf("%s %s: Authorization %q is not a SigV4 signature for connect in %s", r.Method, r.URL.Path, auth, f.Region)
		fail(http.StatusForbidden, "AccessDeniedException", "not signed")
		return
	}
	var body map[string]any
	if b, _ := io.ReadAll(r.Body); len(b) > 0 {
		if err := json.Unmarshal(b, &body); err != nil {
			f.t.Errorf("%s %s: body %s: %v", r.Method, r.URL.Path, b, err)
		}
	}
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	if f.failNext > 0 {
		f.failNext--
		fail(http.StatusInternalServerError, "InternalServiceException", "injected outage")
		return
	}
	arn := func(u *connectUser) string { return f.InstanceARN + "/agent/" + u.id }
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/search-users":
		if body["InstanceId"] != f.instance {
			f.t.Errorf("SearchUsers: InstanceId %v, want %s", body["InstanceId"], f.instance)
		}
		crit, _ := body["SearchCriteria"].(map[string]any)
		cond, _ := crit["StringCondition"].(map[string]any)
		if cond["FieldName"] != "Username" || cond["ComparisonType"] != "EXACT" {
			f.t.Errorf("SearchUsers: condition %v, want an exact Username", cond)
		}
		users := []any{}
		for _, u := range f.users {
			if u.name == cond["Value"] {
				users = append(users, map[string]any{"Id": u.id, "Arn": arn(u), "Username": u.name})
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"Users": users, "ApproximateTotalCount": len(users)})
	case r.Method == http.MethodPost && r.URL.Path == "/metrics/userdata/"+f.instance:
		filters, _ := body["Filters"].(map[string]any)
		agents, _ := filters["Agents"].([]any)
		list := []any{}
		for _, a := range agents {
			if u, _ := a.(string); f.users[u] != nil && f.users[u].status != "" {
				list = append(list, map[string]any{"User": map[string]any{"Id": u, "Arn": arn(f.users[u])},
					"Status": map[string]any{"StatusArn": f.InstanceARN + "/agent-state/" + f.users[u].status}})
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"UserDataList": list, "ApproximateTotalCount": len(list)})
	case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/users/"+f.instance+"/") && strings.HasSuffix(r.URL.Path, "/status"):
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/users/"+f.instance+"/"), "/status")
		u := f.users[id]
		status, _ := body["AgentStatusId"].(string)
		switch {
		case u == nil:
			fail(http.StatusNotFound, "ResourceNotFoundException", "no such user")
			return
		case connectStatusTypes[status] == "":
			fail(http.StatusNotFound, "ResourceNotFoundException", "no such agent status")
			return
		}
		u.status = status
		f.moves[u.name] = append(f.moves[u.name], status)
		_, _ = w.Write([]byte(`{}`))
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/agent-status/"+f.instance+"/"):
		id := strings.TrimPrefix(r.URL.Path, "/agent-status/"+f.instance+"/")
		typ := connectStatusTypes[id]
		if typ == "" {
			fail(http.StatusNotFound, "ResourceNotFoundException", "no such agent status")
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"AgentStatus": map[string]any{"AgentStatusId": id,
			"AgentStatusARN": f.InstanceARN + "/agent-state/" + id, "Name": "status " + id[:8], "Type": typ, "State": "ENABLED"}})
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/contacts/"+f.instance+"/"):
		id := strings.TrimPrefix(r.URL.Path, "/contacts/"+f.instance+"/")
		at, ok := f.contacts[id]
		if !ok {
			fail(http.StatusNotFound, "ResourceNotFoundException", "no such contact")
			return
		}
		contact := map[string]any{"Id": id, "Arn": f.InstanceARN + "/contact/" + id, "Channel": "VOICE",
			"InitiationMethod": "OUTBOUND"}
		if !at.IsZero() {
			contact["DisconnectTimestamp"] = float64(at.UnixMilli()) / 1000 // epoch seconds, as REST-JSON sends
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"Contact": contact})
	default:
		f.t.Errorf("Connect fake: unexpected %s %s", r.Method, r.URL.Path)
		fail(http.StatusBadRequest, "InvalidRequestException", "unexpected request")
	}
}
