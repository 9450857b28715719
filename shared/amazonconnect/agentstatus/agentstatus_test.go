package agentstatus_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/connect"

	"github.com/mayday/mayday/shared/amazonconnect/agentstatus"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/testkit/presencetest"
)

// presencePlatform is the presence port as the domain declares it; the
// adapter must satisfy it.
type presencePlatform interface {
	DoNotDisturb(ctx context.Context, agentID string) (previous string, err error)
	Restore(ctx context.Context, agentID, previous string) error
}

var _ presencePlatform = (*agentstatus.Statuses)(nil)

// Connect routes callbacks through its queues: presence push leaves a
// callback's agent routable.
func TestRoutesCallbacks(t *testing.T) {
	var p mayday.PresencePlatform = &agentstatus.Statuses{}
	if r, ok := p.(mayday.CallbackRouter); !ok || !r.RoutesCallbacks() {
		t.Error("the Connect adapter does not report that it routes callbacks")
	}
}

const (
	instance    = "aaaaaaaa-bbbb-cccc-dddd-111111111111"
	instanceARN = "arn:aws:connect:us-west-2:111122223333:instance/" + instance
	userID      = "9e8d7c6b-5a49-4382-b1c0-d9e8f7a6b5c4"
	userARN     = instanceARN + "/agent/" + userID
	available   = "11111111-aaaa-4aaa-8aaa-111111111111"
	dnd         = "22222222-bbbb-4bbb-8bbb-222222222222"
	lunch       = "33333333-cccc-4ccc-8ccc-333333333333"
)

// request is one call the fake Connect API received.
type request struct {
	Method, Path string
	Body         map[string]any
}

// fakeConnect is Amazon Connect's REST-JSON API for the three operations
// the adapter calls, checking that requests are SigV4-signed for the
// connect service, and keeping one agent's status.
type fakeConnect struct {
	t        *testing.T
	mu       sync.Mutex
	status   string // the agent's current status id; "" when logged out
	requests []request
	fail     int // answer the next fail requests with a server error
}

func (f *fakeConnect) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKID/") || !strings.Contains(auth, "/us-west-2/connect/aws4_request") ||
		!strings.Contains(auth, "Signature=") {
		f.t.Errorf("%s %s: Authorization %q is not a SigV4 signature for connect", r.Method, r.URL.Path, auth)
	}
	var body map[string]any
	if b, _ := io.ReadAll(r.Body); len(b) > 0 {
		if err := json.Unmarshal(b, &body); err != nil {
			f.t.Errorf("%s %s: body %s: %v", r.Method, r.URL.Path, b, err)
		}
	}
	f.requests = append(f.requests, request{r.Method, r.URL.Path, body})
	w.Header().Set("Content-Type", "application/json")
	if f.fail > 0 {
		f.fail--
		w.Header().Set("X-Amzn-ErrorType", "InternalServiceException")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"Message":"injected"}`))
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/search-users":
		cond, _ := body["SearchCriteria"].(map[string]any)["StringCondition"].(map[string]any)
		users := []any{}
		if cond["Value"] == "a-1" {
			users = append(users, map[string]any{"Id": userID, "Arn": userARN, "Username": "a-1"})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"Users": users, "ApproximateTotalCount": len(users)})
	case r.Method == http.MethodPost && r.URL.Path == "/metrics/userdata/"+instance:
		list := []any{}
		if f.status != "" {
			list = append(list, map[string]any{
				"User":   map[string]any{"Id": userID, "Arn": userARN},
				"Status": map[string]any{"StatusArn": instanceARN + "/agent-state/" + f.status, "StatusName": "whatever"},
			})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"UserDataList": list, "ApproximateTotalCount": len(list)})
	case r.Method == http.MethodPut && r.URL.Path == "/users/"+instance+"/"+userID+"/status":
		f.status, _ = body["AgentStatusId"].(string)
		_, _ = w.Write([]byte(`{}`))
	case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/users/"+instance+"/"):
		w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"Message":"no such user"}`))
	default:
		f.t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusBadRequest)
	}
}

// calls lists the requests as "METHOD path" and resets the log.
func (f *fakeConnect) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.requests {
		out = append(out, r.Method+" "+r.Path)
	}
	f.requests = nil
	return out
}

func (f *fakeConnect) last() request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[len(f.requests)-1]
}

