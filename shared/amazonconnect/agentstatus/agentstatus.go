// Package agentstatus is the Amazon Connect API adapter for agents: the
// presence port (Do Not Disturb and back, through PutUserStatus), the Connect
// user behind a Mayday agent id (the Connect user name), and the callback
// bypass (the agent moved to a routable status so an agent queue offers
// them the callback), and whether an agent is offline (a callback then goes
// to the fallback).
package agentstatus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	"github.com/mayday/mayday/shared/mayday"
)

// API is the part of the Connect client the adapter calls.
type API interface {
	SearchUsers(ctx context.Context, in *connect.SearchUsersInput, opts ...func(*connect.Options)) (*connect.SearchUsersOutput, error)
	GetCurrentUserData(ctx context.Context, in *connect.GetCurrentUserDataInput, opts ...func(*connect.Options)) (*connect.GetCurrentUserDataOutput, error)
	PutUserStatus(ctx context.Context, in *connect.PutUserStatusInput, opts ...func(*connect.Options)) (*connect.PutUserStatusOutput, error)
	DescribeAgentStatus(ctx context.Context, in *connect.DescribeAgentStatusInput, opts ...func(*connect.Options)) (*connect.DescribeAgentStatusOutput, error)
}

var _ API = (*connect.Client)(nil)

// ErrUnknownUser: no Connect user has the agent's user name (the presence
// port's mayday.ErrNotFound).
var ErrUnknownUser = fmt.Errorf("%w: no such Connect user", mayday.ErrNotFound)

// Config names the instance and the agent statuses, by their ids (the last
// part of an agent status ARN, ".../agent-state/<id>").
type Config struct {
	// InstanceARN is the Connect instance
	// (arn:aws:connect:<region>:<account>:instance/<id>).
	InstanceARN string
	// DoNotDisturb is the agent status Mayday puts an agent on during an
	// emergency conversation.
	DoNotDisturb string
	// Routable is the status an agent queue routes to (the instance's
	// "Available"): the callback bypass moves the agent to it, and Restore
	// uses it when the previous status is not known. Empty: no bypass, and
	// an unknown previous status is left as it is.
	Routable string
}

// Statuses is the adapter. Users are looked up by user name once and kept:
// a user's id and ARN do not change.
type Statuses struct {
	api      API
	instance string
	cfg      Config
	mu       sync.Mutex
	users    map[string]user
	// offline: whether an agent status (by id) is of type OFFLINE; a
	// status's type never changes.
	offline map[string]bool
}

type user struct{ id, arn string }

// New builds the adapter over a Connect client, for the contact flows (user
// ARNs and the bypass); the Do Not Disturb status may be left unset there.
func New(api API, cfg Config) (*Statuses, error) {
	if api == nil {
		return nil, errors.New("agentstatus: no Connect client")
	}
	id, err := InstanceID(cfg.InstanceARN)
	if err != nil {
		return nil, fmt.Errorf("agentstatus: %w", err)
	}
	return &Statuses{api: api, instance: id, cfg: cfg, users: map[string]user{}, offline: map[string]bool{}}, nil
}

// NewPresence builds the adapter as the presence port: the Do Not Disturb
// status is required.
func NewPresence(api API, cfg Config) (*Statuses, error) {
	if cfg.DoNotDisturb == "" {
		return nil, ErrNoDoNotDisturb
	}
	return New(api, cfg)
}

// ErrNoDoNotDisturb: the presence port needs the Do Not Disturb status.
var ErrNoDoNotDisturb = errors.New("agentstatus: no Do Not Disturb agent status id configured")

// InstanceID is the instance id of a Connect instance ARN.
func InstanceID(arn string) (string, error) {
	const marker = ":instance/"
	i := strings.Index(arn, marker)
	if !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":connect:") || i < 0 {
		return "", fmt.Errorf("instance ARN %q: want arn:aws:connect:<region>:<account>:instance/<id>", arn)
	}
	id := arn[i+len(marker):]
	if id == "" || strings.Contains(id, "/") {
		return "", fmt.Errorf("instance ARN %q: want arn:aws:connect:<region>:<account>:instance/<id>", arn)
	}
	return id, nil
}

// DoNotDisturb moves the agent to the Do Not Disturb status and returns the
// status they had ("" when already on it, or when Connect does not report
// one).
func (s *Statuses) DoNotDisturb(ctx context.Context, agentID string) (string, error) {
	if s.cfg.DoNotDisturb == "" {
		return "", ErrNoDoNotDisturb
	}
	u, err := s.user(ctx, agentID)
	if err != nil {
		return "", err
	}
	current, err := s.current(ctx, u)
	if err != nil {
		return "", err
	}
	if current == s.cfg.DoNotDisturb {
		return "", nil
	}
	if err := s.put(ctx, agentID, u, s.cfg.DoNotDisturb); err != nil {
		return "", err
	}
	return current, nil
}

// Restore moves the agent back to previous ("": the routable status, or
// leave as is when none is configured). An agent who has left Do Not
// Disturb meanwhile chose their status, which stands.
func (s *Statuses) Restore(ctx context.Context, agentID, previous string) error {
	to := previous
	if to == "" {
		to = s.cfg.Routable
	}
	if to == "" || s.cfg.DoNotDisturb == "" {
		return nil
	}
	u, err := s.user(ctx, agentID)
	if err != nil {
		return err
	}
	current, err := s.current(ctx, u)
	if err != nil {
		return err
	}
	if current != s.cfg.DoNotDisturb {
		return nil
	}
	return s.put(ctx, agentID, u, to)
}

