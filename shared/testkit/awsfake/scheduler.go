package awsfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Scheduler is a fake of EventBridge Scheduler's one-time schedules
// (REST-JSON: CreateSchedule is POST /schedules/{Name}, DeleteSchedule
// DELETE /schedules/{Name}?groupName=...). It refuses what Scheduler
// refuses — an unsigned request or one not signed for "scheduler" in its
// region, a group it does not hold, a missing or malformed parameter — with
// Scheduler's error shapes (X-Amzn-Errortype, a JSON Message), answers a
// name taken 409 ConflictException and a schedule not there 404
// ResourceNotFoundException, and keeps what it accepted. It holds at()
// schedules only: nothing here runs a recurring one.
type Scheduler struct {
	URL    string // the endpoint (AWS_ENDPOINT_URL_SCHEDULER)
	Region string

	srv       *httptest.Server
	mu        sync.Mutex
	groups    map[string]bool
	schedules map[string]Schedule // "group/name"
	deleted   []Schedule
	faults
}

// Schedule is a schedule as created.
type Schedule struct {
	Name, GroupName            string
	ScheduleExpression         string
	ScheduleExpressionTimezone string
	// At is when the at() expression falls, in its time zone.
	At                    time.Time
	FlexibleWindowMode    string
	ActionAfterCompletion string
	State                 string
	ClientToken           string
	Description           string
	Target                ScheduleTarget
	// Service and Region are the creating request's SigV4 scope.
	Service, Region string
}

// ScheduleTarget is a schedule's target.
type ScheduleTarget struct {
	Arn, RoleArn, Input      string
	MaximumRetryAttempts     *int
	MaximumEventAgeInSeconds *int
	DeadLetterArn            string
}

// ARN is the schedule's ARN in account 123456789012.
func (s Schedule) ARN(region string) string {
	return "arn:aws:scheduler:" + region + ":123456789012:schedule/" + s.GroupName + "/" + s.Name
}

// NewScheduler starts the fake for region, holding the "default" group
// and the given ones; Close stops it.
func NewScheduler(region string, groups ...string) *Scheduler {
	s := &Scheduler{Region: region, groups: map[string]bool{"default": true}, schedules: map[string]Schedule{}}
	for _, g := range groups {
		s.groups[g] = true
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Scheduler) Close() { s.srv.Close() }

// AddGroup creates a schedule group.
func (s *Scheduler) AddGroup(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[name] = true
}

// Schedules lists the schedules held, by group and name.
func (s *Scheduler) Schedules() []Schedule {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Schedule, 0, len(s.schedules))
	for _, sc := range s.schedules {
		out = append(out, sc)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].GroupName+"/"+out[i].Name < out[j].GroupName+"/"+out[j].Name
	})
	return out
}

// Deleted lists the schedules deleted (by DeleteSchedule or Complete), in
// order.
func (s *Scheduler) Deleted() []Schedule {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deleted)
}

