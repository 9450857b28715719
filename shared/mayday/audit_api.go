package mayday

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// AuditAPI is the audit-api function's use case: it reads the emergency
// record, and nothing else. It is apart from the admin API so that the
// admin role cannot read the record, nor the audit role change anything.
type AuditAPI struct {
	record RecordStore
}

// NewAuditAPI builds the use case; it needs only the record store.
func NewAuditAPI(record RecordStore, o Options) (*AuditAPI, error) {
	if isNil(record) {
		return nil, fmt.Errorf("audit api: %w: record store", ErrMissingDependency)
	}
	return &AuditAPI{record: record}, nil
}

// Record is an emergency call's record as read, with whether its chain
// holds (Tamper names where it breaks).
type Record struct {
	CallID  string
	Entries []RecordEntry
	Tamper  *TamperError
}

// Record reads a call's record. A call with none is ErrNotFound.
func (a *AuditAPI) Record(ctx context.Context, callID string) (Record, error) {
	if err := ValidID("callId", callID); err != nil {
		return Record{}, err
	}
	entries, err := a.record.ReadRecord(ctx, callID)
	if err != nil {
		return Record{}, fmt.Errorf("record %s: %w", callID, err)
	}
	if len(entries) == 0 {
		return Record{}, NotFound("emergency record", callID)
	}
	r := Record{CallID: callID, Entries: entries}
	if err := Verify(entries); err != nil && !errors.As(err, &r.Tamper) {
		return Record{}, err
	}
	return r, nil
}

// Since lists the entries recorded at or after since, every call's, for
// the export.
func (a *AuditAPI) Since(ctx context.Context, since time.Time) ([]RecordEntry, error) {
	entries, err := a.record.RecordSince(ctx, since)
	if err != nil {
		return nil, fmt.Errorf("record since %s: %w", since.Format(time.RFC3339), err)
	}
	return entries, nil
}
