package ebpublisher

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/mayday"
)

// entry is a PutEvents request entry as it goes over the wire.
type entry struct {
	Source       string
	DetailType   string
	Detail       string
	EventBusName string
}

// fakeEventBridge speaks just enough of the EventBridge JSON 1.1 protocol:
// PutEvents, failing the entries fail names (by call number from 1 and
// position in that call) with its error code.
type fakeEventBridge struct {
	fail func(call, i int, e entry) string

	mu    sync.Mutex
	calls [][]entry
}

func (f *fakeEventBridge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if got := r.Header.Get("X-Amz-Target"); got != "AWSEvents.PutEvents" {
		http.Error(w, "unexpected target "+got, http.StatusBadRequest)
		return
	}
	var req struct{ Entries []entry }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.calls = append(f.calls, req.Entries)
	call := len(f.calls)
	f.mu.Unlock()
	type result struct {
		EventId, ErrorCode, ErrorMessage string `json:",omitempty"`
	}
	resp := struct {
		FailedEntryCount int
		Entries          []result
	}{}
	for i, e := range req.Entries {
		if code := f.failure(call, i, e); code != "" {
			resp.FailedEntryCount++
			resp.Entries = append(resp.Entries, result{ErrorCode: code, ErrorMessage: "try again"})
			continue
		}
		resp.Entries = append(resp.Entries, result{EventId: fmt.Sprintf("ev-%d-%d", call, i)})
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(resp)
}

func (f *fakeEventBridge) failure(call, i int, e entry) string {
	if f.fail == nil {
		return ""
	}
	return f.fail(call, i, e)
}

func (f *fakeEventBridge) Calls() [][]entry {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func newPublisher(t *testing.T, f *fakeEventBridge) *Publisher {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	client := eventbridge.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	}, func(o *eventbridge.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	p := New(client, "mayday-bus")
	p.backoff = time.Millisecond
	return p
}

func started(n int) []events.Event {
	evs := make([]events.Event, n)
	for i := range evs {
		evs[i] = events.Event{DetailType: events.EmergencyCallStarted, Detail: events.EmergencyCallStartedDetail{
			CallID: fmt.Sprintf("c-%d", i), AgentID: "a-1", DialedNumber: "9-911", EmergencyNumber: "911",
			Country: "US", Location: `Bldg "4" & <floor 2>`, StartedAt: time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC),
			PresenceApplied: true,
		}}
	}
	return evs
}

func callID(t *testing.T, e entry) string {
	t.Helper()
	var d events.EmergencyCallStartedDetail
	if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
		t.Fatalf("detail %q: %v", e.Detail, err)
	}
	return d.CallID
}

func TestPublishBatchesAndRoundTrips(t *testing.T) {
	f := &fakeEventBridge{}
	evs := started(23)
	if err := newPublisher(t, f).Publish(context.Background(), evs...); err != nil {
		t.Fatal(err)
	}
	calls := f.Calls()
	if len(calls) != 3 {
		t.Fatalf("%d PutEvents calls, want 3", len(calls))
	}
	i := 0
	for _, c := range calls {
		if len(c) > 10 {
			t.Errorf("call with %d entries, over 10", len(c))
		}
		for _, e := range c {
			if e.Source != events.Source || e.DetailType != events.EmergencyCallStarted || e.EventBusName != "mayday-bus" {
				t.Errorf("entry %d = %+v", i, e)
			}
			var got events.EmergencyCallStartedDetail
			if err := json.Unmarshal([]byte(e.Detail), &got); err != nil {
				t.Fatalf("entry %d detail: %v", i, err)
			}
			if want := evs[i].Detail.(events.EmergencyCallStartedDetail); got != want {
				t.Errorf("entry %d detail = %+v, want %+v", i, got, want)
			}
			i++
		}
	}
	if i != 23 {
		t.Errorf("%d entries sent, want 23", i)
	}
}

func TestPublishRetriesOnlyFailedEntries(t *testing.T) {
	f := &fakeEventBridge{fail: func(call, i int, e entry) string {
		if call == 1 && (i == 1 || i == 4) {
			return "ThrottlingException"
		}
		return ""
	}}
	if err := newPublisher(t, f).Publish(context.Background(), started(6)...); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	calls := f.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d calls, want 2", len(calls))
	}
	if len(calls[1]) != 2 || callID(t, calls[1][0]) != "c-1" || callID(t, calls[1][1]) != "c-4" {
		t.Errorf("retry sent %+v, want only c-1 and c-4", calls[1])
	}
}

func TestPublishPersistentFailure(t *testing.T) {
	f := &fakeEventBridge{fail: func(call, i int, e entry) string {
		var d events.EmergencyCallStartedDetail
		_ = json.Unmarshal([]byte(e.Detail), &d) // on the server's goroutine: no t.Fatal
		switch d.CallID {
		case "c-0", "c-2":
			return "ThrottlingException"
		case "c-3":
			return "InternalFailure"
		}
		return ""
	}}
	err := newPublisher(t, f).Publish(context.Background(), started(5)...)
	if err == nil {
		t.Fatal("Publish succeeded, want an error")
	}
	for _, want := range []string{"3 event(s)", "ThrottlingException×2", "InternalFailure×1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if !errors.Is(err, mayday.ErrUnavailable) {
		t.Errorf("error %v is not ErrUnavailable", err)
	}
	calls := f.Calls()
	if len(calls) != 3 || len(calls[1]) != 3 || len(calls[2]) != 3 {
		t.Errorf("calls of %v entries, want [5 3 3]", lens(calls))
	}
}

func TestPublishSizeLimits(t *testing.T) {
	big := func(id string, n int) events.Event {
		return events.Event{DetailType: events.EmergencyCallStarted,
			Detail: events.EmergencyCallStartedDetail{CallID: id, Location: strings.Repeat("x", n)}}
	}
	t.Run("oversized entry refused before any call", func(t *testing.T) {
		f := &fakeEventBridge{}
		err := newPublisher(t, f).Publish(context.Background(), started(1)[0], big("huge", 256*1024))
		if !errors.Is(err, mayday.ErrInvalid) {
			t.Fatalf("Publish = %v, want ErrInvalid", err)
		}
		if n := len(f.Calls()); n != 0 {
			t.Errorf("%d calls made, want none", n)
		}
	})
	t.Run("requests stay under 256 KiB", func(t *testing.T) {
		f := &fakeEventBridge{}
		evs := []events.Event{big("a", 100*1024), big("b", 100*1024), big("c", 100*1024), started(1)[0]}
		if err := newPublisher(t, f).Publish(context.Background(), evs...); err != nil {
			t.Fatal(err)
		}
		calls := f.Calls()
		if got := lens(calls); len(got) != 2 || got[0] != 2 || got[1] != 2 {
			t.Errorf("calls of %v entries, want [2 2]", got)
		}
		for _, c := range calls {
			n := 0
			for _, e := range c {
				n += len(e.Source) + len(e.DetailType) + len(e.Detail)
			}
			if n > 256*1024 {
				t.Errorf("request of %d bytes", n)
			}
		}
	})
}

func lens(calls [][]entry) []int {
	var out []int
	for _, c := range calls {
		out = append(out, len(c))
	}
	return out
}
