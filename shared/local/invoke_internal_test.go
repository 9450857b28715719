package local

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
)

// Asynchronous invocations are bounded: beyond the bound the Invoke API
// answers 429 (Lambda's throttling) instead of starting one more
// goroutine; a finished one frees its place.
func TestAsyncInvocationsAreBounded(t *testing.T) {
	release := make(chan struct{})
	slow := lambda.NewHandler(func(context.Context) error { <-release; return nil })
	async := newAsyncInvokes(2)
	h := invokeHandler(map[string]lambda.Handler{"slow": slow}, nil, async, slog.New(slog.NewTextHandler(io.Discard, nil)))
	invoke := func() (int, string) {
		req := httptest.NewRequest("POST", "/2015-03-31/functions/slow/invocations", strings.NewReader("{}"))
		req.SetPathValue("name", "slow")
		req.RemoteAddr = "127.0.0.1:40000"
		req.Header.Set("X-Amz-Invocation-Type", "Event")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Header().Get("X-Amzn-ErrorType")
	}
	for i, want := range []int{http.StatusAccepted, http.StatusAccepted, http.StatusTooManyRequests} {
		if code, typ := invoke(); code != want || want == http.StatusTooManyRequests && typ != "TooManyRequestsException" {
			close(release)
			t.Fatalf("invocation %d: %d %s, want %d", i+1, code, typ, want)
		}
	}
	close(release)
	async.wg.Wait()
	if code, _ := invoke(); code != http.StatusAccepted {
		t.Fatalf("after the others finished: %d, want 202", code)
	}
	async.wg.Wait()
}
