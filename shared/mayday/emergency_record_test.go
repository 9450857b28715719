package mayday_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
)

// fixtureEvent reads an event fixture of package events.
func fixtureEvent(t *testing.T, name string) lambdaevents.EventBridgeEvent {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", "testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var e lambdaevents.EventBridgeEvent
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func kinds(entries []mayday.RecordEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Kind)
	}
	return out
}

// TestRecordFromEvents: each recorded event adds its entries to the record
// of the call it names, in the order delivered, with what the record
// needs; a redelivery, or the same event published again under a new id,
// adds nothing.
func TestRecordFromEvents(t *testing.T) {
	ctx := context.Background()
	clock := &stepClock{t: t0}
	rec := inmem.NewRecord()
	uc, err := mayday.NewEmergencyRecord(rec, mayday.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	chain := []string{"emergency-call-started", "callback-lease-allocated", "emergency-alert-escalated",
		"emergency-alert-acknowledged", "emergency-callback-routed", "emergency-call-ended", "presence-watchdog-restored",
		"callback-lease-expired"}
	for round := range 2 { // the second round is every event delivered again
		for _, name := range chain {
			e := fixtureEvent(t, name)
			e.ID = e.ID + string(rune('a'+round)) // republished: a new EventBridge id
			if err := uc.Append(ctx, e.DetailType, e.Detail); err != nil {
				t.Fatalf("round %d, %s: %v", round, name, err)
			}
		}
	}
	got, err := rec.ReadRecord(ctx, "c-1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{mayday.RecordDialReceived, mayday.RecordLocationPresented, mayday.RecordCallerIDPresented,
		mayday.RecordLeaseAllocated, mayday.RecordAlertEscalated, mayday.RecordAlertAcknowledged, mayday.RecordCallbackRouted,
		mayday.RecordCallEnded, mayday.RecordPresenceRestored, mayday.RecordLeaseExpired}
	if !slices.Equal(kinds(got), want) {
		t.Fatalf("kinds %v, want %v", kinds(got), want)
	}
	if err := mayday.Verify(got); err != nil {
		t.Errorf("Verify: %v", err)
	}
	for _, tc := range []struct {
		seq         int
		field, want string
	}{
		{1, "dialedNumber", "9-911"},
		{1, "receivedAt", "2026-11-22T21:00:01Z"},
		{2, "locationKind", "site"},
		{2, "locationSource", "home"},
		{2, "siteId", "sea"},
		{2, "address", "1 Main St, Seattle, WA 98101, US"},
		{3, "callerId", "+14255550001"},
		{3, "callerIdSource", "lease"},
		{3, "leaseExpiresAt", "2026-11-22T22:00:00Z"},
		{5, "alertId", "al-0123456789abcdef01234567"},
		{6, "siteId", "s-1"},
		{6, "by", "Desk officer Lee"},
		{7, "callId", "c-3"}, // the callback, under the call it calls back
		{7, "route", "agent"},
		{9, "by", "watchdog"},
	} {
		if got := got[tc.seq-1].Fields[tc.field]; got != tc.want {
			t.Errorf("entry %d (%s) %s = %q, want %q", tc.seq, got, tc.field, got, tc.want)
		}
	}
	if !got[0].At.Equal(time.Date(2026, 11, 22, 21, 0, 1, 0, time.UTC)) {
		t.Errorf("dial received at %v, want the receivedAt", got[0].At)
	}
	for _, e := range got {
		if e.Source == "" || e.RecordedAt.IsZero() || e.ID == "" {
			t.Errorf("entry %d lacks its source, time or id: %+v", e.Seq, e)
		}
	}
	// The watchdog event names c-3 as well: it has a record of its own.
	if other, _ := rec.ReadRecord(ctx, "c-3"); !slices.Equal(kinds(other), []string{mayday.RecordPresenceRestored}) {
		t.Errorf("c-3: %v", kinds(other))
	}
	if err := uc.Append(ctx, events.CallEnded, json.RawMessage(`{"callId":"c-9"}`)); !errors.Is(err, mayday.ErrInvalid) {
		t.Errorf("an ordinary call's end: %v, want ErrInvalid (never recorded)", err)
	}
}

type stepClock struct{ t time.Time }

func (c *stepClock) Now() time.Time {
	c.t = c.t.Add(time.Second)
	return c.t
}

// TestVerify: the chain holds only as appended; each way of breaking it is
// named at the entry where it breaks.
func TestVerify(t *testing.T) {
	ctx := context.Background()
	build := func() []mayday.RecordEntry {
		rec := inmem.NewRecord()
		clock := &stepClock{t: t0}
		for _, k := range []string{"a", "b", "c", "d"} {
			if _, err := mayday.AppendRecord(ctx, rec, clock, "c-1", mayday.RecordDraft{ID: k, Kind: k, At: t0,
				Source: "test", Fields: map[string]string{"v": k}}); err != nil {
				t.Fatal(err)
			}
		}
		es, _ := rec.ReadRecord(ctx, "c-1")
		return es
	}
	for _, tc := range []struct {
		name    string
		tamper  func([]mayday.RecordEntry) []mayday.RecordEntry
		wantSeq int // 0: verifies
	}{
		{"as appended", func(es []mayday.RecordEntry) []mayday.RecordEntry { return es }, 0},
		{"none", func([]mayday.RecordEntry) []mayday.RecordEntry { return nil }, 0},
		{"field changed", func(es []mayday.RecordEntry) []mayday.RecordEntry { es[1].Fields["v"] = "x"; return es }, 2},
		{"field added", func(es []mayday.RecordEntry) []mayday.RecordEntry { es[2].Fields["w"] = "x"; return es }, 3},
		{"time changed", func(es []mayday.RecordEntry) []mayday.RecordEntry { es[0].At = es[0].At.Add(1); return es }, 1},
		{"entry removed", func(es []mayday.RecordEntry) []mayday.RecordEntry { return slices.Delete(es, 1, 2) }, 2},
		{"last removed", func(es []mayday.RecordEntry) []mayday.RecordEntry { return es[:3] }, 0}, // a prefix is a valid chain
		{"first removed", func(es []mayday.RecordEntry) []mayday.RecordEntry { return es[1:] }, 1},
		{"swapped", func(es []mayday.RecordEntry) []mayday.RecordEntry { es[1], es[2] = es[2], es[1]; return es }, 2},
		{"rehashed", func(es []mayday.RecordEntry) []mayday.RecordEntry {
			es[1].Kind = "forged"
			es[1].Hash = es[1].ComputeHash()
			return es
		}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := mayday.Verify(tc.tamper(build()))
			var te *mayday.TamperError
			switch {
			case tc.wantSeq == 0 && err != nil:
				t.Fatalf("Verify: %v, want nil", err)
			case tc.wantSeq != 0 && (!errors.As(err, &te) || te.Seq != tc.wantSeq):
				t.Fatalf("Verify: %v, want tampered at %d", err, tc.wantSeq)
			}
		})
	}
}

