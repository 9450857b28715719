package storetest

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// ---------------------------------------------------------------------------
// Index-backed reads.

// How long, and how often, an index-backed read is retried when the adapter
// does not declare Features.ConsistentIndexes.
const (
	indexDeadline = 5 * time.Second
	indexStep     = 20 * time.Millisecond
)

// IndexRead checks an index-backed read after writes: check performs the
// read and describes what is wrong with it, or returns "" when it is right.
// With ConsistentIndexes it is checked once, at once; without, it is retried
// every 20 ms until it is right or 5 s have passed, and only then reported.
// Adapter tests use it for their own index-backed reads, with the Features
// they pass to Run.
func (f Features) IndexRead(t testing.TB, what string, check func() string) {
	t.Helper()
	if f.ConsistentIndexes {
		if msg := check(); msg != "" {
			t.Errorf("%s: %s", what, msg)
		}
		return
	}
	start := time.Now()
	if msg := await(indexDeadline, indexStep, check); msg != "" {
		t.Errorf("%s: still, %s after the writes: %s", what, time.Since(start).Round(time.Millisecond), msg)
	}
}

// await calls check every step until it returns "" or deadline has passed,
// and returns its last answer.
func await(deadline, step time.Duration, check func() string) string {
	end := time.Now().Add(deadline)
	for {
		msg := check()
		if msg == "" || !time.Now().Before(end) {
			return msg
		}
		time.Sleep(step)
	}
}

// expectNumbers checks an index-backed listing of numbers (see IndexRead):
// read must return exactly the numbers want, each as stored holds it, in any
// order.
func (e env) expectNumbers(t *testing.T, what string, read func() ([]mayday.CallbackNumber, error),
	stored map[string]mayday.CallbackNumber, want ...string) {
	t.Helper()
	e.IndexRead(t, what, func() string {
		got, err := read()
		return numbersMismatch(got, err, stored, want)
	})
}

// numbersMismatch compares a listing with the stored values of want,
// ignoring order; "" when they agree.
func numbersMismatch(got []mayday.CallbackNumber, err error, stored map[string]mayday.CallbackNumber, want []string) string {
	if err != nil {
		return err.Error()
	}
	got = slices.Clone(got)
	slices.SortFunc(got, func(a, b mayday.CallbackNumber) int { return cmp.Compare(a.Number, b.Number) })
	var gotNums []string
	for _, n := range got {
		gotNums = append(gotNums, n.Number)
	}
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(gotNums, want) {
		return fmt.Sprintf("= %v, want %v", gotNums, want)
	}
	var problems []string
	for _, n := range got {
		if d := diff(n, stored[n.Number]); d != "" {
			problems = append(problems, fmt.Sprintf("%s listed as %+v, stored as %+v: %s", n.Number, n, stored[n.Number], d))
		}
	}
	return strings.Join(problems, "; ")
}

// ---------------------------------------------------------------------------
// Round trips.

// checkRoundTrip writes want (Version 0, key set) and reads it back both from
// the update's result and from the store.
func checkRoundTrip[T any](t *testing.T, want T, ver func(*T) *int64,
	update func(func(*T) error) (T, error), get func() (T, error)) {
	t.Helper()
	got, err := update(func(p *T) error { *p = want; return nil })
	if err != nil {
		t.Errorf("write: %v", err)
		return
	}
	*ver(&want) = 1
	if d := diff(got, want); d != "" {
		t.Errorf("update returned %+v: %s", got, d)
	}
	got, err = get()
	if err != nil {
		t.Errorf("read: %v", err)
		return
	}
	if d := diff(got, want); d != "" {
		t.Errorf("read back %+v: %s", got, d)
	}
}

// ---------------------------------------------------------------------------
// Comparison.

var timeType = reflect.TypeFor[time.Time]()

// diff describes the first difference between a and b, or returns "". Times
// compare with Equal; a nil slice equals an empty one; pointers must agree on
// nil before their targets are compared.
func diff(a, b any) string {
	return diffValue("", reflect.ValueOf(a), reflect.ValueOf(b))
}

func diffValue(path string, a, b reflect.Value) string {
	if a.Type() != b.Type() {
		return fmt.Sprintf("%s: type %s != %s", path, a.Type(), b.Type())
	}
	if a.Type() == timeType {
		ta, tb := a.Interface().(time.Time), b.Interface().(time.Time)
		if !ta.Equal(tb) {
			return fmt.Sprintf("%s: %s != %s", path, ta.Format(time.RFC3339Nano), tb.Format(time.RFC3339Nano))
		}
		return ""
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return fmt.Sprintf("%s: nil = %v, want nil = %v", path, a.IsNil(), b.IsNil())
			}
			return ""
		}
		return diffValue(path, a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			f := a.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if d := diffValue(path+"."+f.Name, a.Field(i), b.Field(i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: len %d != %d (%v vs %v)", path, a.Len(), b.Len(), a, b)
		}
		for i := range a.Len() {
			if d := diffValue(fmt.Sprintf("%s[%d]", path, i), a.Index(i), b.Index(i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Map:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: len %d != %d", path, a.Len(), b.Len())
		}
		for _, k := range a.MapKeys() {
			bv := b.MapIndex(k)
			if !bv.IsValid() {
				return fmt.Sprintf("%s[%v]: missing", path, k)
			}
			if d := diffValue(fmt.Sprintf("%s[%v]", path, k), a.MapIndex(k), bv); d != "" {
				return d
			}
		}
		return ""
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return fmt.Sprintf("%s: nil = %v, want nil = %v", path, a.IsNil(), b.IsNil())
			}
			return ""
		}
		return diffValue(path, a.Elem(), b.Elem())
	default:
		if !a.Equal(b) {
			return fmt.Sprintf("%s: %v != %v", path, a, b)
		}
		return ""
	}
}
