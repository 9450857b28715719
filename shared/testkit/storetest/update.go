package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/mayday/mayday/shared/mayday"
)

// The UpdateX contract, once per kind of record: each concern's file
// (agents.go, calls.go, pool.go, notifications.go) declares its kind.

// kind adapts one record type (agent, call, number, notification) to the
// generic Update subtests.
type kind[T any] struct {
	// get reads the stored value; nil when the port has no getter, in which
	// case peek uses an ErrNoChange update.
	get    func(ctx context.Context, s mayday.Store, key string) (T, error)
	update func(ctx context.Context, s mayday.Store, key string, fn func(*T) error) (T, error)
	key    func(*T) *string
	ver    func(*T) *int64
	// sample is a value with every field set, the key and Version left zero.
	sample func() T
	// change alters a value in a visible way.
	change func(*T)
	// keys are the key the cases use and another valid one; zero: "k-1"
	// and "other".
	keys [2]string
}

// keyed is v with its key set.
func (k kind[T]) keyed(v T, key string) T {
	*k.key(&v) = key
	return v
}

// peek reads the stored value; ok is false when nothing is stored.
func (k kind[T]) peek(t *testing.T, s mayday.Store, key string) (v T, ok bool) {
	t.Helper()
	ctx := context.Background()
	if k.get != nil {
		v, err := k.get(ctx, s, key)
		if errors.Is(err, mayday.ErrNotFound) {
			return v, false
		}
		if err != nil {
			t.Fatalf("get %s: %v", key, err)
		}
		return v, true
	}
	v, err := k.update(ctx, s, key, func(*T) error { return mayday.ErrNoChange })
	if err != nil {
		t.Fatalf("peek %s: %v", key, err)
	}
	return v, *k.ver(&v) != 0
}

// put stores v under key (it must be missing) and returns what was written.
func (k kind[T]) put(t *testing.T, s mayday.Store, key string, v T) T {
	t.Helper()
	got, err := k.update(context.Background(), s, key, func(p *T) error {
		*p = k.keyed(v, key)
		return nil
	})
	if err != nil {
		t.Fatalf("create %s: %v", key, err)
	}
	return got
}