var _ mayday.CallbackRouter = (*Statuses)(nil)

// RoutesCallbacks: Connect routes a PSAP callback through an agent queue,
// which offers it only to a routable agent (the contact flow's bypass makes
// the agent routable), so presence push must not move the agent to Do Not
// Disturb for a callback.
func (s *Statuses) RoutesCallbacks() bool { return true }

// UserARN is the agent's Connect user ARN.
func (s *Statuses) UserARN(ctx context.Context, agentID string) (string, error) {
	u, err := s.user(ctx, agentID)
	return u.arn, err
}

// MakeRoutable moves the agent to the routable status, whatever they are
// on, so that the callback queued for them is offered to them. With no
// routable status configured it does nothing. On a contact (after-call
// work included) Connect makes it the agent's next status.
func (s *Statuses) MakeRoutable(ctx context.Context, agentID string) error {
	if s.cfg.Routable == "" {
		return nil
	}
	u, err := s.user(ctx, agentID)
	if err != nil {
		return err
	}
	return s.put(ctx, agentID, u, s.cfg.Routable)
}

// Offline reports whether the agent is logged out (Connect has no current
// data for the user) or on a status of type OFFLINE, whatever its name.
// An agent unknown to Connect is an error, as is any failed call: the
// caller decides what not knowing means.
func (s *Statuses) Offline(ctx context.Context, agentID string) (bool, error) {
	u, err := s.user(ctx, agentID)
	if err != nil {
		return false, err
	}
	status, err := s.current(ctx, u)
	if err != nil || status == "" {
		return err == nil, err
	}
	s.mu.Lock()
	off, known := s.offline[status]
	s.mu.Unlock()
	if known {
		return off, nil
	}
	out, err := s.api.DescribeAgentStatus(ctx, &connect.DescribeAgentStatusInput{InstanceId: &s.instance, AgentStatusId: &status})
	if err != nil {
		return false, fmt.Errorf("connect agent status %s: %w", status, err)
	}
	if out.AgentStatus == nil || out.AgentStatus.Type == "" {
		return false, fmt.Errorf("connect agent status %s: no type in the answer", status)
	}
	off = out.AgentStatus.Type == types.AgentStatusTypeOffline
	s.mu.Lock()
	s.offline[status] = off
	s.mu.Unlock()
	return off, nil
}

func (s *Statuses) user(ctx context.Context, name string) (user, error) {
	s.mu.Lock()
	u, ok := s.users[name]
	s.mu.Unlock()
	if ok {
		return u, nil
	}
	out, err := s.api.SearchUsers(ctx, &connect.SearchUsersInput{
		InstanceId: &s.instance,
		MaxResults: aws.Int32(10),
		SearchCriteria: &types.UserSearchCriteria{StringCondition: &types.StringCondition{
			FieldName: aws.String("Username"), Value: aws.String(name), ComparisonType: types.StringComparisonTypeExact}},
	})
	if err != nil {
		return user{}, fmt.Errorf("connect user %s: search: %w", name, err)
	}
	for _, found := range out.Users {
		if strings.EqualFold(aws.ToString(found.Username), name) && found.Id != nil && found.Arn != nil {
			u = user{id: *found.Id, arn: *found.Arn}
			s.mu.Lock()
			s.users[name] = u
			s.mu.Unlock()
			return u, nil
		}
	}
	return user{}, fmt.Errorf("connect user %s: %w", name, ErrUnknownUser)
}

// current is the agent status id the user is on ("" when Connect reports
// none: the user is not logged in).
func (s *Statuses) current(ctx context.Context, u user) (string, error) {
	out, err := s.api.GetCurrentUserData(ctx, &connect.GetCurrentUserDataInput{
		InstanceId: &s.instance,
		Filters:    &types.UserDataFilters{Agents: []string{u.id}},
	})
	if err != nil {
		return "", fmt.Errorf("connect user %s: current status: %w", u.id, err)
	}
	for _, d := range out.UserDataList {
		if d.User != nil && aws.ToString(d.User.Id) != u.id {
			continue
		}
		if d.Status != nil {
			return statusID(aws.ToString(d.Status.StatusArn)), nil
		}
	}
	return "", nil
}

// statusID is the id at the end of an agent status ARN.
func statusID(arn string) string {
	return arn[strings.LastIndex(arn, "/")+1:]
}

func (s *Statuses) put(ctx context.Context, name string, u user, status string) error {
	_, err := s.api.PutUserStatus(ctx, &connect.PutUserStatusInput{InstanceId: &s.instance, UserId: &u.id, AgentStatusId: &status})
	var gone *types.ResourceNotFoundException
	if errors.As(err, &gone) {
		s.mu.Lock()
		delete(s.users, name) // deleted and maybe recreated: look it up again next time
		s.mu.Unlock()
	}
	if err != nil {
		return fmt.Errorf("connect user %s: status %s: %w", u.id, status, err)
	}
	return nil
}
