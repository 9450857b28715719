// Package faults injects failures into AWS SDK v2 calls, per service and
// operation, for resilience tests. A Plan says which operation fails, how, and
// how many times; Middleware installs it on a client:
//
//	plan := faults.NewPlan(faults.Fault{Service: "DynamoDB", Operation: "GetItem", Kind: faults.Throttle, Times: 2})
//	cfg.APIOptions = append(cfg.APIOptions, faults.Middleware(plan))
//
// Faults are injected where the HTTP round trip would be, inside the SDK's
// retry loop: an injected throttle or 5xx is a response the operation's real
// deserializer turns into the error AWS would cause, so the SDK retryer
// treats it as it treats the real one, and every retry attempt meets the plan
// again. The plan counts every attempt of every operation, faulted or not, so
// a test can assert how many attempts happened.
package faults

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Kind is how an attempt fails.
type Kind string

const (
	// Throttle answers HTTP 400 with the error code ThrottlingException
	// (Fault.Code may name another, e.g. ProvisionedThroughputExceededException):
	// a throttling error the SDK retryer retries.
	Throttle Kind = "throttle"
	// ServerError answers HTTP 500 InternalServerError (Fault.Status and
	// Fault.Code may change both): retried by the SDK for 500, 502, 503, 504.
	ServerError Kind = "server-error"
	// Delay waits Fault.Duration (or until the context is done), then sends
	// the request as usual: a slow endpoint. Plan.Lift ends the wait.
	Delay Kind = "delay"
	// Timeout waits Fault.Duration (or until the context is done), then fails
	// the attempt as an HTTP client timeout would: retryable. Plan.Lift ends
	// the wait and the request is sent.
	Timeout Kind = "timeout"
	// Hang blocks the attempt until its context is done, as an endpoint that
	// accepted the connection and never answers; the SDK does not retry a
	// cancelled attempt. Plan.Lift releases hung attempts, which then fail as
	// a reset connection would (retryable), so nothing stays blocked after a
	// test.
	Hang Kind = "hang"
	// FailedEntries applies to EventBridge PutEvents: the response has
	// FailedEntryCount > 0. The first Fault.Entries entries of the request
	// (all when 0) are reported failed with Fault.Code (default
	// ThrottlingException) and are not sent; the others are sent as usual.
	// A response with failed entries is a success to the SDK: it is not
	// retried by the SDK, so each PutEvents call counts as one attempt.
	FailedEntries Kind = "failed-entries"
)

// Fault is one failure rule.
type Fault struct {
	// Service is the SDK service id ("DynamoDB", "EventBridge", "SESv2");
	// empty matches every service.
	Service string
	// Operation is the API operation ("GetItem", "PutEvents", "SendEmail");
	// empty matches every operation.
	Operation string
	Kind      Kind
	// Times is how many attempts the fault hits; 0 means every attempt until
	// the plan is lifted.
	Times int
	// Code overrides the error code of Throttle, ServerError and
	// FailedEntries.
	Code string
	// Status overrides the HTTP status of ServerError (default 500).
	Status int
	// Duration is how long Delay and Timeout wait.
	Duration time.Duration
	// Entries is how many entries of each PutEvents request FailedEntries
	// fails, from the first; 0 fails all.
	Entries int
}

func (f Fault) String() string {
	return fmt.Sprintf("%s %s.%s", f.Kind, or(f.Service, "*"), or(f.Operation, "*"))
}

func or(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func (f Fault) matches(service, op string) bool {
	return (f.Service == "" || f.Service == service) && (f.Operation == "" || f.Operation == op)
}

// Attempt is one attempt the plan saw.
type Attempt struct {
	Service   string
	Operation string
	// Fault is the kind injected into this attempt; empty when the attempt
	// went through untouched.
	Fault Kind
	At    time.Time
}

type rule struct {
	Fault
	hits int
}

func (r *rule) spent() bool { return r.Times > 0 && r.hits >= r.Times }

type opKey struct{ service, op string }

// Plan is a set of faults and the record of the attempts they met. It is
// safe for concurrent use. Middleware(nil) installs nothing.
type Plan struct {
	mu       sync.Mutex
	rules    []*rule
	log      []Attempt
	attempts map[opKey]int
	injected map[opKey]int
	release  chan struct{}
}

// NewPlan returns a plan with the given faults.
func NewPlan(fs ...Fault) *Plan {
	p := &Plan{attempts: map[opKey]int{}, injected: map[opKey]int{}, release: make(chan struct{})}
	p.Add(fs...)
	return p
}

// Add adds faults. For each attempt, the first fault that matches it and has
// hits left applies.
func (p *Plan) Add(fs ...Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range fs {
		p.rules = append(p.rules, &rule{Fault: f})
	}
}

// Lift removes every fault and releases the attempts waiting in one (Hang,
// Delay, Timeout): the endpoint has recovered. Counts are kept.
func (p *Plan) Lift() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = nil
	close(p.release)
	p.release = make(chan struct{})
}

