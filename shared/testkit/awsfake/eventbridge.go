package awsfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"quamina.net/go/quamina"
)

// EventBridge is a fake of EventBridge's PutEvents (AWS JSON 1.1) with
// rules: every event put on a bus is matched against the bus's rules'
// patterns (quamina implements EventBridge's pattern language) and handed to
// each matching rule's targets through Deliver. A target that cannot take
// the event has it sent to the target's dead-letter queue with EventBridge's
// attributes (RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE).
type EventBridge struct {
	URL string // the endpoint (AWS_ENDPOINT_URL_EVENTBRIDGE)
	// Deliver hands an event to a target (by ARN); an error is a failed
	// hand-off (not a failed function: Lambda targets are invoked
	// asynchronously).
	Deliver func(target string, event []byte) error
	// SQS receives dead-letter messages (queues by ARN).
	SQS *SQS
	// Unavailable, while set, answers every PutEvents with HTTP 500
	// (InternalException), as EventBridge in an outage.
	Unavailable atomic.Bool

	srv   *httptest.Server
	mu    sync.Mutex
	buses map[string]*bus // by name
	seq   int
	put   []Event
}

// Event is an event as EventBridge delivers it, and where it went.
type Event struct {
	Bus        string
	DetailType string
	Raw        json.RawMessage
	Rules      []string // the rules it matched
}

// Target is one target of a rule.
type Target struct {
	ARN string
	DLQ string // the dead-letter queue's ARN, or ""
}

type bus struct {
	q     *quamina.Quamina
	rules map[string][]Target // by rule ARN
}

// NewEventBridge starts the fake; Close stops it.
func NewEventBridge() *EventBridge {
	e := &EventBridge{buses: map[string]*bus{}}
	e.srv = httptest.NewServer(awsJSON{contentType: "application/x-amz-json-1.1", prefix: "AWSEvents",
		ops: map[string]func([]byte) (any, error){"PutEvents": e.putEvents}})
	e.URL = e.srv.URL
	return e
}

// Close stops the server.
func (e *EventBridge) Close() { e.srv.Close() }

// AddBus creates a bus (the default bus exists only when added).
func (e *EventBridge) AddBus(name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.buses[name] == nil {
		q, _ := quamina.New()
		e.buses[name] = &bus{q: q, rules: map[string][]Target{}}
	}
}

// AddRule adds a pattern rule to a bus.
func (e *EventBridge) AddRule(busName, ruleARN, pattern string, targets []Target) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.buses[busName]
	if b == nil {
		return fmt.Errorf("rule %s: no bus %s", ruleARN, busName)
	}
	if err := b.q.AddPattern(ruleARN, pattern); err != nil {
		return fmt.Errorf("rule %s: pattern %s: %w", ruleARN, pattern, err)
	}
	b.rules[ruleARN] = targets
	return nil
}

// Events is every event put, in order.
func (e *EventBridge) Events() []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Event(nil), e.put...)
}

type putEntry struct {
	Source, DetailType, Detail, EventBusName string
	Resources                                []string
	Time                                     *float64
}

func (e *EventBridge) putEvents(body []byte) (any, error) {
	if e.Unavailable.Load() {
		return nil, &apiError{http.StatusInternalServerError, "InternalException", "service unavailable"}
	}
	var in struct{ Entries []putEntry }
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, err
	}
	if len(in.Entries) == 0 || len(in.Entries) > 10 {
		return nil, &apiError{http.StatusBadRequest, "ValidationException", "1 to 10 entries per PutEvents"}
	}
	type result struct {
		EventId      string `json:",omitempty"`
		ErrorCode    string `json:",omitempty"`
		ErrorMessage string `json:",omitempty"`
	}
	out := struct {
		FailedEntryCount int
		Entries          []result
	}{}
	for _, en := range in.Entries {
		id, code, msg := e.putOne(en)
		if code != "" {
			out.FailedEntryCount++
		}
		out.Entries = append(out.Entries, result{id, code, msg})
	}
	return out, nil
}

// putOne matches one entry against its bus's rules and delivers it.
func (e *EventBridge) putOne(en putEntry) (id, code, msg string) {
	name := en.EventBusName
	if name == "" {
		name = "default"
	}
	if i := strings.LastIndex(name, "event-bus/"); i >= 0 { // an ARN
		name = name[i+len("event-bus/"):]
	}
	if en.Source == "" || en.DetailType == "" || !json.Valid([]byte(en.Detail)) || !strings.HasPrefix(strings.TrimSpace(en.Detail), "{") {
		return "", "MalformedDetail", "Source, DetailType and a JSON object Detail are required"
	}
	e.mu.Lock()
	b := e.buses[name]
	if b == nil {
		e.mu.Unlock()
		return "", "ResourceNotFoundException", "Event bus " + name + " does not exist."
	}
	e.seq++
	id = fmt.Sprintf("6a7e8feb-b491-4cf7-a9f1-%012d", e.seq)
	at := time.Now().UTC()
	if en.Time != nil {
		at = time.Unix(int64(*en.Time), 0).UTC()
	}
	resources := en.Resources
	if resources == nil {
		resources = []string{}
	}
	raw, _ := json.Marshal(map[string]any{"version": "0", "id": id, "detail-type": en.DetailType, "source": en.Source,
		"account": "123456789012", "time": at.Format(time.RFC3339), "region": "us-east-1", "resources": resources,
		"detail": json.RawMessage(en.Detail)})
	matches, err := b.q.MatchesForEvent(raw)
	if err != nil {
		e.mu.Unlock()
		return "", "InternalException", err.Error()
	}
	ev := Event{Bus: name, DetailType: en.DetailType, Raw: raw}
	type delivery struct {
		rule string
		t    Target
	}
	var todo []delivery
	for _, m := range matches {
		rule := m.(string)
		ev.Rules = append(ev.Rules, rule)
		for _, t := range b.rules[rule] {
			todo = append(todo, delivery{rule, t})
		}
	}
	e.put = append(e.put, ev)
	e.mu.Unlock()
	for _, d := range todo {
		if err := e.Deliver(d.t.ARN, raw); err != nil && d.t.DLQ != "" && e.SQS != nil {
			if url, ok := e.SQS.QueueByARN(d.t.DLQ); ok {
				attr := func(v string) MessageAttribute { return MessageAttribute{DataType: "String", StringValue: v} }
				_ = e.SQS.Put(url, string(raw), map[string]MessageAttribute{"RULE_ARN": attr(d.rule), "TARGET_ARN": attr(d.t.ARN),
					"ERROR_CODE": attr("ResourceNotFoundException"), "ERROR_MESSAGE": attr(err.Error())})
			}
		}
	}
	return id, "", ""
}
