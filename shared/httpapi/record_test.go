package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
)

type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { c.t = c.t.Add(time.Second); return c.t }

// TestEmergencyRecordRoute: the audit function serves the record, in
// order and verified, and nothing else; the admin function does not serve
// it; unknown calls are 404, hostile ids 400, a tampered record says where.
func TestEmergencyRecordRoute(t *testing.T) {
	rec := inmem.NewRecord()
	at := time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)
	if _, err := mayday.AppendRecord(context.Background(), rec, &fixedClock{t: at}, "c-1",
		mayday.RecordDraft{ID: "1", Kind: mayday.RecordDialReceived, At: at, Source: "Emergency Call Started",
			Fields: map[string]string{"dialedNumber": "9-911"}},
		mayday.RecordDraft{ID: "2", Kind: mayday.RecordCallerIDPresented, At: at, Source: "Emergency Call Started",
			Fields: map[string]string{"callerId": "+14255550001", "callerIdSource": "lease"}}); err != nil {
		t.Fatal(err)
	}
	uc := newUseCases(t)
	audit, err := mayday.NewAuditAPI(rec, mayday.Options{})
	if err != nil {
		t.Fatal(err)
	}
	uc.AuditAPI = audit
	api := httpapi.ForUseCases(uc)
	auditFn := mustHandler(t, api, httpapi.FnAudit)
	adminFn := mustHandler(t, api, httpapi.FnAdmin)

	for _, tc := range []struct {
		name    string
		h       http.Handler
		path    string
		want    int
		entries int
	}{
		{"the record", auditFn, "/v1/emergencies/c-1/record", 200, 2},
		{"an unknown call", auditFn, "/v1/emergencies/c-404/record", 404, 0},
		{"a hostile id", auditFn, "/v1/emergencies/c%0A1/record", 400, 0},
		{"a traversal", auditFn, "/v1/emergencies/..%2Fc-1/record", 400, 0},
		{"an id too long", auditFn, "/v1/emergencies/" + longID() + "/record", 400, 0},
		{"the admin function does not serve it", adminFn, "/v1/emergencies/c-1/record", 404, 0},
		{"the audit function serves no admin route", auditFn, "/v1/agents/a-1", 404, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(tc.h, "GET", tc.path, "", nil)
			if r.Code != tc.want {
				t.Fatalf("%d %s, want %d", r.Code, r.Body, tc.want)
			}
			if tc.want != 200 {
				return
			}
			var v struct {
				CallID   string                    `json:"callId"`
				Verified bool                      `json:"verified"`
				Entries  []httpapi.RecordEntryView `json:"entries"`
			}
			if err := json.Unmarshal(r.Body.Bytes(), &v); err != nil {
				t.Fatal(err)
			}
			if !v.Verified || len(v.Entries) != tc.entries || v.Entries[0].Kind != mayday.RecordDialReceived ||
				v.Entries[1].Fields["callerIdSource"] != "lease" || v.Entries[1].PrevHash != v.Entries[0].Hash {
				t.Errorf("record %s", r.Body)
			}
		})
	}
	rec.Tamper("c-1", 1, func(e *mayday.RecordEntry) { e.Fields["dialedNumber"] = "9-999" })
	r := do(auditFn, "GET", "/v1/emergencies/c-1/record", "", nil)
	var v struct {
		Verified bool `json:"verified"`
		Tamper   struct {
			Seq int `json:"seq"`
		} `json:"tamper"`
	}
	if err := json.Unmarshal(r.Body.Bytes(), &v); err != nil || r.Code != 200 || v.Verified || v.Tamper.Seq != 1 {
		t.Errorf("tampered: %d %s", r.Code, r.Body)
	}
}

func longID() string {
	b := make([]byte, mayday.MaxIDLength+1)
	for i := range b {
		b[i] = 'a'
	}
	return string(b)
}
