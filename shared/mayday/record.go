package mayday

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The emergency record: each emergency call's timeline, append-only and
// tamper-evident. Every entry carries the SHA-256 hash of the one before, so
// an entry changed or removed after the fact breaks the chain (Verify). It
// is kept apart from call history and from the operational store: the
// functions that write it may only add to it.

// RecordEntry is one entry of an emergency call's record.
type RecordEntry struct {
	CallID string
	// Seq numbers the call's entries from 1 in the order appended; the
	// store refuses a second entry with the same Seq, so two writers cannot
	// fork the chain.
	Seq int
	// ID is what the entry records, derived from its source (an event's
	// content, a message id): the same fact appended twice is one entry.
	ID string
	// Kind says what happened (the Record* constants, open to more).
	Kind string
	// At is when it happened, as its source says; RecordedAt when it was
	// appended, by our clock.
	At         time.Time
	RecordedAt time.Time
	// Source is what the entry was taken from: an event's detail-type, or
	// the use case that appended it directly.
	Source string
	Fields map[string]string
	// PrevHash is the Hash of entry Seq-1 (GenesisHash for the first);
	// Hash is this entry's, over every field above.
	PrevHash string
	Hash     string
}

// Kinds of record entries. The list is open: acknowledgements and
// escalations append their own.
const (
	RecordDialReceived        = "dial-received"
	RecordLocationPresented   = "location-presented"
	RecordCallerIDPresented   = "caller-id-presented"
	RecordLeaseAllocated      = "lease-allocated"
	RecordLeaseUnavailable    = "lease-unavailable"
	RecordPoolExhausted       = "pool-exhausted"
	RecordNotificationSent    = "notification-sent"
	RecordCallbackRouted      = "callback-routed"
	RecordCallEnded           = "call-ended"
	RecordPresenceRestored    = "presence-restored"
	RecordLeaseExpired        = "lease-expired"
	RecordAlertAcknowledged   = "alert-acknowledged"
	RecordAlertEscalated      = "alert-escalated"
	RecordLocationUnknownSite = "location-unknown-site"
)

// GenesisHash is the PrevHash of a call's first entry.
var GenesisHash = strings.Repeat("0", sha256.Size*2)

// ErrTampered is what Verify returns, wrapped in a *TamperError, when the
// chain does not hold.
var ErrTampered = errors.New("record tampered")

// TamperError names the first entry at which the chain breaks.
type TamperError struct {
	Seq    int
	Reason string
}

func (e *TamperError) Error() string {
	return fmt.Sprintf("record tampered at entry %d: %s", e.Seq, e.Reason)
}
func (e *TamperError) Unwrap() error { return ErrTampered }

// RecordStore keeps the emergency record. It only adds: no entry is ever
// changed or deleted by Mayday (the adapter's retention may expire them).
type RecordStore interface {
	// AppendEntry writes e, which carries its Seq and hashes; it fails with
	// ErrConflict when the call already has an entry with e.Seq.
	AppendEntry(ctx context.Context, e RecordEntry) error
	// ReadRecord returns the call's entries in Seq order (none: empty).
	ReadRecord(ctx context.Context, callID string) ([]RecordEntry, error)
	// RecordSince returns the entries recorded at or after since, by
	// RecordedAt, then call and Seq.
	RecordSince(ctx context.Context, since time.Time) ([]RecordEntry, error)
}

// hashed is an entry's hashed content: a struct, so its JSON has a fixed
// field order, and Fields a map, which encoding/json writes sorted.
type hashed struct {
	CallID     string            `json:"callId"`
	Seq        int               `json:"seq"`
	ID         string            `json:"id"`
	Kind       string            `json:"kind"`
	At         string            `json:"at"`
	RecordedAt string            `json:"recordedAt"`
	Source     string            `json:"source"`
	Fields     map[string]string `json:"fields"`
	PrevHash   string            `json:"prevHash"`
}