// Attempts counts the attempts of an operation that reached the plan,
// faulted or not; empty service or operation counts every one.
func (p *Plan) Attempts(service, op string) int { return p.count(p.attempts, service, op) }

// Injected counts the faults injected into an operation's attempts; empty
// service or operation counts every one.
func (p *Plan) Injected(service, op string) int { return p.count(p.injected, service, op) }

func (p *Plan) count(m map[opKey]int, service, op string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for k, v := range m {
		if (service == "" || k.service == service) && (op == "" || k.op == op) {
			n += v
		}
	}
	return n
}

// Log lists every attempt seen, oldest first. A PutEvents call whose
// entries partly failed shows as the untouched attempt that sent the rest.
func (p *Plan) Log() []Attempt {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Attempt(nil), p.log...)
}

// next returns the fault to inject into an attempt, if any, counting it as
// injected. entriesStep selects FailedEntries rules (Initialize step) or the
// others (the round trip).
func (p *Plan) next(service, op string, entriesStep bool) (Fault, bool, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.rules {
		if (r.Kind == FailedEntries) == entriesStep && r.matches(service, op) && !r.spent() {
			r.hits++
			p.injected[opKey{service, op}]++
			return r.Fault, true, p.release
		}
	}
	return Fault{}, false, nil
}

// record counts an attempt.
func (p *Plan) record(service, op string, injected Kind) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.attempts[opKey{service, op}]++
	p.log = append(p.log, Attempt{Service: service, Operation: op, Fault: injected, At: time.Now()})
}

// Middleware installs the plan on a client's middleware stack: use it in
// aws.Config.APIOptions or a client's Options.APIOptions.
func Middleware(p *Plan) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		if p == nil {
			return nil
		}
		if err := s.Initialize.Add(&entriesFault{plan: p}, middleware.After); err != nil {
			return err
		}
		// Last in the deserialize step: next to the HTTP round trip, inside
		// the retry loop of the finalize step.
		return s.Deserialize.Add(&roundTripFault{plan: p}, middleware.After)
	}
}

func names(ctx context.Context) (service, op string) {
	service, op = awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)
	if service == "" {
		service = middleware.GetServiceID(ctx)
	}
	if op == "" {
		op = middleware.GetOperationName(ctx)
	}
	return service, op
}

// roundTripFault replaces the HTTP round trip of a faulted attempt.
type roundTripFault struct{ plan *Plan }

func (*roundTripFault) ID() string { return "faults.RoundTrip" }

func (m *roundTripFault) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	middleware.DeserializeOutput, middleware.Metadata, error) {
	service, op := names(ctx)
	f, ok, release := m.plan.next(service, op, false)
	m.plan.record(service, op, f.Kind)
	if !ok {
		return next.HandleDeserialize(ctx, in)
	}
	empty := &smithyhttp.Response{Response: &http.Response{StatusCode: 0, Header: http.Header{}, Body: http.NoBody}}
	switch f.Kind {
	case Throttle:
		return middleware.DeserializeOutput{RawResponse: errorResponse(http.StatusBadRequest, or(f.Code, "ThrottlingException"),
			"Rate exceeded (injected by faults)")}, middleware.Metadata{}, nil
	case ServerError:
		status := f.Status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		return middleware.DeserializeOutput{RawResponse: errorResponse(status, or(f.Code, "InternalServerError"),
			"internal server error (injected by faults)")}, middleware.Metadata{}, nil
	case Delay:
		if _, err := wait(ctx, f.Duration, release); err != nil {
			return middleware.DeserializeOutput{RawResponse: empty}, middleware.Metadata{}, &smithy.CanceledError{Err: err}
		}
		return next.HandleDeserialize(ctx, in)
	case Timeout:
		released, err := wait(ctx, f.Duration, release)
		if err != nil {
			return middleware.DeserializeOutput{RawResponse: empty}, middleware.Metadata{}, &smithy.CanceledError{Err: err}
		}
		if released {
			return next.HandleDeserialize(ctx, in)
		}
		return middleware.DeserializeOutput{RawResponse: empty}, middleware.Metadata{},
			&smithyhttp.RequestSendError{Err: &url.Error{Op: method(in), URL: target(in), Err: errClientTimeout}}
	case Hang:
		if _, err := wait(ctx, 0, release); err != nil {
			return middleware.DeserializeOutput{RawResponse: empty}, middleware.Metadata{}, &smithy.CanceledError{Err: err}
		}
		return middleware.DeserializeOutput{RawResponse: empty}, middleware.Metadata{},
			&smithyhttp.RequestSendError{Err: &url.Error{Op: method(in), URL: target(in), Err: errReset}}
	}
	return middleware.DeserializeOutput{RawResponse: empty}, middleware.Metadata{}, fmt.Errorf("faults: unknown kind %q", f.Kind)
}