// run checks the UpdateX contract (and GetX, when the port has it) on one
// kind of record.
func (k kind[T]) run(t *testing.T, e env) {
	ctx := context.Background()
	key, other := "k-1", "other"
	if k.keys != [2]string{} {
		key, other = k.keys[0], k.keys[1]
	}

	if k.get != nil {
		t.Run("GetMissing", func(t *testing.T) {
			s := e.newStore(t)
			if _, err := k.get(ctx, s, key); !errors.Is(err, mayday.ErrNotFound) {
				t.Fatalf("get missing: err = %v, want ErrNotFound", err)
			}
		})
	}

	t.Run("Create", func(t *testing.T) {
		s := e.newStore(t)
		calls := 0
		got, err := k.update(ctx, s, key, func(p *T) error {
			calls++
			var zero T
			if d := diff(*p, k.keyed(zero, key)); d != "" {
				t.Errorf("closure got %+v, want the zero value with key %q and Version 0: %s", *p, key, d)
			}
			v := k.keyed(k.sample(), key)
			*k.ver(&v) = *k.ver(p)
			*p = v
			return nil
		})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if calls != 1 {
			t.Errorf("closure ran %d times with no concurrent writer, want 1", calls)
		}
		want := k.keyed(k.sample(), key)
		*k.ver(&want) = 1
		if d := diff(got, want); d != "" {
			t.Errorf("create returned %+v: %s", got, d)
		}
		stored, ok := k.peek(t, s, key)
		if !ok {
			t.Fatal("created value not stored")
		}
		if d := diff(stored, want); d != "" {
			t.Errorf("stored %+v: %s", stored, d)
		}
	})

	t.Run("UpdateExisting", func(t *testing.T) {
		s := e.newStore(t)
		first := k.put(t, s, key, k.sample())
		want := first
		k.change(&want)
		*k.ver(&want) = 2
		got, err := k.update(ctx, s, key, func(p *T) error {
			if d := diff(*p, first); d != "" {
				t.Errorf("closure got %+v, want the stored value: %s", *p, d)
			}
			k.change(p)
			return nil
		})
		if err != nil {
			t.Fatalf("update: %v", err)
		}
		if d := diff(got, want); d != "" {
			t.Errorf("update returned %+v: %s", got, d)
		}
		if stored, _ := k.peek(t, s, key); diff(stored, want) != "" {
			t.Errorf("stored %+v: %s", stored, diff(stored, want))
		}
	})

	t.Run("NoChangeMissing", func(t *testing.T) {
		s := e.newStore(t)
		got, err := k.update(ctx, s, key, func(p *T) error {
			*p = k.keyed(k.sample(), key) // changes made before ErrNoChange are dropped
			return fmt.Errorf("nothing to do: %w", mayday.ErrNoChange)
		})
		if err != nil {
			t.Fatalf("ErrNoChange on missing: err = %v, want nil", err)
		}
		var zero T
		if d := diff(got, k.keyed(zero, key)); d != "" {
			t.Errorf("ErrNoChange on missing returned %+v, want the zero value with key: %s", got, d)
		}
		if _, ok := k.peek(t, s, key); ok {
			t.Error("ErrNoChange on missing wrote a value")
		}
	})

	t.Run("NoChangeExisting", func(t *testing.T) {
		s := e.newStore(t)
		first := k.put(t, s, key, k.sample())
		got, err := k.update(ctx, s, key, func(p *T) error {
			k.change(p)
			return mayday.ErrNoChange
		})
		if err != nil {
			t.Fatalf("ErrNoChange: err = %v, want nil", err)
		}
		if d := diff(got, first); d != "" {
			t.Errorf("ErrNoChange returned %+v, want the stored value: %s", got, d)
		}
		if stored, _ := k.peek(t, s, key); diff(stored, first) != "" {
			t.Errorf("ErrNoChange wrote %+v: %s", stored, diff(stored, first))
		}
	})

	t.Run("AbortMissing", func(t *testing.T) {
		s := e.newStore(t)
		_, err := k.update(ctx, s, key, func(p *T) error {
			*p = k.keyed(k.sample(), key)
			return fmt.Errorf("wrapped: %w", errAbort)
		})
		if !errors.Is(err, errAbort) {
			t.Fatalf("abort on missing: err = %v, want the closure's error", err)
		}
		if _, ok := k.peek(t, s, key); ok {
			t.Error("aborted update on missing wrote a value")
		}
	})

	t.Run("AbortExisting", func(t *testing.T) {
		s := e.newStore(t)
		first := k.put(t, s, key, k.sample())
		_, err := k.update(ctx, s, key, func(p *T) error {
			k.change(p)
			return errAbort
		})
		if !errors.Is(err, errAbort) {
			t.Fatalf("abort: err = %v, want the closure's error", err)
		}
		if stored, _ := k.peek(t, s, key); diff(stored, first) != "" {
			t.Errorf("aborted update wrote %+v: %s", stored, diff(stored, first))
		}
	})

	t.Run("KeyIsFixed", func(t *testing.T) {
		s := e.newStore(t)
		for i := range 2 { // on create, then on update
			got, err := k.update(ctx, s, key, func(p *T) error {
				*k.key(p) = other
				k.change(p)
				return nil
			})
			if err != nil {
				t.Fatalf("update %d: %v", i, err)
			}
			if *k.key(&got) != key {
				t.Errorf("update %d returned key %q, want %q", i, *k.key(&got), key)
			}
			stored, ok := k.peek(t, s, key)
			if !ok || *k.key(&stored) != key || *k.ver(&stored) != int64(i+1) {
				t.Errorf("update %d: stored under %q: %+v (found %v), want key %q, Version %d", i, key, stored, ok, key, i+1)
			}
			if _, ok := k.peek(t, s, other); ok {
				t.Errorf("update %d: the closure moved the value to another key", i)
			}
		}
	})

	t.Run("VersionCounts", func(t *testing.T) {
		s := e.newStore(t)
		for i := 1; i <= 3; i++ {
			got, err := k.update(ctx, s, key, func(p *T) error {
				if *k.ver(p) != int64(i-1) {
					t.Errorf("update %d: closure saw Version %d, want %d", i, *k.ver(p), i-1)
				}
				k.change(p)
				return nil
			})
			if err != nil {
				t.Fatalf("update %d: %v", i, err)
			}
			if *k.ver(&got) != int64(i) {
				t.Errorf("update %d returned Version %d, want %d", i, *k.ver(&got), i)
			}
		}
	})
}
