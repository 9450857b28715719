// Package awscount counts AWS API calls through an SDK middleware, by service
// and operation, so that benchmarks and tests can say what one use case costs
// in AWS requests. Add it to a client (or to aws.Config before building
// clients):
//
//	c := awscount.New()
//	client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
//		o.APIOptions = append(o.APIOptions, awscount.Middleware(c))
//	})
//
// Calls are operations as the caller invokes them (counted once, in the
// Initialize step); Attempts are the HTTP requests the SDK sent for them,
// retries included (counted in the Finalize step, after the retryer); Time
// is the wall time the calls took, from the Initialize step on (retries,
// signing, the round trip and decoding the response included).
package awscount

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// Counter holds the counts. The zero value is not usable; use New.
type Counter struct {
	// Label, if set, names a finer key for a call from its input (for
	// example the DynamoDB item kind it touches); it is counted under
	// "<Service>.<Operation> <label>" in Labelled. It must be safe for
	// concurrent use.
	Label func(service, operation string, input any) string

	mu           sync.Mutex
	calls        map[string]int
	attempts     map[string]int
	labelled     map[string]int
	time         map[string]time.Duration
	labelledTime map[string]time.Duration
}

// New returns an empty counter.
func New() *Counter {
	return &Counter{calls: map[string]int{}, attempts: map[string]int{}, labelled: map[string]int{},
		time: map[string]time.Duration{}, labelledTime: map[string]time.Duration{}}
}

// Key is how an operation is named: "<ServiceID>.<Operation>", e.g.
// "DynamoDB.PutItem", "SESv2.SendEmail", "EventBridge.PutEvents".
func Key(service, operation string) string { return service + "." + operation }

// Add counts n calls of an operation by hand, for calls the process would
// make in AWS but does not make here (e.g. PutEvents replaced by an
// in-process bus).
func (c *Counter) Add(service, operation string, n int) {
	c.mu.Lock()
	c.calls[Key(service, operation)] += n
	c.attempts[Key(service, operation)] += n
	c.mu.Unlock()
}

// Snapshot is the counts at one moment.
type Snapshot struct {
	Calls    map[string]int // by "<Service>.<Operation>"
	Attempts map[string]int // HTTP requests, retries included
	Labelled map[string]int // by "<Service>.<Operation> <label>", when Label is set
	// Time and LabelledTime are the summed wall time of the calls, keyed as
	// Calls and Labelled (calls counted by hand with Add take none).
	Time         map[string]time.Duration
	LabelledTime map[string]time.Duration
}

// Total is the number of calls.
func (s Snapshot) Total() int {
	n := 0
	for _, v := range s.Calls {
		n += v
	}
	return n
}

// TotalAttempts is the number of HTTP requests.
func (s Snapshot) TotalAttempts() int {
	n := 0
	for _, v := range s.Attempts {
		n += v
	}
	return n
}

// TotalTime is the summed wall time of the calls.
func (s Snapshot) TotalTime() time.Duration {
	var d time.Duration
	for _, v := range s.Time {
		d += v
	}
	return d
}

func sub[V int | time.Duration](a, b map[string]V) map[string]V {
	out := map[string]V{}
	for k, v := range a {
		if d := v - b[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

func sum[V int | time.Duration](a, b map[string]V) map[string]V {
	out := maps.Clone(a)
	if out == nil {
		out = map[string]V{}
	}
	for k, v := range b {
		out[k] += v
	}
	return out
}

// Sub is s minus an earlier snapshot.
func (s Snapshot) Sub(earlier Snapshot) Snapshot {
	return Snapshot{Calls: sub(s.Calls, earlier.Calls), Attempts: sub(s.Attempts, earlier.Attempts),
		Labelled: sub(s.Labelled, earlier.Labelled), Time: sub(s.Time, earlier.Time),
		LabelledTime: sub(s.LabelledTime, earlier.LabelledTime)}
}

// Add is s plus another snapshot (e.g. the same step of several runs).
func (s Snapshot) Add(other Snapshot) Snapshot {
	return Snapshot{Calls: sum(s.Calls, other.Calls), Attempts: sum(s.Attempts, other.Attempts),
		Labelled: sum(s.Labelled, other.Labelled), Time: sum(s.Time, other.Time),
		LabelledTime: sum(s.LabelledTime, other.LabelledTime)}
}

// String lists the calls, most frequent first: "DynamoDB.GetItem=3 ...".
func (s Snapshot) String() string {
	keys := slices.Collect(maps.Keys(s.Calls))
	slices.SortFunc(keys, func(a, b string) int {
		if s.Calls[a] != s.Calls[b] {
			return s.Calls[b] - s.Calls[a]
		}
		return strings.Compare(a, b)
	})
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strconv.Itoa(s.Calls[k]))
	}
	return b.String()
}

// Snapshot copies the counts.
func (c *Counter) Snapshot() Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Snapshot{Calls: maps.Clone(c.calls), Attempts: maps.Clone(c.attempts), Labelled: maps.Clone(c.labelled),
		Time: maps.Clone(c.time), LabelledTime: maps.Clone(c.labelledTime)}
}

// Reset sets every count to zero.
func (c *Counter) Reset() {
	c.mu.Lock()
	clear(c.calls)
	clear(c.attempts)
	clear(c.labelled)
	clear(c.time)
	clear(c.labelledTime)
	c.mu.Unlock()
}

// Middleware returns the SDK API option that counts every operation of the
// client it is added to (aws.Config.APIOptions or <service>.Options.APIOptions).
func Middleware(c *Counter) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc("awscount.Calls",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
				middleware.InitializeOutput, middleware.Metadata, error) {
				svc, op := awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)
				var label string
				if c.Label != nil {
					label = c.Label(svc, op, in.Parameters)
				}
				k := Key(svc, op)
				c.mu.Lock()
				c.calls[k]++
				if label != "" {
					c.labelled[k+" "+label]++
				}
				c.mu.Unlock()
				start := time.Now()
				out, md, err := next.HandleInitialize(ctx, in)
				took := time.Since(start)
				c.mu.Lock()
				c.time[k] += took
				if label != "" {
					c.labelledTime[k+" "+label] += took
				}
				c.mu.Unlock()
				return out, md, err
			}), middleware.After)
		if err != nil {
			return err
		}
		attempt := middleware.FinalizeMiddlewareFunc("awscount.Attempts",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
				middleware.FinalizeOutput, middleware.Metadata, error) {
				k := Key(awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx))
				c.mu.Lock()
				c.attempts[k]++
				c.mu.Unlock()
				return next.HandleFinalize(ctx, in)
			})
		// After the retryer, so that each attempt passes here.
		// A stack with no retryer gets it at the end of Finalize.
		if err := stack.Finalize.Insert(attempt, "Retry", middleware.After); err != nil {
			return stack.Finalize.Add(attempt, middleware.After)
		}
		return nil
	}
}
