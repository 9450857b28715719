package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/redact"
	"github.com/mayday/mayday/shared/settings"
)

// TestAccessLogCounts5xx: in the functions' JSON log format, each request's
// access line has message "http" and a numeric status, which the stack's
// metric filter { $.message = "http" && $.status >= 500 } counts: a 503
// (secret unreadable) matches, a 401 does not; no personal data in it.
func TestAccessLogCounts5xx(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(redact.Handler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: lambdacontext.ReplaceAttr})))
	uc, err := mayday.NewUseCases(inmem.NewStore(), nopBus{}, inmem.NewOutbox(mayday.SystemClock{}),
		mayday.Options{Config: settings.Defaults(), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	api := httpapi.ForUseCases(uc)
	api.Log = log
	failing := true
	api.Secrets = func(context.Context) ([][]byte, error) {
		if failing {
			return nil, errors.New("AccessDeniedException")
		}
		return [][]byte{secret}, nil
	}
	h := mustHandler(t, api, httpapi.FnDialDetection)
	body := `{"type":"call.dialed","callId":"c-1","agentId":"a-1","from":"+14255550100","to":"911","country":"US","occurredAt":"2026-11-22T21:00:00Z"}`
	if rec := do(h, "POST", "/v1/telephony/events", body, signed(body)); rec.Code != 503 {
		t.Fatalf("status %d, want 503", rec.Code)
	}
	failing = false
	if rec := do(h, "POST", "/v1/telephony/events", body, nil); rec.Code != 401 {
		t.Fatalf("status %d, want 401", rec.Code)
	}
	var matched []float64
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if rec["message"] != httpapi.AccessLogMessage {
			continue
		}
		status, ok := rec["status"].(float64)
		if !ok {
			t.Fatalf("access line without a numeric status: %s", line)
		}
		if strings.Contains(line, "+1425") {
			t.Errorf("personal data in the access line: %s", line)
		}
		if status >= 500 {
			matched = append(matched, status)
		}
	}
	if len(matched) != 1 || matched[0] != 503 {
		t.Errorf("5xx access lines %v, want exactly the 503", matched)
	}
}