func newAdapter(t *testing.T, status string, cfg agentstatus.Config) (*agentstatus.Statuses, *fakeConnect) {
	t.Helper()
	fake := &fakeConnect{t: t, status: status}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	client := connect.New(connect.Options{BaseEndpoint: aws.String(srv.URL), Region: "us-west-2",
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		HTTPClient:  srv.Client(), RetryMaxAttempts: 2})
	cfg.InstanceARN = instanceARN
	s, err := agentstatus.NewPresence(client, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, fake
}

const (
	search = "POST /search-users"
	read   = "POST /metrics/userdata/" + instance
	put    = "PUT /users/" + instance + "/" + userID + "/status"
)

func TestDoNotDisturbAndRestore(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name             string
		from             string
		routable         string
		wantPrevious     string
		wantDNDCalls     []string
		restore          string // what Restore is given; "-" for the previous
		meanwhile        string // the agent's own change during the call, if any
		wantStatus       string
		wantRestoreCalls []string
	}{
		{name: "available to DND and back", from: available, wantPrevious: available,
			wantDNDCalls: []string{search, read, put}, restore: "-", wantStatus: available, wantRestoreCalls: []string{read, put}},
		{name: "a custom status comes back", from: lunch, wantPrevious: lunch,
			wantDNDCalls: []string{search, read, put}, restore: "-", wantStatus: lunch, wantRestoreCalls: []string{read, put}},
		{name: "already on DND: nothing to put, nothing to remember", from: dnd, wantPrevious: "",
			wantDNDCalls: []string{search, read}, restore: "", routable: available, wantStatus: available, wantRestoreCalls: []string{read, put}},
		{name: "unknown previous and no routable status: left as is", from: "", wantPrevious: "",
			wantDNDCalls: []string{search, read, put}, restore: "", wantStatus: dnd, wantRestoreCalls: nil},
		{name: "the agent's own change stands", from: available, wantPrevious: available,
			wantDNDCalls: []string{search, read, put}, restore: "-", meanwhile: lunch, wantStatus: lunch, wantRestoreCalls: []string{read}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, fake := newAdapter(t, tt.from, agentstatus.Config{DoNotDisturb: dnd, Routable: tt.routable})
			prev, err := s.DoNotDisturb(ctx, "a-1")
			if err != nil {
				t.Fatal(err)
			}
			if prev != tt.wantPrevious {
				t.Errorf("previous %q, want %q", prev, tt.wantPrevious)
			}
			if got := fake.calls(); !equal(got, tt.wantDNDCalls) {
				t.Errorf("DoNotDisturb called %q, want %q", got, tt.wantDNDCalls)
			}
			if fake.status != dnd {
				t.Errorf("status after DoNotDisturb %q, want %q", fake.status, dnd)
			}
			if tt.meanwhile != "" {
				fake.status = tt.meanwhile
			}
			to := tt.restore
			if to == "-" {
				to = prev
			}
			if err := s.Restore(ctx, "a-1", to); err != nil {
				t.Fatal(err)
			}
			if got := fake.calls(); !equal(got, tt.wantRestoreCalls) { // the user is cached: no search
				t.Errorf("Restore called %q, want %q", got, tt.wantRestoreCalls)
			}
			if fake.status != tt.wantStatus {
				t.Errorf("status after Restore %q, want %q", fake.status, tt.wantStatus)
			}
		})
	}
}

// TestRequestsAreShapedAsConnectTakesThem checks the bodies the adapter
// sends, not only where it sends them.
func TestRequestsAreShapedAsConnectTakesThem(t *testing.T) {
	ctx := context.Background()
	s, fake := newAdapter(t, available, agentstatus.Config{DoNotDisturb: dnd})
	if arn, err := s.UserARN(ctx, "a-1"); err != nil || arn != userARN {
		t.Fatalf("UserARN = %q, %v", arn, err)
	}
	got := fake.last().Body
	want := map[string]any{"InstanceId": instance, "MaxResults": float64(10), "SearchCriteria": map[string]any{
		"StringCondition": map[string]any{"FieldName": "Username", "Value": "a-1", "ComparisonType": "EXACT"}}}
	if !jsonEqual(got, want) {
		t.Errorf("SearchUsers body %v, want %v", got, want)
	}
	if _, err := s.DoNotDisturb(ctx, "a-1"); err != nil {
		t.Fatal(err)
	}
	reqs := fake.requests
	if len(reqs) != 3 {
		t.Fatalf("requests %v", reqs)
	}
	if want := map[string]any{"Filters": map[string]any{"Agents": []any{userID}}}; !jsonEqual(reqs[1].Body, want) {
		t.Errorf("GetCurrentUserData body %v, want %v", reqs[1].Body, want)
	}
	if want := map[string]any{"AgentStatusId": dnd}; !jsonEqual(reqs[2].Body, want) {
		t.Errorf("PutUserStatus body %v, want %v", reqs[2].Body, want)
	}
}