// RecordTimeFormat is how record times are written, hashed and stored:
// fixed width, so that they sort as strings.
const RecordTimeFormat = "2006-01-02T15:04:05.000000000Z"

// ComputeHash is the hash the entry should carry.
func (e RecordEntry) ComputeHash() string {
	if e.Fields == nil { // as an empty map: a store may read either back
		e.Fields = map[string]string{}
	}
	b, err := json.Marshal(hashed{CallID: e.CallID, Seq: e.Seq, ID: e.ID, Kind: e.Kind,
		At: e.At.UTC().Format(RecordTimeFormat), RecordedAt: e.RecordedAt.UTC().Format(RecordTimeFormat),
		Source: e.Source, Fields: e.Fields, PrevHash: e.PrevHash})

	if err != nil {
		panic(fmt.Sprintf("record: hash: %v", err)) // strings only: cannot fail
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Verify checks a call's entries, as ReadRecord returns them: numbered
// from 1 without a gap, each chained to the one before, each hash its
// content's. It names the first entry where the chain breaks.
func Verify(entries []RecordEntry) error {
	prev := GenesisHash
	for i, e := range entries {
		switch {
		case e.Seq != i+1:
			return &TamperError{Seq: i + 1, Reason: fmt.Sprintf("entry %d missing (found %d)", i+1, e.Seq)}
		case e.PrevHash != prev:
			return &TamperError{Seq: e.Seq, Reason: "does not chain to the entry before"}
		case e.ComputeHash() != e.Hash:
			return &TamperError{Seq: e.Seq, Reason: "content does not match its hash"}
		}
		prev = e.Hash
	}
	return nil
}

// RecordDraft is what a use case appends: the entry before it is numbered,
// timestamped and chained.
type RecordDraft struct {
	ID     string
	Kind   string
	At     time.Time
	Source string
	Fields map[string]string
}

// appendAttempts bounds the re-reads when another writer appended first.
const appendAttempts = 8

// AppendRecord appends the drafts to the call's record, in order, skipping
// those whose ID the record holds already. When another writer takes the
// next Seq first, it reads the record again and chains after that entry.
func AppendRecord(ctx context.Context, store RecordStore, clock Clock, callID string, drafts ...RecordDraft) (int, error) {
	if err := ValidID("callId", callID); err != nil {
		return 0, err
	}
	added := 0
	for attempt := 1; ; attempt++ {
		entries, err := store.ReadRecord(ctx, callID)
		if err != nil {
			return added, fmt.Errorf("record %s: read: %w", callID, err)
		}
		pending := slices.DeleteFunc(slices.Clone(drafts), func(d RecordDraft) bool {
			return slices.ContainsFunc(entries, func(e RecordEntry) bool { return e.ID == d.ID })
		})
		if len(pending) == 0 {
			return added, nil
		}
		seq, prev := 0, GenesisHash
		if n := len(entries); n > 0 {
			seq, prev = entries[n-1].Seq, entries[n-1].Hash
		}
		conflict := false
		for _, d := range pending {
			e := RecordEntry{CallID: callID, Seq: seq + 1, ID: d.ID, Kind: d.Kind, At: d.At.UTC(),
				RecordedAt: clock.Now().UTC(), Source: d.Source, Fields: d.Fields, PrevHash: prev}
			e.Hash = e.ComputeHash()
			if err := store.AppendEntry(ctx, e); errors.Is(err, ErrConflict) {
				conflict = true
				break
			} else if err != nil {
				return added, fmt.Errorf("record %s: append entry %d: %w", callID, e.Seq, err)
			}
			added++
			seq, prev = e.Seq, e.Hash
		}
		if !conflict {
			return added, nil
		}
		if attempt >= appendAttempts {
			return added, fmt.Errorf("record %s: %w: %d appends lost to other writers", callID, ErrConflict, attempt)
		}
	}
}

// RecordID derives an entry id from what it records: the same parts give
// the same id, however often they are appended.
func RecordID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}
