package inmem

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// Record is an in-memory mayday.RecordStore: append-only, as the DynamoDB
// record table is to the functions. It is apart from Store, as the record
// table is apart from the operational table.
type Record struct {
	mu    sync.RWMutex
	calls map[string][]mayday.RecordEntry
}

var _ mayday.RecordStore = (*Record)(nil)

// NewRecord returns an empty record.
func NewRecord() *Record { return &Record{calls: map[string][]mayday.RecordEntry{}} }

func (r *Record) AppendEntry(ctx context.Context, e mayday.RecordEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := mayday.ValidID("callId", e.CallID); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	entries := r.calls[e.CallID]
	if slices.ContainsFunc(entries, func(x mayday.RecordEntry) bool { return x.Seq == e.Seq }) {
		return fmt.Errorf("%w: record %s already has entry %d", mayday.ErrConflict, e.CallID, e.Seq)
	}
	e.Fields = maps.Clone(e.Fields)
	entries = append(entries, e)
	slices.SortFunc(entries, func(a, b mayday.RecordEntry) int { return cmp.Compare(a.Seq, b.Seq) })
	r.calls[e.CallID] = entries
	return nil
}

func (r *Record) ReadRecord(ctx context.Context, callID string) ([]mayday.RecordEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := mayday.ValidID("callId", callID); err != nil {
		return nil, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return cloneEntries(r.calls[callID]), nil
}

func (r *Record) RecordSince(ctx context.Context, since time.Time) ([]mayday.RecordEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.mu.RLock()
	var out []mayday.RecordEntry
	for _, entries := range r.calls {
		for _, e := range entries {
			if !e.RecordedAt.Before(since) {
				out = append(out, e)
			}
		}
	}
	r.mu.RUnlock()
	slices.SortFunc(out, func(a, b mayday.RecordEntry) int {
		return cmp.Or(a.RecordedAt.Compare(b.RecordedAt), cmp.Compare(a.CallID, b.CallID), cmp.Compare(a.Seq, b.Seq))
	})
	return cloneEntries(out), nil
}

// Tamper changes a stored entry in place, as only someone going around
// Mayday could: for the tests that Verify notices.
func (r *Record) Tamper(callID string, seq int, fn func(*mayday.RecordEntry)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.calls[callID] {
		if r.calls[callID][i].Seq == seq {
			fn(&r.calls[callID][i])
		}
	}
}

func cloneEntries(in []mayday.RecordEntry) []mayday.RecordEntry {
	out := make([]mayday.RecordEntry, len(in))
	for i, e := range in {
		e.Fields = maps.Clone(e.Fields)
		out[i] = e
	}
	return out
}