// wait waits d (forever when d is 0) or until release closes (released);
// it returns ctx's error if ctx ends first.
func wait(ctx context.Context, d time.Duration, release <-chan struct{}) (released bool, err error) {
	var timer <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case <-timer:
		return false, nil
	case <-release:
		return true, nil
	}
}

func method(in middleware.DeserializeInput) string {
	if r, ok := in.Request.(*smithyhttp.Request); ok && r.Method != "" {
		return strings.ToUpper(r.Method[:1]) + strings.ToLower(r.Method[1:])
	}
	return "Post"
}

func target(in middleware.DeserializeInput) string {
	if r, ok := in.Request.(*smithyhttp.Request); ok && r.URL != nil {
		return r.URL.String()
	}
	return ""
}

// timeoutError is what net/http reports when http.Client.Timeout runs out.
type timeoutError struct{}

func (timeoutError) Error() string {
	return "context deadline exceeded (Client.Timeout exceeded while awaiting headers) (injected by faults)"
}
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

var (
	errClientTimeout error = timeoutError{}
	errReset               = errors.New("read tcp: connection reset by peer (hung endpoint released by faults)")
)

// errorResponse is an AWS JSON error response, understood by the awsJson
// 1.0/1.1 (DynamoDB, EventBridge) and restJson1 (SES v2) deserializers.
func errorResponse(status int, code, msg string) *smithyhttp.Response {
	body := fmt.Sprintf(`{"__type":%q,"message":%q}`, code, msg)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-Errortype", code)
	h.Set("X-Amzn-Requestid", "faults-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10))
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return &smithyhttp.Response{Response: &http.Response{
		StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)),
	}}
}

// entriesFault fails PutEvents entries: it takes them out of the request and
// reports them failed in the response, in their places.
type entriesFault struct{ plan *Plan }

func (*entriesFault) ID() string { return "faults.FailedEntries" }

func (m *entriesFault) HandleInitialize(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
	middleware.InitializeOutput, middleware.Metadata, error) {
	put, isPut := in.Parameters.(*eventbridge.PutEventsInput)
	if !isPut || len(put.Entries) == 0 {
		return next.HandleInitialize(ctx, in)
	}
	service, op := names(ctx)
	// The round trip counts the attempt, unless no entry is left to send.
	f, ok, _ := m.plan.next(service, op, true)
	if !ok {
		return next.HandleInitialize(ctx, in)
	}
	failed := len(put.Entries)
	if f.Entries > 0 && f.Entries < failed {
		failed = f.Entries
	}
	code := or(f.Code, "ThrottlingException")
	results := make([]ebtypes.PutEventsResultEntry, 0, len(put.Entries))
	for range failed {
		results = append(results, ebtypes.PutEventsResultEntry{ErrorCode: aws.String(code),
			ErrorMessage: aws.String("entry failed (injected by faults)")})
	}
	out := &eventbridge.PutEventsOutput{FailedEntryCount: int32(failed)}
	var md middleware.Metadata
	if failed < len(put.Entries) {
		rest := *put
		rest.Entries = put.Entries[failed:]
		in.Parameters = &rest
		res, meta, err := next.HandleInitialize(ctx, in)
		if err != nil {
			return res, meta, err
		}
		sent, _ := res.Result.(*eventbridge.PutEventsOutput)
		if sent == nil {
			return res, meta, fmt.Errorf("faults: PutEvents result is %T", res.Result)
		}
		results = append(results, sent.Entries...)
		out.FailedEntryCount += sent.FailedEntryCount
		out.ResultMetadata, md = sent.ResultMetadata, meta
	}
	if failed == len(put.Entries) {
		m.plan.record(service, op, FailedEntries)
	}
	out.Entries = results
	return middleware.InitializeOutput{Result: out}, md, nil
}