// TestCallbackBypass: MakeRoutable puts the agent on the routable status
// whatever they are on (Do Not Disturb included), and does nothing when no
// routable status is configured.
func TestCallbackBypass(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name, from, routable, want string
		calls                      []string
	}{
		{"from DND", dnd, available, available, []string{search, put}},
		{"from a custom status", lunch, available, available, []string{search, put}},
		{"no routable status configured", dnd, "", dnd, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, fake := newAdapter(t, tt.from, agentstatus.Config{DoNotDisturb: dnd, Routable: tt.routable})
			if err := s.MakeRoutable(ctx, "a-1"); err != nil {
				t.Fatal(err)
			}
			if got := fake.calls(); !equal(got, tt.calls) {
				t.Errorf("called %q, want %q", got, tt.calls)
			}
			if fake.status != tt.want {
				t.Errorf("status %q, want %q", fake.status, tt.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("unknown user", func(t *testing.T) {
		s, _ := newAdapter(t, available, agentstatus.Config{DoNotDisturb: dnd})
		if _, err := s.DoNotDisturb(ctx, "nobody"); !errors.Is(err, agentstatus.ErrUnknownUser) || !errors.Is(err, mayday.ErrNotFound) {
			t.Errorf("err %v, want ErrUnknownUser, the presence port's ErrNotFound", err)
		}
	})
	t.Run("a server error is returned for the caller's retry", func(t *testing.T) {
		s, fake := newAdapter(t, available, agentstatus.Config{DoNotDisturb: dnd})
		fake.fail = 10 // more than the SDK's attempts
		if _, err := s.DoNotDisturb(ctx, "a-1"); err == nil {
			t.Error("no error")
		}
	})
	t.Run("configuration", func(t *testing.T) {
		client := connect.New(connect.Options{Region: "us-west-2"})
		for _, arn := range []string{"", "arn:aws:connect:us-west-2:111122223333:instance/", "arn:aws:s3:::bucket",
			instanceARN + "/queue/q"} {
			if _, err := agentstatus.New(client, agentstatus.Config{InstanceARN: arn}); err == nil {
				t.Errorf("instance %q accepted", arn)
			}
		}
		if _, err := agentstatus.NewPresence(client, agentstatus.Config{InstanceARN: instanceARN}); !errors.Is(err, agentstatus.ErrNoDoNotDisturb) {
			t.Errorf("presence without a DND status: %v", err)
		}
	})
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestOffline: Connect reports a logged-out agent by having no current
// data for them, and an Offline one by a status of type OFFLINE whatever
// its name; the type of a status is asked once. A failure is an error,
// never a guess.
func TestOffline(t *testing.T) {
	ctx := context.Background()
	f := presencetest.NewConnect(t)
	const typeOf = "GET /agent-status/" + instance + "/"
	for _, tt := range []struct {
		name, status string
		want         bool
		calls        []string
	}{
		{"logged out", "", true, []string{search, read}},
		{"on the Offline status", presencetest.ConnectOffline, true, []string{search, read, typeOf + presencetest.ConnectOffline}},
		{"available", presencetest.ConnectAvailable, false, []string{search, read, typeOf + presencetest.ConnectAvailable}},
		{"on Do Not Disturb", presencetest.ConnectDND, false, []string{search, read, typeOf + presencetest.ConnectDND}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			agent := "agent-" + strings.ReplaceAll(tt.name, " ", "-")
			f.AddAgent(agent, tt.status)
			s := newOnFake(t, f)
			f.Requests()
			got, err := s.Offline(ctx, agent)
			if err != nil || got != tt.want {
				t.Errorf("Offline = %v, %v; want %v", got, err, tt.want)
			}
			if calls := f.Requests(); !equal(calls, tt.calls) {
				t.Errorf("called %q, want %q", calls, tt.calls)
			}
			if _, err := s.Offline(ctx, agent); err != nil {
				t.Fatal(err)
			}
			if calls := f.Requests(); !equal(calls, []string{read}) {
				t.Errorf("asked again: %q, want the current data only (user and status type kept)", calls)
			}
		})
	}
	t.Run("Connect failing: an error", func(t *testing.T) {
		f.AddAgent("a-failing", presencetest.ConnectLunch)
		s := newOnFake(t, f)
		if _, err := s.UserARN(ctx, "a-failing"); err != nil {
			t.Fatal(err)
		}
		f.FailNext(1) // the current data
		if got, err := s.Offline(ctx, "a-failing"); err == nil {
			t.Errorf("Offline = %v with Connect failing, want an error", got)
		}
	})
	t.Run("unknown user: an error", func(t *testing.T) {
		if got, err := newOnFake(t, f).Offline(ctx, "nobody"); !errors.Is(err, agentstatus.ErrUnknownUser) {
			t.Errorf("Offline = %v, %v; want ErrUnknownUser", got, err)
		}
	})
}

func newOnFake(t *testing.T, f *presencetest.Connect) *agentstatus.Statuses {
	t.Helper()
	s, err := agentstatus.New(f.API(), agentstatus.Config{InstanceARN: f.InstanceARN})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
