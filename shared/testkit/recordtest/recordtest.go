// Package recordtest is the contract test suite of the mayday.RecordStore
// port (the emergency record), run by every adapter:
//
//   - entries appended through mayday.AppendRecord read back in order,
//     numbered from 1, chained, and Verify holds;
//   - appending an entry id the record holds already adds nothing;
//   - AppendEntry with a Seq the call has already (a fork) fails with
//     mayday.ErrConflict and changes nothing;
//   - concurrent appenders to one call each land once, on one chain;
//   - an entry changed behind the store's back (Tamper) fails Verify;
//   - RecordSince lists every call's entries recorded at or after a time,
//     in order;
//   - a call id mayday.ValidID refuses is refused (mayday.ErrInvalid).
package recordtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// Features says what an adapter offers beyond the contract.
type Features struct {
	// Tamper changes a stored entry as only someone going around Mayday
	// could; nil: the tamper case is skipped.
	Tamper func(t *testing.T, callID string, seq int, fn func(*mayday.RecordEntry))
	// SinceLags: RecordSince reads an index that lags behind writes; the
	// suite then polls it.
	SinceLags bool
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now advances a microsecond a call, so entries recorded one after the
// other have distinct times.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Microsecond)
	return c.t
}

func draft(id, kind string) mayday.RecordDraft {
	return mayday.RecordDraft{ID: id, Kind: kind, At: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC), Source: "test",
		Fields: map[string]string{"callerId": "+12065550142", "note": id}}
}

