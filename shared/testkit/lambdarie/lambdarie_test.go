package lambdarie

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/testkit/awsfake"
)

func TestDecodeURLResponse(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		status   int
		body     string
		streamed bool
		err      bool
	}{
		{"response stream", `{"statusCode":201,"headers":{"content-type":"application/json"}}` + "\x00\x00\x00\x00\x00\x00\x00\x00" + `{"ok":true}`,
			201, `{"ok":true}`, true, false},
		{"stream with an empty body", `{"statusCode":204}` + "\x00\x00\x00\x00\x00\x00\x00\x00", 204, "", true, false},
		{"buffered", `{"statusCode":200,"headers":{},"body":"{\"a\":1}"}`, 200, `{"a":1}`, false, false},
		{"function error", `{"errorMessage":"boom","errorType":"runtime.Error"}`, 0, "", false, true},
		{"not a URL response", `null`, 0, "", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := DecodeURLResponse([]byte(tc.raw))
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if err == nil && (r.Status != tc.status || string(r.Body) != tc.body || r.Streamed != tc.streamed) {
				t.Fatalf("got %d %q streamed=%v", r.Status, r.Body, r.Streamed)
			}
		})
	}
}

// TestAsyncInvocation: a function error is retried as configured, then a
// destination record goes to the on-failure queue; a success stops there.
func TestAsyncInvocation(t *testing.T) {
	tests := []struct {
		name        string
		retries     int
		failures    int // the first n attempts fail
		attempts    int
		destination bool
	}{
		{"keeps failing", 2, 99, 3, true},
		{"succeeds on the last retry", 2, 2, 3, false},
		{"succeeds at once", 2, 0, 1, false},
		{"no retries", 0, 99, 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := awsfake.NewSQS()
			defer q.Close()
			l := NewLambda(q)
			defer l.Close()
			l.RetryDelay = time.Millisecond
			url, _ := q.CreateQueue("dest")
			var n atomic.Int32
			l.Add("Fn", func(context.Context, []byte) ([]byte, error) {
				if int(n.Add(1)) <= tc.failures {
					return []byte(`{"errorMessage":"send: paused","errorType":"wrapError"}`), nil
				}
				return []byte("null"), nil
			}, AsyncConfig{Retries: tc.retries, OnFailure: url})
			event := `{"id":"ev-1","detail-type":"X","detail":{}}`
			if err := l.InvokeAsync(ARN("Fn"), []byte(event)); err != nil {
				t.Fatal(err)
			}
			l.Wait()
			if int(n.Load()) != tc.attempts {
				t.Fatalf("%d attempts, want %d", n.Load(), tc.attempts)
			}
			msgs := q.Messages(url)
			if (len(msgs) == 1) != tc.destination || len(msgs) > 1 {
				t.Fatalf("destination: %q", msgs)
			}
			if !tc.destination {
				return
			}
			var rec struct {
				Version        string
				RequestContext struct {
					FunctionArn            string
					Condition              string
					ApproximateInvokeCount int
				}
				RequestPayload  json.RawMessage
				ResponseContext struct{ FunctionError string }
				ResponsePayload struct{ ErrorType string }
			}
			if err := json.Unmarshal([]byte(msgs[0]), &rec); err != nil {
				t.Fatal(err)
			}
			if rec.Version != "1.0" || rec.RequestContext.FunctionArn != ARN("Fn")+":$LATEST" || rec.RequestContext.Condition != "RetriesExhausted" ||
				rec.RequestContext.ApproximateInvokeCount != tc.attempts || string(rec.RequestPayload) != event ||
				rec.ResponseContext.FunctionError != "Unhandled" || rec.ResponsePayload.ErrorType != "wrapError" {
				t.Fatalf("record: %s", msgs[0])
			}
		})
	}
}

func TestResolve(t *testing.T) {
	phys := map[string]Physical{"Table": {Ref: "t-1", Attrs: map[string]string{"Arn": "arn:t-1"}}}
	tests := []struct {
		in   string
		want string
		err  string
	}{
		{`"plain"`, "plain", ""},
		{`{"Ref":"Table"}`, "t-1", ""},
		{`{"Fn::GetAtt":["Table","Arn"]}`, "arn:t-1", ""},
		{`{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":x:",{"Ref":"AWS::Region"}]]}`, "arn:aws:x:us-east-1", ""},
		{`{"Ref":"Missing"}`, "", "Ref Missing"},
		{`{"Fn::FindInMap":["M","k","v"]}`, "", "Fn::FindInMap"},
	}
	for _, tc := range tests {
		var v any
		_ = json.Unmarshal([]byte(tc.in), &v)
		got, err := Resolve(v, phys)
		if got != tc.want || (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("Resolve(%s) = %q, %v; want %q, %q", tc.in, got, err, tc.want, tc.err)
		}
	}
}
