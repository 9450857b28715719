package local

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdaurl"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/amazonconnect"
	"github.com/mayday/mayday/shared/handler"
	"github.com/mayday/mayday/shared/httpapi"
)

// The Lambda Invoke API, as `sam local start-lambda` serves it: every
// function by its directory name under functions/, taking the raw event as
// AWS would send it (`aws lambda invoke --endpoint-url`). Event consumers
// get their EventBridge event, connect-flow a contact flow's ConnectEvent,
// and the HTTP functions a Function URL request (payload 2.0); those answer
// the Function URL response buffered (statusCode, headers, body), where AWS
// streams it.

// invokePath is the Invoke API's route, under invokePrefix.
const (
	invokePrefix = "/2015-03-31/functions/"
	invokePath   = "POST " + invokePrefix + "{name}/invocations"
)

// invokeTimeout bounds one invocation, as a function's timeout does.
const invokeTimeout = 30 * time.Second

// functions builds the handler of every function the runner serves, by
// name, and says why a listed function is not served (none should be).
func (m *Main) functions(api *httpapi.API) (map[string]lambda.Handler, map[string]string) {
	fns, missing := map[string]lambda.Handler{}, map[string]string{}
	for name, fn := range Targets(m.UseCases, m.Log) {
		if _, ok := functions.Get(name); ok { // log-group targets are not functions
			fns[name] = lambda.NewHandler(fn)
		}
	}
	// A function URL reaches the function after IAM or with its webhook
	// signature: no admin guard, as in AWS (this route is loopback-only).
	urlAPI := *api
	urlAPI.AdminGuard, urlAPI.AuditGuard = nil, nil
	for _, name := range httpapi.HTTPFunctions() {
		h, err := urlAPI.Handler(name)
		if err != nil {
			missing[name] = err.Error()
			continue
		}
		fns[name] = functionURL(h)
	}
	if flow, err := amazonconnect.NewFlow(m.UseCases.DialDetection, m.UseCases.PriorityCallbackRouting, m.ConnectAgents,
		m.options()); err != nil {
		missing[functions.ConnectFlow] = err.Error()
	} else {
		fns[functions.ConnectFlow] = lambda.NewHandler(flow.Handle)
	}
	fns[functions.OutboxPublisher] = lambda.NewHandler(m.outboxHandler.Handle)
	fns[functions.AlertEscalation] = lambda.NewHandler(handler.AlertEscalation{UseCase: m.UseCases.AlertEscalation}.Handle)
	for _, f := range functions.All {
		if _, ok := fns[f.Name]; !ok && missing[f.Name] == "" {
			missing[f.Name] = "no local handler"
		}
	}
	return fns, missing
}

// functionURL serves a Function URL request (payload 2.0) with an
// http.Handler, as lambdaurl does in the functions, and buffers the answer.
func functionURL(h http.Handler) lambda.Handler {
	serve := lambdaurl.Wrap(h)
	return lambda.NewHandler(func(ctx context.Context, req *lambdaevents.LambdaFunctionURLRequest) (*lambdaevents.LambdaFunctionURLResponse, error) {
		if req.RequestContext.HTTP.Method == "" {
			return nil, fmt.Errorf("not a Function URL request (payload 2.0): requestContext.http.method is missing")
		}
		res, err := serve(ctx, req)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(res.Body)
		if err != nil {
			return nil, fmt.Errorf("response body: %w", err)
		}
		out := &lambdaevents.LambdaFunctionURLResponse{StatusCode: res.StatusCode, Headers: res.Headers, Cookies: res.Cookies}
		if utf8.Valid(body) {
			out.Body = string(body)
		} else {
			out.Body, out.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
		return out, nil
	})
}

// maxAsyncInvokes bounds the asynchronous invocations under way at once;
// beyond, the Invoke API answers 429, as Lambda does when throttling.
const maxAsyncInvokes = 64

// asyncInvokes are the asynchronous invocations under way: Close waits
// for them, and there are at most cap(slots).
type asyncInvokes struct {
	wg    sync.WaitGroup
	slots chan struct{}
}

func newAsyncInvokes(n int) *asyncInvokes { return &asyncInvokes{slots: make(chan struct{}, n)} }

// invokeHandler serves the Invoke API over the functions.
// Asynchronous invocations run on after the answer, tracked by async.
func invokeHandler(fns map[string]lambda.Handler, missing map[string]string, async *asyncInvokes, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := httpapi.LoopbackOnly(r); err != nil {
			lambdaError(w, http.StatusForbidden, "AccessDeniedException", "loopback only")
			return
		}
		name := functionName(r.PathValue("name"))
		fn, ok := fns[name]
		if !ok {
			msg := "Function not found: " + name
			if why := missing[name]; why != "" {
				msg = fmt.Sprintf("Function %s is not served locally: %s", name, why)
			}
			lambdaError(w, http.StatusNotFound, "ResourceNotFoundException", msg)
			return
		}
		payload, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 6<<20)) // Lambda's synchronous payload limit
		if err != nil {
			lambdaError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", err.Error())
			return
		}
		if len(payload) == 0 {
			payload = []byte("{}") // what the CLI sends with no --payload
		}
		w.Header().Set("X-Amz-Executed-Version", "$LATEST")
		switch t := r.Header.Get("X-Amz-Invocation-Type"); t {
		case "DryRun":
			w.WriteHeader(http.StatusNoContent)
			return
		case "Event":
			select {
			case async.slots <- struct{}{}:
			default:
				w.Header().Set("Retry-After", "1")
				lambdaError(w, http.StatusTooManyRequests, "TooManyRequestsException",
					fmt.Sprintf("%d asynchronous invocations under way already", cap(async.slots)))
				return
			}
			async.wg.Add(1)
			go func() {
				defer func() { <-async.slots; async.wg.Done() }()
				ctx, cancel := context.WithTimeout(context.Background(), invokeTimeout)
				defer cancel()
				if _, err := fn.Invoke(ctx, payload); err != nil {
					log.Error("asynchronous invocation failed", "function", name, "err", err)
				}
			}()
			w.WriteHeader(http.StatusAccepted)
			return
		case "", "RequestResponse":
		default:
			lambdaError(w, http.StatusBadRequest, "InvalidParameterValueException", "X-Amz-Invocation-Type "+t)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), invokeTimeout)
		defer cancel()
		out, err := fn.Invoke(ctx, payload)
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			// A function error is a successful invocation that says so.
			log.Warn("invocation failed", "function", name, "err", err)
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			b, _ := json.Marshal(map[string]string{"errorMessage": err.Error(), "errorType": errorType(err)})
			_, _ = w.Write(b)
			return
		}
		_, _ = w.Write(out)
	})
}

// functionName takes a name, a partial ARN (123456789012:function:name) or
// an ARN, with or without a qualifier, as the Invoke API does.
func functionName(s string) string {
	if i := strings.LastIndex(s, "function:"); i >= 0 {
		s = s[i+len("function:"):]
	}
	name, _, _ := strings.Cut(s, ":")
	return name
}

// errorType names an error's type as the Go Lambda runtime does.
func errorType(err error) string {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// lambdaError is an Invoke API error (not a function error).
func lambdaError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"Type": "User", "message": msg})
	_, _ = w.Write(b)
}
