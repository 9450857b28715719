package lambdarie

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/mayday/mayday/shared/testkit/awsfake"
)

// Lambda's defaults for asynchronous invocation, when a function has no
// AWS::Lambda::EventInvokeConfig.
const DefaultRetries = 2

// Invoker runs one invocation of a function and returns its answer (a
// function error is an answer: its JSON).
type Invoker func(ctx context.Context, payload []byte) ([]byte, error)

// AsyncConfig is a function's asynchronous-invocation config.
type AsyncConfig struct {
	Retries   int    // MaximumRetryAttempts
	OnFailure string // the on-failure destination queue's URL, or "" (the event is dropped)
}

// Lambda is a fake of Lambda's invoke path: the Invoke API (RequestResponse
// and Event), and asynchronous invocation as Lambda runs it: on a function
// error the event is retried Retries times, then a destination record goes
// to the on-failure destination.
type Lambda struct {
	URL string // the Invoke API's endpoint (AWS_ENDPOINT_URL_LAMBDA)
	// RetryDelay stands for Lambda's one and two minutes between
	// asynchronous attempts.
	RetryDelay time.Duration
	SQS        *awsfake.SQS

	srv   *httptest.Server
	mu    sync.Mutex
	fns   map[string]*lambdaFunction
	async sync.WaitGroup
	seq   int
}

type lambdaFunction struct {
	name   string
	invoke Invoker
	async  AsyncConfig
	// Attempts counts the invocations, function errors among them.
	attempts, errors int
}

// NewLambda starts the fake; Close stops it.
func NewLambda(sqs *awsfake.SQS) *Lambda {
	l := &Lambda{fns: map[string]*lambdaFunction{}, SQS: sqs, RetryDelay: 50 * time.Millisecond}
	l.srv = httptest.NewServer(http.HandlerFunc(l.serveInvoke))
	l.URL = l.srv.URL
	return l
}

// Close waits for asynchronous invocations and stops the server.
func (l *Lambda) Close() {
	l.async.Wait()
	l.srv.Close()
}

// Add registers a function.
func (l *Lambda) Add(name string, invoke Invoker, async AsyncConfig) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fns[name] = &lambdaFunction{name: name, invoke: invoke, async: async}
}

// ARN is a function's ARN.
func ARN(name string) string { return "arn:aws:lambda:us-east-1:123456789012:function:" + name }

// lookup finds a function by name, ARN or partial ARN, with or without a
// qualifier.
func (l *Lambda) lookup(ref string) (*lambdaFunction, bool) {
	name := ref
	if i := strings.Index(ref, "function:"); i >= 0 {
		name = ref[i+len("function:"):]
	}
	name, _, _ = strings.Cut(name, ":")
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.fns[name]
	return f, ok
}

// Counts reports a function's invocations and function errors so far.
func (l *Lambda) Counts(name string) (attempts, errors int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if f := l.fns[name]; f != nil {
		return f.attempts, f.errors
	}
	return 0, 0
}

// invoke runs one synchronous invocation; fnErr is the function error's
// JSON when it failed.
func (l *Lambda) invoke(ctx context.Context, f *lambdaFunction, payload []byte) (out []byte, fnErr bool, err error) {
	out, err = f.invoke(ctx, payload)
	l.mu.Lock()
	defer l.mu.Unlock()
	f.attempts++
	if err != nil {
		f.errors++
		return nil, false, err
	}
	if functionError(out) != "" {
		f.errors++
		return out, true, nil
	}
	return out, false, nil
}

// Invoke is a synchronous (RequestResponse) invocation.
func (l *Lambda) Invoke(ctx context.Context, function string, payload []byte) (out []byte, fnErr bool, err error) {
	f, ok := l.lookup(function)
	if !ok {
		return nil, false, fmt.Errorf("function %s: not found", function)
	}
	return l.invoke(ctx, f, payload)
}

