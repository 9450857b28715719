package lambdarie

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
)

// EventBridge Scheduler and End User Messaging SMS under the functions'
// roles: with Options.EnforceIAM each function reaches their fakes through
// a gate of its own that allows a request only if its role's policies in
// the template do, as IAM would — scheduler:CreateSchedule and
// DeleteSchedule on the schedule's ARN, iam:PassRole on the schedule's
// role (passed to scheduler.amazonaws.com), sms-voice:SendTextMessage on
// the origination identity. A request they do not allow is answered
// AccessDeniedException and recorded with DynamoDB's denials.

// gate is one function's way to one fake.
type gate struct {
	function   string
	statements []Statement
	upstream   *httputil.ReverseProxy
	// requests is what IAM is asked for a call, and in what context.
	requests func(r *http.Request, body []byte) ([]Request, map[string]string, error)
	d        *Deployment
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, ok := rereadable(w, r)
	if !ok {
		return
	}
	reqs, ctx, err := g.requests(r, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	for _, q := range reqs {
		if AllowedIn(g.statements, q, ctx) {
			continue
		}
		g.d.mu.Lock()
		g.d.denied = append(g.d.denied, Denial{g.function, q})
		g.d.mu.Unlock()
		// Both protocols' error shapes: REST-JSON reads the header,
		// AWS JSON the body's __type.
		msg := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", g.function, q.Action, q.Resource)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Errortype", "AccessDeniedException")
		w.WriteHeader(http.StatusForbidden)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": "AccessDeniedException", "Message": msg, "message": msg})
		return
	}
	g.upstream.ServeHTTP(w, r)
}

// schedulerRequests: CreateSchedule (POST /schedules/{Name}) creates the
// schedule and passes its role to Scheduler; DeleteSchedule deletes it.
func schedulerRequests(r *http.Request, body []byte) ([]Request, map[string]string, error) {
	name, _ := strings.CutPrefix(r.URL.Path, "/schedules/")
	arn := func(group string) string {
		if group == "" {
			group = "default"
		}
		return "arn:aws:scheduler:us-east-1:123456789012:schedule/" + group + "/" + name
	}
	switch r.Method {
	case http.MethodPost:
		var in struct {
			GroupName string
			Target    struct{ RoleArn string }
		}
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, nil, fmt.Errorf("CreateSchedule: %w", err)
		}
		return []Request{{Action: "scheduler:CreateSchedule", Resource: arn(in.GroupName)},
			{Action: "iam:PassRole", Resource: in.Target.RoleArn}}, map[string]string{"iam:PassedToService": "scheduler.amazonaws.com"}, nil
	case http.MethodDelete:
		return []Request{{Action: "scheduler:DeleteSchedule", Resource: arn(r.URL.Query().Get("groupName"))}}, nil, nil
	}
	return []Request{{Action: "scheduler:" + r.Method, Resource: arn("")}}, nil, nil
}

// smsRequests: SendTextMessage from the origination identity, as its
// resource: an ARN as given; a phone number, pool or sender id as the ARN
// of that kind of resource (a number's id is not known here: it stands
// for itself).
func smsRequests(r *http.Request, body []byte) ([]Request, map[string]string, error) {
	var in struct{ OriginationIdentity string }
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, nil, fmt.Errorf("SendTextMessage: %w", err)
	}
	id := in.OriginationIdentity
	res := id
	if !strings.HasPrefix(id, "arn:") {
		kind := "sender-id"
		switch {
		case strings.HasPrefix(id, "+"):
			kind, id = "phone-number", "phone-"+strings.TrimPrefix(id, "+")
		case strings.HasPrefix(id, "phone-"):
			kind = "phone-number"
		case strings.HasPrefix(id, "pool-"):
			kind = "pool"
		}
		res = "arn:aws:sms-voice:us-east-1:123456789012:" + kind + "/" + id
	}
	_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	return []Request{{Action: "sms-voice:" + op, Resource: res}}, nil, nil
}

// gates puts a gate between each function and the Scheduler and SMS
// fakes: the function's endpoint variables become its own.
func (d *Deployment) gates(ids []string) error {
	for _, g := range []struct {
		env, upstream string
		services      []string
		requests      func(*http.Request, []byte) ([]Request, map[string]string, error)
	}{
		{"AWS_ENDPOINT_URL_SCHEDULER", d.Scheduler.URL, []string{"scheduler:", "iam:PassRole"}, schedulerRequests},
		{"AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", d.SMS.URL, []string{"sms-voice:"}, smsRequests},
	} {
		u, err := url.Parse(g.upstream)
		if err != nil {
			return err
		}
		for _, id := range ids {
			sts, err := d.policyStatements(refersTo(d.Template.Resources[id].Properties["Role"]), g.services...)
			if err != nil {
				return fmt.Errorf("function %s: %w", id, err)
			}
			srv := httptest.NewServer(&gate{function: id, statements: sts, upstream: httputil.NewSingleHostReverseProxy(u),
				requests: g.requests, d: d})
			d.stops = append(d.stops, srv.Close)
			d.functions[id].env[g.env] = srv.URL
		}
	}
	return nil
}