// Due lists the enabled schedules whose time has come by now, earliest
// first.
func (s *Scheduler) Due(now time.Time) []Schedule {
	var out []Schedule
	for _, sc := range s.Schedules() {
		if sc.State != "DISABLED" && !sc.At.After(now) {
			out = append(out, sc)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// Complete is what Scheduler does once a schedule's target was invoked:
// an ActionAfterCompletion DELETE schedule is deleted; reports whether it
// was.
func (s *Scheduler) Complete(sc Schedule) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := sc.GroupName + "/" + sc.Name
	held, ok := s.schedules[key]
	if !ok || held.ActionAfterCompletion != "DELETE" {
		return false
	}
	delete(s.schedules, key)
	s.deleted = append(s.deleted, held)
	return true
}

var (
	scheduleName   = regexp.MustCompile(`^[0-9a-zA-Z-_.]{1,64}$`)
	clientToken    = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,64}$`)
	atExpression   = regexp.MustCompile(`^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$`)
	schedulerPaths = regexp.MustCompile(`^/schedules/([^/]+)$`)
)

func (s *Scheduler) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	out, e := s.handle(r, body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", fmt.Sprintf("%d", time.Now().UnixNano()))
	if e != nil {
		w.Header().Set("X-Amzn-Errortype", e.typ)
		w.WriteHeader(e.status)
		_ = json.NewEncoder(w).Encode(map[string]string{"Message": e.message})
		return
	}
	if out != nil {
		_ = json.NewEncoder(w).Encode(out)
	}
}

func (s *Scheduler) handle(r *http.Request, body []byte) (any, *locationError) {
	var region, service string
	if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		region, service = m[1], m[2]
	}
	m := schedulerPaths.FindStringSubmatch(r.URL.Path)
	switch {
	case !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") || r.Header.Get("X-Amz-Date") == "":
		return nil, &locationError{http.StatusForbidden, "AccessDeniedException", "request not signed with SigV4"}
	case service != "scheduler" || region != s.Region:
		return nil, &locationError{http.StatusForbidden, "InvalidSignatureException",
			fmt.Sprintf("credential should be scoped to a valid region and service: %s/scheduler, not %s/%s", s.Region, region, service)}
	case m == nil || (r.Method != http.MethodPost && r.Method != http.MethodDelete):
		return nil, &locationError{http.StatusNotFound, "UnknownOperationException", r.Method + " " + r.URL.Path}
	case !scheduleName.MatchString(m[1]):
		return nil, &locationError{http.StatusBadRequest, "ValidationException", "Name must match [0-9a-zA-Z-_.]{1,64}"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Method == http.MethodDelete {
		return s.deleteSchedule(m[1], r)
	}
	return s.createSchedule(m[1], r, body, region, service)
}

type createScheduleInput struct {
	GroupName                  *string
	ScheduleExpression         *string
	ScheduleExpressionTimezone *string
	FlexibleTimeWindow         *struct {
		Mode                   string
		MaximumWindowInMinutes *int
	}
	ActionAfterCompletion string
	State                 string
	ClientToken           *string
	Description           string
	Target                *struct {
		Arn, RoleArn, Input *string
		RetryPolicy         *struct{ MaximumRetryAttempts, MaximumEventAgeInSeconds *int }
		DeadLetterConfig    *struct{ Arn string }
	}
}

func (s *Scheduler) createSchedule(name string, r *http.Request, body []byte, region, service string) (any, *locationError) {
	bad := func(msg string) (any, *locationError) {
		return nil, &locationError{http.StatusBadRequest, "ValidationException", msg}
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		return bad("content type " + r.Header.Get("Content-Type"))
	}
	var in createScheduleInput
	if err := json.Unmarshal(body, &in); err != nil {
		return bad("body: " + err.Error())
	}
	group := "default"
	if in.GroupName != nil {
		group = *in.GroupName
	}
	sc := Schedule{Name: name, GroupName: group, ScheduleExpression: deref(in.ScheduleExpression), ScheduleExpressionTimezone: deref(in.ScheduleExpressionTimezone),
		ActionAfterCompletion: in.ActionAfterCompletion, State: in.State, ClientToken: deref(in.ClientToken), Description: in.Description,
		Service: service, Region: region}
	if sc.ActionAfterCompletion == "" {
		sc.ActionAfterCompletion = "NONE"
	}
	if sc.State == "" {
		sc.State = "ENABLED"
	}
	loc := time.UTC
	if sc.ScheduleExpressionTimezone != "" {
		l, err := time.LoadLocation(sc.ScheduleExpressionTimezone)
		if err != nil {
			return bad("ScheduleExpressionTimezone " + sc.ScheduleExpressionTimezone + " is not a time zone")
		}
		loc = l
	}
	at := atExpression.FindStringSubmatch(sc.ScheduleExpression)
	switch {
	case in.ScheduleExpression == nil:
		return bad("ScheduleExpression is required")
	case at == nil:
		return bad("ScheduleExpression must be at(yyyy-mm-ddThh:mm:ss): this fake holds one-time schedules only")
	case in.FlexibleTimeWindow == nil:
		return bad("FlexibleTimeWindow is required")
	case in.FlexibleTimeWindow.Mode != "OFF" && in.FlexibleTimeWindow.Mode != "FLEXIBLE":
		return bad("FlexibleTimeWindow.Mode must be OFF or FLEXIBLE")
	case in.FlexibleTimeWindow.Mode == "OFF" && in.FlexibleTimeWindow.MaximumWindowInMinutes != nil:
		return bad("MaximumWindowInMinutes is only for FLEXIBLE")
	case in.FlexibleTimeWindow.Mode == "FLEXIBLE" && (in.FlexibleTimeWindow.MaximumWindowInMinutes == nil ||
		*in.FlexibleTimeWindow.MaximumWindowInMinutes < 1 || *in.FlexibleTimeWindow.MaximumWindowInMinutes > 1440):
		return bad("FLEXIBLE needs MaximumWindowInMinutes 1 to 1440")
	case sc.ActionAfterCompletion != "NONE" && sc.ActionAfterCompletion != "DELETE":
		return bad("ActionAfterCompletion must be NONE or DELETE")
	case sc.State != "ENABLED" && sc.State != "DISABLED":
		return bad("State must be ENABLED or DISABLED")
	case in.ClientToken != nil && !clientToken.MatchString(*in.ClientToken):
		return bad("ClientToken must match [a-zA-Z0-9-_]{1,64}")
	case len(sc.Description) > 512:
		return bad("Description is at most 512 characters")
	case in.Target == nil || deref(in.Target.Arn) == "" || deref(in.Target.RoleArn) == "":
		return bad("Target with Arn and RoleArn is required")
	case in.Target.Input != nil && (len(*in.Target.Input) < 1 || len(*in.Target.Input) > 8192):
		return bad("Target.Input must be 1 to 8192 characters")
	case !strings.HasPrefix(*in.Target.RoleArn, "arn:aws:iam::"):
		return bad("Target.RoleArn is not a role ARN")
	}
	sc.At, _ = time.ParseInLocation("2006-01-02T15:04:05", at[1], loc)
	sc.FlexibleWindowMode = in.FlexibleTimeWindow.Mode
	t := in.Target
	sc.Target = ScheduleTarget{Arn: *t.Arn, RoleArn: *t.RoleArn, Input: deref(t.Input)}
	if p := t.RetryPolicy; p != nil {
		if p.MaximumRetryAttempts != nil && (*p.MaximumRetryAttempts < 0 || *p.MaximumRetryAttempts > 185) {
			return bad("MaximumRetryAttempts must be 0 to 185")
		}
		if p.MaximumEventAgeInSeconds != nil && (*p.MaximumEventAgeInSeconds < 60 || *p.MaximumEventAgeInSeconds > 86400) {
			return bad("MaximumEventAgeInSeconds must be 60 to 86400")
		}
		sc.Target.MaximumRetryAttempts, sc.Target.MaximumEventAgeInSeconds = p.MaximumRetryAttempts, p.MaximumEventAgeInSeconds
	}
	if t.DeadLetterConfig != nil {
		sc.Target.DeadLetterArn = t.DeadLetterConfig.Arn
	}
	if e := s.next(); e != nil {
		return nil, e
	}
	if !s.groups[group] {
		return nil, &locationError{http.StatusNotFound, "ResourceNotFoundException", "Schedule group " + group + " does not exist."}
	}
	key := group + "/" + name
	if _, taken := s.schedules[key]; taken {
		return nil, &locationError{http.StatusConflict, "ConflictException", "Schedule " + name + " already exists."}
	}
	s.schedules[key] = sc
	return map[string]string{"ScheduleArn": sc.ARN(s.Region)}, nil
}

func (s *Scheduler) deleteSchedule(name string, r *http.Request) (any, *locationError) {
	q := r.URL.Query()
	group := q.Get("groupName")
	if group == "" {
		group = "default"
	}
	if tok := q.Get("clientToken"); q.Has("clientToken") && !clientToken.MatchString(tok) {
		return nil, &locationError{http.StatusBadRequest, "ValidationException", "clientToken must match [a-zA-Z0-9-_]{1,64}"}
	}
	if e := s.next(); e != nil {
		return nil, e
	}
	key := group + "/" + name
	sc, ok := s.schedules[key]
	if !ok {
		return nil, &locationError{http.StatusNotFound, "ResourceNotFoundException", "Schedule " + name + " does not exist."}
	}
	delete(s.schedules, key)
	s.deleted = append(s.deleted, sc)
	return nil, nil
}