// TestAuditAPIRecord: the record reads back with whether it verifies; an
// unknown call is not found, a hostile id refused.
func TestAuditAPIRecord(t *testing.T) {
	ctx := context.Background()
	rec := inmem.NewRecord()
	if _, err := mayday.AppendRecord(ctx, rec, &stepClock{t: t0}, "c-1",
		mayday.RecordDraft{ID: "a", Kind: "x", At: t0}, mayday.RecordDraft{ID: "b", Kind: "y", At: t0}); err != nil {
		t.Fatal(err)
	}
	api, err := mayday.NewAuditAPI(rec, mayday.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := api.Record(ctx, "c-1")
	if err != nil || len(r.Entries) != 2 || r.Tamper != nil {
		t.Fatalf("Record: %+v, %v", r, err)
	}
	rec.Tamper("c-1", 1, func(e *mayday.RecordEntry) { e.Kind = "z" })
	if r, err := api.Record(ctx, "c-1"); err != nil || r.Tamper == nil || r.Tamper.Seq != 1 {
		t.Errorf("tampered: %+v, %v", r.Tamper, err)
	}
	for _, tc := range []struct {
		id   string
		want error
	}{{"c-unknown", mayday.ErrNotFound}, {"../c-1", mayday.ErrInvalid}, {"", mayday.ErrInvalid}, {"c 1", mayday.ErrInvalid}} {
		if _, err := api.Record(ctx, tc.id); !errors.Is(err, tc.want) {
			t.Errorf("Record(%q): %v, want %v", tc.id, err, tc.want)
		}
	}
	if _, err := mayday.NewAuditAPI(nil, mayday.Options{}); !errors.Is(err, mayday.ErrMissingDependency) {
		t.Errorf("no record store: %v", err)
	}
}

// TestRecordOfTheChain: the use cases that send and restore append to the
// record directly: each email with its message id, and presence restored.
func TestRecordOfTheChain(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	rec := inmem.NewRecord()
	f.opts.Record = rec
	var err error
	if f.uc, err = mayday.NewUseCases(f.store, f.bus, f.mail, f.opts); err != nil {
		t.Fatal(err)
	}
	f.mail.failures = 1 // the first send fails: its retry is the one recorded
	f.dial("c-1")
	f.deliver(events.EmergencyCallStarted)
	lease := f.bus.take(events.CallbackLeaseUnavailable)
	if len(lease) != 1 {
		t.Fatalf("lease events: %d", len(lease))
	}
	d := lease[0].Detail.(events.CallbackLeaseDetail)
	if err := f.uc.EmailNotification.Notify(ctx, d); err == nil {
		t.Fatal("first send: want its failure")
	}
	for range 2 { // the retry, and a redelivery after it
		if err := f.uc.EmailNotification.Notify(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	f.end("c-1")
	for range 2 {
		for _, e := range f.bus.take(events.EmergencyCallEnded) {
			f.bus.Publish(ctx, e, e) //nolint:errcheck // the recorder only fails when told to
		}
		f.deliver(events.EmergencyCallEnded)
	}
	got, _ := rec.ReadRecord(ctx, "c-1")
	if !slices.Equal(kinds(got), []string{mayday.RecordNotificationSent, mayday.RecordPresenceRestored}) {
		t.Fatalf("kinds %v", kinds(got))
	}
	emails := f.mail.Emails()
	if len(emails) != 1 || got[0].Fields["messageId"] != emails[0].MessageID || emails[0].MessageID == "" {
		t.Errorf("notification entry %v, emails %d (%q)", got[0].Fields, len(emails), emails[0].MessageID)
	}
	if got[0].Fields["channel"] != "email" || got[0].Fields["recipients"] != "1" {
		t.Errorf("notification entry %v", got[0].Fields)
	}
	if got[1].Fields["presence"] != string(mayday.Busy) {
		t.Errorf("presence restored entry %v, want Busy", got[1].Fields)
	}
	if err := mayday.Verify(got); err != nil {
		t.Error(err)
	}
}