// Run runs the suite; newRecord returns an empty record each time, and
// call ids are unique per case so a shared table is fine.
func Run(t *testing.T, newRecord func(t *testing.T) mayday.RecordStore, f Features) {
	ctx := context.Background()
	uniq := fmt.Sprintf("%d", time.Now().UnixNano())
	call := func(name string) string { return "rec-" + name + "-" + uniq }
	start := time.Now().UTC().Truncate(time.Second)

	t.Run("AppendReadBackInOrder", func(t *testing.T) {
		r, c, id := newRecord(t), &clock{t: start}, call("order")
		kinds := []string{mayday.RecordDialReceived, mayday.RecordLocationPresented, mayday.RecordCallerIDPresented}
		for i, k := range kinds {
			n, err := mayday.AppendRecord(ctx, r, c, id, draft(fmt.Sprint("e", i), k))
			if err != nil || n != 1 {
				t.Fatalf("append %s: added %d, %v", k, n, err)
			}
		}
		got, err := r.ReadRecord(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(kinds) {
			t.Fatalf("read %d entries, want %d", len(got), len(kinds))
		}
		for i, e := range got {
			if e.Seq != i+1 || e.Kind != kinds[i] || e.Fields["note"] != fmt.Sprint("e", i) || !e.At.Equal(draft("", "").At) {
				t.Errorf("entry %d = %+v", i, e)
			}
		}
		if got[0].PrevHash != mayday.GenesisHash || got[1].PrevHash != got[0].Hash {
			t.Errorf("not chained: %q -> %q", got[0].PrevHash, got[1].PrevHash)
		}
		if err := mayday.Verify(got); err != nil {
			t.Errorf("Verify: %v", err)
		}
	})

	t.Run("DuplicateAppendIsNoOp", func(t *testing.T) {
		r, c, id := newRecord(t), &clock{t: start}, call("dup")
		if _, err := mayday.AppendRecord(ctx, r, c, id, draft("a", "x"), draft("b", "y")); err != nil {
			t.Fatal(err)
		}
		n, err := mayday.AppendRecord(ctx, r, c, id, draft("b", "y"), draft("a", "x"))
		if err != nil || n != 0 {
			t.Fatalf("again: added %d, %v; want 0, nil", n, err)
		}
		got, _ := r.ReadRecord(ctx, id)
		if len(got) != 2 {
			t.Fatalf("%d entries, want 2", len(got))
		}
	})

	t.Run("ForkRefused", func(t *testing.T) {
		r, c, id := newRecord(t), &clock{t: start}, call("fork")
		if _, err := mayday.AppendRecord(ctx, r, c, id, draft("a", "x")); err != nil {
			t.Fatal(err)
		}
		fork := mayday.RecordEntry{CallID: id, Seq: 1, ID: "other", Kind: "x", At: start, RecordedAt: start,
			Source: "test", PrevHash: mayday.GenesisHash}
		fork.Hash = fork.ComputeHash()
		if err := r.AppendEntry(ctx, fork); !errors.Is(err, mayday.ErrConflict) {
			t.Fatalf("fork of entry 1: %v, want ErrConflict", err)
		}
		got, _ := r.ReadRecord(ctx, id)
		if len(got) != 1 || got[0].ID != "a" {
			t.Fatalf("after the fork: %+v", got)
		}
	})

	t.Run("ConcurrentAppendersOneChain", func(t *testing.T) {
		r, c, id := newRecord(t), &clock{t: start}, call("race")
		const writers = 6
		var wg sync.WaitGroup
		errs := make(chan error, writers*2)
		for w := range writers {
			for range 2 { // each entry twice: a redelivered event
				wg.Go(func() {
					if _, err := mayday.AppendRecord(ctx, r, c, id, draft(fmt.Sprint("w", w), "x")); err != nil {
						errs <- err
					}
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		got, _ := r.ReadRecord(ctx, id)
		if len(got) != writers {
			t.Fatalf("%d entries, want %d", len(got), writers)
		}
		if err := mayday.Verify(got); err != nil {
			t.Errorf("Verify: %v", err)
		}
	})

	t.Run("TamperDetected", func(t *testing.T) {
		if f.Tamper == nil {
			t.Skip("the adapter offers no way around itself")
		}
		for _, tc := range []struct {
			name string
			seq  int
			fn   func(*mayday.RecordEntry)
		}{
			{"field changed", 2, func(e *mayday.RecordEntry) { e.Fields["callerId"] = "+12065550199" }},
			{"time changed", 1, func(e *mayday.RecordEntry) { e.At = e.At.Add(time.Minute) }},
			{"rehashed without its successor", 2, func(e *mayday.RecordEntry) {
				e.Kind = "forged"
				e.Hash = e.ComputeHash()
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r, c := newRecord(t), &clock{t: start}
				id := call("tamper-" + fmt.Sprint(tc.seq) + tc.name[:4])
				if _, err := mayday.AppendRecord(ctx, r, c, id, draft("a", "x"), draft("b", "y"), draft("c", "z")); err != nil {
					t.Fatal(err)
				}
				f.Tamper(t, id, tc.seq, tc.fn)
				got, err := r.ReadRecord(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				var te *mayday.TamperError
				if err := mayday.Verify(got); !errors.As(err, &te) || !errors.Is(err, mayday.ErrTampered) {
					t.Fatalf("Verify: %v, want a TamperError", err)
				}
				if te.Seq != tc.seq && te.Seq != tc.seq+1 {
					t.Errorf("broke at %d, want %d or the next", te.Seq, tc.seq)
				}
			})
		}
	})

	t.Run("RecordSince", func(t *testing.T) {
		r, c := newRecord(t), &clock{t: start}
		a, b := call("since-a"), call("since-b")
		if _, err := mayday.AppendRecord(ctx, r, c, a, draft("old", "x")); err != nil {
			t.Fatal(err)
		}
		cut := c.Now()
		for _, x := range []struct{ call, id string }{{a, "a2"}, {b, "b1"}, {a, "a3"}} {
			if _, err := mayday.AppendRecord(ctx, r, c, x.call, draft(x.id, "x")); err != nil {
				t.Fatal(err)
			}
		}
		var got []mayday.RecordEntry
		for deadline := time.Now().Add(5 * time.Second); ; {
			var err error
			got, err = r.RecordSince(ctx, cut)
			if err != nil {
				t.Fatal(err)
			}
			mine := got[:0]
			for _, e := range got {
				if e.CallID == a || e.CallID == b {
					mine = append(mine, e)
				}
			}
			got = mine
			if len(got) >= 3 || !f.SinceLags || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		var ids []string
		for _, e := range got {
			ids = append(ids, e.ID)
		}
		if fmt.Sprint(ids) != "[a2 b1 a3]" {
			t.Errorf("since: %v, want [a2 b1 a3]", ids)
		}
	})

	t.Run("HostileCallIDRefused", func(t *testing.T) {
		r := newRecord(t)
		for _, id := range []string{"", "a/../b", "x\ny", "a b"} {
			if _, err := r.ReadRecord(ctx, id); !errors.Is(err, mayday.ErrInvalid) {
				t.Errorf("ReadRecord(%q): %v, want ErrInvalid", id, err)
			}
			e := mayday.RecordEntry{CallID: id, Seq: 1}
			if err := r.AppendEntry(ctx, e); !errors.Is(err, mayday.ErrInvalid) {
				t.Errorf("AppendEntry(%q): %v, want ErrInvalid", id, err)
			}
		}
	})
}
