package main

import (
	"context"
	"strings"
	"testing"

	"github.com/mayday/mayday/shared/testkit/awsfake"
	"github.com/mayday/mayday/shared/testkit/lambdarie"
)

// TestReplayCommand runs `mayday replay` against a fake SQS queue holding a
// destination record and a Lambda endpoint whose function fails once.
func TestReplayCommand(t *testing.T) {
	q := awsfake.NewSQS()
	defer q.Close()
	l := lambdarie.NewLambda(q)
	defer l.Close()
	fail := true
	var got []string
	l.Add("EmailNotification", func(_ context.Context, p []byte) ([]byte, error) {
		got = append(got, string(p))
		if fail {
			return []byte(`{"errorMessage":"send: paused","errorType":"wrapError"}`), nil
		}
		return []byte("null"), nil
	}, lambdarie.AsyncConfig{})
	url, _ := q.CreateQueue("failed-invocations")
	event := `{"version":"0","id":"ev-9","detail-type":"Callback Lease Allocated","source":"mayday","detail":{"callId":"c-9"}}`
	_ = q.Put(url, `{"version":"1.0","requestContext":{"functionArn":"`+lambdarie.ARN("EmailNotification")+
		`:$LATEST","condition":"RetriesExhausted","approximateInvokeCount":3},"requestPayload":`+event+`}`, nil)
	t.Setenv("AWS_ENDPOINT_URL_SQS", q.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	t.Setenv("AWS_REGION", "us-east-1")
	unsetenv(t, "AWS_PROFILE")

	code, out, _ := runCLI(t, "replay", "-queue", url, "-dry-run")
	if code != 0 || !strings.Contains(out, "ev-9") || !strings.Contains(out, "replayed 0, failed 0, left 1") || len(got) != 0 {
		t.Fatalf("dry run: %d %q, invoked %d", code, out, len(got))
	}
	code, out, errOut := runCLI(t, "replay", "-queue", url, "-lambda-endpoint", l.URL)
	if code != 1 || !strings.Contains(out, "replayed 0, failed 1, left 1") || !strings.Contains(errOut, "failed again") {
		t.Fatalf("failing replay: %d %q %q", code, out, errOut)
	}
	fail = false
	code, out, _ = runCLI(t, "replay", "-queue", url, "-lambda-endpoint", l.URL)
	if code != 0 || !strings.Contains(out, "replayed 1, failed 0, left 0") || len(q.Messages(url)) != 0 {
		t.Fatalf("replay: %d %q, queue %q", code, out, q.Messages(url))
	}
	if len(got) != 2 || got[1] != event {
		t.Fatalf("the function got %q, want the original event twice", got)
	}
	if code, _, _ := runCLI(t, "replay"); code != 2 {
		t.Fatalf("replay without -queue: exit %d, want 2", code)
	}
}
