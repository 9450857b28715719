package httpapi

import (
	"net/http"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// RecordEntryView is an emergency record entry as the audit route and the
// export write it (one JSON line each).
type RecordEntryView struct {
	CallID     string            `json:"callId"`
	Seq        int               `json:"seq"`
	ID         string            `json:"id"`
	Kind       string            `json:"kind"`
	At         time.Time         `json:"at"`
	RecordedAt time.Time         `json:"recordedAt"`
	Source     string            `json:"source"`
	Fields     map[string]string `json:"fields"`
	PrevHash   string            `json:"prevHash"`
	Hash       string            `json:"hash"`
}

// ViewRecordEntry is an entry's wire format.
func ViewRecordEntry(e mayday.RecordEntry) RecordEntryView {
	f := e.Fields
	if f == nil {
		f = map[string]string{}
	}
	return RecordEntryView{CallID: e.CallID, Seq: e.Seq, ID: e.ID, Kind: e.Kind, At: e.At.UTC(), RecordedAt: e.RecordedAt.UTC(),
		Source: e.Source, Fields: f, PrevHash: e.PrevHash, Hash: e.Hash}
}

type recordView struct {
	CallID  string            `json:"callId"`
	Entries []RecordEntryView `json:"entries"`
	// Verified says the hash chain holds; Tamper, when it does not, where
	// it breaks.
	Verified bool        `json:"verified"`
	Tamper   *tamperView `json:"tamper,omitempty"`
}

type tamperView struct {
	Seq    int    `json:"seq"`
	Reason string `json:"reason"`
}

func (a *API) emergencyRecord(w http.ResponseWriter, r *http.Request) error {
	rec, err := a.AuditAPI.Record(r.Context(), r.PathValue("callId"))
	if err != nil {
		return err
	}
	v := recordView{CallID: rec.CallID, Entries: make([]RecordEntryView, len(rec.Entries)), Verified: rec.Tamper == nil}
	for i, e := range rec.Entries {
		v.Entries[i] = ViewRecordEntry(e)
	}
	if t := rec.Tamper; t != nil {
		v.Tamper = &tamperView{Seq: t.Seq, Reason: t.Reason}
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}
