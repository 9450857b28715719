// Package taskrouter is the presence platform of Twilio TaskRouter: the
// agent's worker (found by its contact_uri attribute "client:<agentId>",
// the Voice SDK client identity) moves to a configured Do Not Disturb
// activity and back to the activity it had, through twilio-go's TaskRouter
// v1 client (form-encoded requests, basic auth with the account SID and
// auth token).
package taskrouter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/twilio/twilio-go/client"
	trv1 "github.com/twilio/twilio-go/rest/taskrouter/v1"

	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/twiliorest"
)

// Timeout bounds each request to TaskRouter.
const Timeout = twiliorest.Timeout

// Secret returns the account's auth tokens, the current one first.
type Secret func(context.Context) ([][]byte, error)

// Config is what the adapter needs.
type Config struct {
	AccountSID   string
	AuthToken    Secret
	WorkspaceSID string
	// DoNotDisturb is the activity SID (WA...) of the workspace's Do Not
	// Disturb activity, an unavailable one.
	DoNotDisturb string
	// RestoreTo is the activity Restore uses when the previous one is not
	// known; "" leaves the worker as it is then.
	RestoreTo string
	// BaseURL replaces https://taskrouter.twilio.com (a local fake); "" is
	// Twilio.
	BaseURL string
	// HTTPClient is the client requests go through; nil is one bounded
	// by Timeout.
	HTTPClient *http.Client
}

// Platform moves TaskRouter workers.
type Platform struct {
	cfg  Config
	base *url.URL
	mu   sync.Mutex
	// workers caches each agent's worker SID: it does not change while the
	// worker exists.
	workers map[string]string
}

var _ mayday.PresencePlatform = (*Platform)(nil)

// New checks the configuration.
func New(cfg Config) (*Platform, error) {
	var errs []error
	for name, v := range map[string]string{"account SID": cfg.AccountSID, "workspace SID": cfg.WorkspaceSID,
		"Do Not Disturb activity SID": cfg.DoNotDisturb} {
		if v == "" {
			errs = append(errs, fmt.Errorf("%w: taskrouter: %s", mayday.ErrMissingDependency, name))
		}
	}
	if cfg.AuthToken == nil {
		errs = append(errs, fmt.Errorf("%w: taskrouter: auth token", mayday.ErrMissingDependency))
	}
	p := &Platform{cfg: cfg, workers: map[string]string{}}
	var err error
	if p.base, err = twiliorest.ParseBase(cfg.BaseURL); err != nil {
		errs = append(errs, fmt.Errorf("%w: taskrouter: %w", mayday.ErrInvalid, err))
	}
	if p.cfg.HTTPClient == nil {
		p.cfg.HTTPClient = twiliorest.HTTPClient()
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p, nil
}

// DoNotDisturb moves the agent's worker to the Do Not Disturb activity and
// returns the activity it had ("" when it was on Do Not Disturb already).
func (p *Platform) DoNotDisturb(ctx context.Context, agentID string) (string, error) {
	api, err := p.api(ctx)
	if err != nil {
		return "", err
	}
	w, err := p.worker(ctx, api, agentID)
	if err != nil {
		return "", err
	}
	if str(w.ActivitySid) == p.cfg.DoNotDisturb {
		return "", nil
	}
	if err := p.move(ctx, api, agentID, str(w.Sid), p.cfg.DoNotDisturb); err != nil {
		return "", err
	}
	return str(w.ActivitySid), nil
}

// Restore moves the worker back to previous (or RestoreTo) if it is still
// on Do Not Disturb: an activity someone chose meanwhile stands, as a
// presence change during an emergency does in Mayday.
func (p *Platform) Restore(ctx context.Context, agentID, previous string) error {
	to := previous
	if to == "" {
		to = p.cfg.RestoreTo
	}
	if to == "" || to == p.cfg.DoNotDisturb {
		return nil
	}
	api, err := p.api(ctx)
	if err != nil {
		return err
	}
	w, err := p.worker(ctx, api, agentID)
	if err != nil {
		return err
	}
	if str(w.ActivitySid) != p.cfg.DoNotDisturb {
		return nil
	}
	return p.move(ctx, api, agentID, str(w.Sid), to)
}

// api is a TaskRouter client with the current auth token: the token is read
// per push, so a rotated one is used without a restart.
func (p *Platform) api(ctx context.Context) (*trv1.ApiService, error) {
	c, err := twiliorest.Client(ctx, p.cfg.AccountSID, p.cfg.AuthToken, p.base, p.cfg.HTTPClient)
	if err != nil {
		return nil, fmt.Errorf("taskrouter: %w", err)
	}
	return trv1.NewApiServiceWithClient(c), nil
}

// worker fetches the agent's worker, found by its client identity the first
// time.
func (p *Platform) worker(ctx context.Context, api *trv1.ApiService, agentID string) (*trv1.TaskrouterV1Worker, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	sid, cached := p.workers[agentID]
	p.mu.Unlock()
	if cached {
		w, err := api.FetchWorker(p.cfg.WorkspaceSID, sid)
		if err == nil {
			return w, nil
		}
		if !notFound(err) {
			return nil, fmt.Errorf("taskrouter: worker %s of agent %s: %w", sid, agentID, err)
		}
		p.forget(agentID) // deleted and perhaps created again: look it up
	}
	expr, err := byClient(agentID)
	if err != nil {
		return nil, err
	}
	page, err := api.PageWorker(p.cfg.WorkspaceSID, (&trv1.ListWorkerParams{}).
		SetTargetWorkersExpression(expr).SetPageSize(2), "", "")
	if err != nil {
		return nil, fmt.Errorf("taskrouter: find the worker of agent %s: %w", agentID, err)
	}
	switch len(page.Workers) {
	case 0:
		return nil, fmt.Errorf("%w: taskrouter: no worker whose contact_uri is client:%s in workspace %s", mayday.ErrNotFound, agentID, p.cfg.WorkspaceSID)
	case 1:
	default:
		return nil, fmt.Errorf("taskrouter: several workers have contact_uri client:%s in workspace %s", agentID, p.cfg.WorkspaceSID)
	}
	w := page.Workers[0]
	p.mu.Lock()
	p.workers[agentID] = str(w.Sid)
	p.mu.Unlock()
	return &w, nil
}

func (p *Platform) move(ctx context.Context, api *trv1.ApiService, agentID, workerSID, activity string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := api.UpdateWorker(p.cfg.WorkspaceSID, workerSID, (&trv1.UpdateWorkerParams{}).SetActivitySid(activity))
	if notFound(err) {
		p.forget(agentID)
		return fmt.Errorf("%w: taskrouter: worker %s of agent %s: %w", mayday.ErrNotFound, workerSID, agentID, err)
	}
	if err != nil {
		return fmt.Errorf("taskrouter: worker %s of agent %s: activity %s: %w", workerSID, agentID, activity, err)
	}
	return nil
}

func (p *Platform) forget(agentID string) {
	p.mu.Lock()
	delete(p.workers, agentID)
	p.mu.Unlock()
}

// byClient is the TargetWorkersExpression selecting the agent's worker.
// Agent ids with a quote or backslash cannot be quoted in it.
func byClient(agentID string) (string, error) {
	if agentID == "" || strings.ContainsAny(agentID, `"'\`) {
		return "", fmt.Errorf("%w: taskrouter: agent id %q cannot name a client identity", mayday.ErrInvalid, agentID)
	}
	return `contact_uri == "client:` + agentID + `"`, nil
}

func notFound(err error) bool {
	var e *client.TwilioRestError
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