// InvokeAsync queues an asynchronous (Event) invocation.
func (l *Lambda) InvokeAsync(function string, payload []byte) error {
	f, ok := l.lookup(function)
	if !ok {
		return fmt.Errorf("function %s: not found", function)
	}
	l.async.Add(1)
	go func() {
		defer l.async.Done()
		l.runAsync(f, payload)
	}()
	return nil
}

// Wait blocks until every asynchronous invocation queued so far (and those
// they cause) has finished.
func (l *Lambda) Wait() { l.async.Wait() }

func (l *Lambda) runAsync(f *lambdaFunction, payload []byte) {
	l.mu.Lock()
	l.seq++
	requestID := fmt.Sprintf("5f3bc8d0-0000-4000-8000-%012d", l.seq)
	l.mu.Unlock()
	var (
		out   []byte
		fnErr bool
		err   error
		n     int
	)
	for n = 1; n <= 1+f.async.Retries; n++ {
		if n > 1 {
			time.Sleep(l.RetryDelay)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		out, fnErr, err = l.invoke(ctx, f, payload)
		cancel()
		if err == nil && !fnErr {
			return
		}
	}
	n--
	if f.async.OnFailure == "" || l.SQS == nil {
		return // Lambda discards the event
	}
	response := json.RawMessage(out)
	if err != nil {
		response, _ = json.Marshal(map[string]string{"errorType": "ServiceException", "errorMessage": err.Error()})
	}
	record, _ := json.Marshal(map[string]any{
		"version":   "1.0",
		"timestamp": time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		"requestContext": map[string]any{"requestId": requestID, "functionArn": ARN(f.name) + ":$LATEST",
			"condition": "RetriesExhausted", "approximateInvokeCount": n},
		"requestPayload":  json.RawMessage(payload),
		"responseContext": map[string]any{"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
		"responsePayload": response,
	})
	_ = l.SQS.Put(f.async.OnFailure, string(record), nil)
}

// functionError is the errorType of a function error's answer, or "".
func functionError(out []byte) string {
	var e struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	if !bytes.HasPrefix(bytes.TrimSpace(out), []byte("{")) || json.Unmarshal(out, &e) != nil || e.ErrorMessage == "" {
		return ""
	}
	if e.ErrorType == "" {
		return "Unhandled"
	}
	return e.ErrorType
}

// serveInvoke is Lambda's Invoke API:
// POST /2015-03-31/functions/{FunctionName}/invocations.
func (l *Lambda) serveInvoke(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, typ, msg string) {
		w.Header().Set("X-Amzn-ErrorType", typ)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"Type": "User", "Message": msg})
	}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/2015-03-31/functions/")
	name, ok2 := strings.CutSuffix(rest, "/invocations")
	if r.Method != http.MethodPost || !ok || !ok2 {
		fail(http.StatusNotFound, "UnknownOperationException", "unsupported "+r.Method+" "+r.URL.Path)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		fail(http.StatusForbidden, "MissingAuthenticationTokenException", "request not signed")
		return
	}
	name, _ = url.PathUnescape(name)
	f, found := l.lookup(name)
	if !found {
		fail(http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+ARN(name))
		return
	}
	payload, _ := io.ReadAll(r.Body)
	if len(payload) > 0 && !json.Valid(payload) {
		fail(http.StatusBadRequest, "InvalidRequestContentException", "Could not parse request body into json")
		return
	}
	switch t := r.Header.Get("X-Amz-Invocation-Type"); t {
	case "Event":
		_ = l.InvokeAsync(f.name, payload)
		w.WriteHeader(http.StatusAccepted)
	case "", "RequestResponse":
		out, fnErr, err := l.invoke(r.Context(), f, payload)
		if err != nil {
			fail(http.StatusBadGateway, "ServiceException", err.Error())
			return
		}
		w.Header().Set("X-Amz-Executed-Version", "$LATEST")
		if fnErr {
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(out)
	default:
		fail(http.StatusBadRequest, "InvalidParameterValueException", "invocation type "+t)
	}
}
