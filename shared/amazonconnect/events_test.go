package amazonconnect_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mayday/mayday/shared/amazonconnect"
	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/testkit/harness"
)

func contactEvent(t *testing.T, name string, change func(*lambdaevents.EventBridgeEvent)) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(harness.TestdataDir(), "connect", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var e lambdaevents.EventBridgeEvent
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(&e)
	}
	out, _ := json.Marshal(e)
	return out
}

// TestContactEvents: a disconnected voice contact ends its call (at the
// disconnect time, once however often it comes); a connected contact and a
// chat are ignored; what is not a contact event, or is malformed, is an
// invalid event (for the dead-letter queue), not a silent success.
func TestContactEvents(t *testing.T) {
	ctx := context.Background()
	ended := time.Date(2026, 11, 22, 21, 4, 11, 0, time.UTC)
	tests := []struct {
		name    string
		fixture string
		change  func(*lambdaevents.EventBridgeEvent)
		wantErr error
		ended   bool
	}{
		{name: "disconnected", fixture: "contact-event-disconnected", ended: true},
		{name: "connected: ignored", fixture: "contact-event-connected"},
		{name: "chat: ignored", fixture: "contact-event-chat-disconnected"},
		{name: "not from Connect", fixture: "contact-event-disconnected", wantErr: mayday.ErrInvalid,
			change: func(e *lambdaevents.EventBridgeEvent) { e.Source = "mayday" }},
		{name: "malformed detail", fixture: "contact-event-disconnected", wantErr: mayday.ErrInvalid,
			change: func(e *lambdaevents.EventBridgeEvent) { e.Detail = json.RawMessage(`{"eventType":7}`) }},
		{name: "malformed disconnect time", fixture: "contact-event-disconnected", wantErr: mayday.ErrInvalid,
			change: func(e *lambdaevents.EventBridgeEvent) {
				e.Detail = json.RawMessage(`{"eventType":"DISCONNECTED","channel":"VOICE","contactId":"c","disconnectTimestamp":"yesterday"}`)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := inmem.NewStore()
			f := newFixture(t, store, store)
			h := lambda.NewHandler(amazonconnect.ContactEvents{Dial: f.uc.DialDetection}.Handle)
			for range 2 {
				_, err := h.Invoke(ctx, contactEvent(t, tt.fixture, tt.change))
				if tt.wantErr != nil {
					if !errors.Is(err, tt.wantErr) {
						t.Fatalf("err %v, want %v", err, tt.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			c, err := store.GetCall(ctx, dialContact)
			switch {
			case tt.ended && (err != nil || !c.EndedAt.Equal(ended)):
				t.Errorf("call %+v (%v), want ended at %s", c, err, ended)
			case !tt.ended && !errors.Is(err, mayday.ErrNotFound):
				t.Errorf("call %+v (%v), want none", c, err)
			}
		})
	}
}
