package inmem

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// The store copies values with hand-written clones (clone.go). These tests
// fill every field of every stored type by reflection, nested ones included,
// so that a field added to a domain type is covered without touching them:
// a pointer, slice or map the clone forgets fails TestClonesShareNothing, a
// time the settle forgets fails TestStoredTimesHaveNoMonotonicReading, and a
// kind the store cannot copy (interface, func, chan) fails both.

var timeType = reflect.TypeFor[time.Time]()

// filler sets every field it reaches to a distinct non-zero value: pointers
// allocated, slices of two, maps of one, times distinct instants (with a
// monotonic reading when mono).
type filler struct {
	n    int
	mono bool
}

func (f *filler) next() int { f.n++; return f.n }

func (f *filler) fill(v reflect.Value, path string) error {
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", f.next()))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(f.next()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(f.next()))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(f.next()) + 0.5)
	case reflect.Struct:
		if v.Type() == timeType {
			t := time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)
			if f.mono {
				t = time.Now()
			}
			v.Set(reflect.ValueOf(t.Add(time.Duration(f.next()) * time.Second)))
			return nil
		}
		for i := range v.NumField() {
			sf := v.Type().Field(i)
			if !sf.IsExported() {
				return fmt.Errorf("%s.%s is unexported: teach clone.go and this test to copy it", path, sf.Name)
			}
			if err := f.fill(v.Field(i), path+"."+sf.Name); err != nil {
				return err
			}
		}
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if err := f.fill(p.Elem(), "(*"+path+")"); err != nil {
			return err
		}
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			if err := f.fill(s.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		v.Set(s)
	case reflect.Array:
		for i := range v.Len() {
			if err := f.fill(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		if err := f.fill(k, path+"[key]"); err != nil {
			return err
		}
		if err := f.fill(e, path+"[value]"); err != nil {
			return err
		}
		m.SetMapIndex(k, e)
		v.Set(m)
	default:
		return fmt.Errorf("%s is a %s: the store cannot copy it; teach clone.go and this test", path, v.Kind())
	}
	return nil
}

// filled is a T with every field set; two calls with one mono return equal values.
func filled[T any](t *testing.T, mono bool) T {
	t.Helper()
	var v T
	if err := (&filler{mono: mono}).fill(reflect.ValueOf(&v).Elem(), reflect.TypeFor[T]().Name()); err != nil {
		t.Fatal(err)
	}
	return v
}

// mutate changes every value it reaches in place: through pointers, in the
// elements of slices and arrays, and in the entries of maps. Done to a
// copy, it changes the original wherever the two share memory.
func mutate(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + "!")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(v.Int() + 1000)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(v.Uint() + 1000)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(v.Float() + 1000)
	case reflect.Struct:
		if v.Type() == timeType {
			v.Set(reflect.ValueOf(v.Interface().(time.Time).Add(time.Hour)))
			return
		}
		for i := range v.NumField() {
			mutate(v.Field(i))
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			mutate(v.Elem())
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			mutate(v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			mutate(e)
			v.SetMapIndex(k, e)
		}
	}
}

func mutated[T any](v *T) { mutate(reflect.ValueOf(v).Elem()) }

// times calls fn with the path of every time.Time reachable from v.
func times(v reflect.Value, path string, fn func(string, time.Time)) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == timeType {
			fn(path, v.Interface().(time.Time))
			return
		}
		for i := range v.NumField() {
			times(v.Field(i), path+"."+v.Type().Field(i).Name, fn)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			times(v.Elem(), "(*"+path+")", fn)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			times(v.Index(i), fmt.Sprintf("%s[%d]", path, i), fn)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			times(v.MapIndex(k), path+"[…]", fn)
		}
	}
}

// cloneCheck is one way the store copies a T: name, and the copy of v.
type cloneCheck[T any] struct {
	name string
	copy func(v *T) T
}

// checks lists every way a table copies values: for a caller (clone), for
// storing (fresh), and for a listing (copies, twice the same value, so that
// copies sharing memory with each other show too).
func checks[T any](tbl *table[T]) []cloneCheck[T] {
	return []cloneCheck[T]{
		{"clone", tbl.clone},
		{"fresh", func(v *T) T { return *tbl.fresh(v) }},
		{"copies[0]", func(v *T) T { c := tbl.copies([]*T{v, v}); mutated(&c[1]); return c[0] }},
		{"copies[1]", func(v *T) T { c := tbl.copies([]*T{v, v}); mutated(&c[0]); return c[1] }},
	}
}

func testShareNothing[T any](t *testing.T, cs []cloneCheck[T]) {
	t.Run(reflect.TypeFor[T]().Name(), func(t *testing.T) {
		for _, c := range cs {
			if err := shareNothing(c.copy); err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		}
	})
}

// shareNothing copies a filled T, changes everything in the copy and checks
// that the original did not change.
func shareNothing[T any](copy func(*T) T) error {
	var orig, want T
	for _, v := range []*T{&orig, &want} {
		if err := (&filler{}).fill(reflect.ValueOf(v).Elem(), reflect.TypeFor[T]().Name()); err != nil {
			return err
		}
	}
	if !reflect.DeepEqual(orig, want) {
		return fmt.Errorf("filling is not deterministic: %+v, %+v", orig, want)
	}
	cp := copy(&orig)
	if !reflect.DeepEqual(cp, want) {
		return fmt.Errorf("the copy differs from the original:\n got %+v\nwant %+v", cp, want)
	}
	mutated(&cp)
	if !reflect.DeepEqual(orig, want) {
		return fmt.Errorf("changing the copy changed the original: a pointer, slice or map field is shared "+
			"(update clone.go):\n got %+v\nwant %+v", orig, want)
	}
	return nil
}

// TestShareNothingCatchesNewFields: a field of each reference kind, nested or
// not, that a clone copies shallowly is caught.
func TestShareNothingCatchesNewFields(t *testing.T) {
	type inner struct{ Tags map[string][]string }
	type record struct {
		Name  string
		At    time.Time
		Ptr   *inner
		Slice []inner
		Map   map[string]int
		Arr   [2]inner
	}
	deep := func(r *record) record {
		c := *r
		c.Ptr = &inner{Tags: map[string][]string{}}
		for k, v := range r.Ptr.Tags {
			c.Ptr.Tags[k] = append([]string(nil), v...)
		}
		c.Slice, c.Map = nil, map[string]int{}
		for _, x := range r.Slice {
			y := inner{Tags: map[string][]string{}}
			for k, v := range x.Tags {
				y.Tags[k] = append([]string(nil), v...)
			}
			c.Slice = append(c.Slice, y)
		}
		for k, v := range r.Map {
			c.Map[k] = v
		}
		for i, x := range r.Arr {
			c.Arr[i] = inner{Tags: map[string][]string{}}
			for k, v := range x.Tags {
				c.Arr[i].Tags[k] = append([]string(nil), v...)
			}
		}
		return c
	}
	if err := shareNothing(deep); err != nil {
		t.Errorf("a deep copy: %v", err)
	}
	for name, shallow := range map[string]func(*record) record{
		"all":     func(r *record) record { return *r },
		"pointer": func(r *record) record { c := deep(r); c.Ptr = r.Ptr; return c },
		"pointee": func(r *record) record { c := deep(r); c.Ptr = &inner{Tags: r.Ptr.Tags}; return c },
		"slice":   func(r *record) record { c := deep(r); c.Slice = r.Slice; return c },
		"map":     func(r *record) record { c := deep(r); c.Map = r.Map; return c },
		"array":   func(r *record) record { c := deep(r); c.Arr[1] = r.Arr[1]; return c },
	} {
		if err := shareNothing(shallow); err == nil || !strings.Contains(err.Error(), "is shared") {
			t.Errorf("copying %s shallowly: %v, want it caught", name, err)
		}
	}
}

func TestClonesShareNothing(t *testing.T) {
	s := NewStore()
	testShareNothing(t, checks(s.agents))
	testShareNothing(t, checks(s.calls))
	testShareNothing(t, checks(s.numbers))
	testShareNothing(t, checks(s.sites))
	testShareNothing(t, checks(s.notifications))
	testShareNothing(t, []cloneCheck[mayday.Activity]{{"cloneActivity", func(a *mayday.Activity) mayday.Activity { return cloneActivity(*a) }}})
}

func testSettled[T any](t *testing.T, tbl *table[T]) {
	t.Run(reflect.TypeFor[T]().Name(), func(t *testing.T) {
		v := filled[T](t, true)
		stored := tbl.fresh(&v)
		var in []time.Time
		times(reflect.ValueOf(v), "", func(_ string, tm time.Time) { in = append(in, tm) })
		i := 0
		times(reflect.ValueOf(*stored), tbl.what, func(path string, tm time.Time) {
			if tm != tm.Round(0) {
				t.Errorf("%s kept its monotonic clock reading: add it to the settle function in clone.go", path)
			}
			if !tm.Equal(in[i]) {
				t.Errorf("%s = %v, want %v", path, tm, in[i])
			}
			i++
		})
		if i != len(in) || i == 0 {
			t.Errorf("%d times stored, %d given", i, len(in))
		}
	})
}

func TestStoredTimesHaveNoMonotonicReading(t *testing.T) {
	s := NewStore()
	testSettled(t, s.agents)
	testSettled(t, s.calls)
	testSettled(t, s.numbers)
	testSettled(t, s.sites)
	testSettled(t, s.notifications)
}

// TestSettleEmptiesAsJSON: what the JSON round trip of the former store did
// to empty `omitempty` slices and zero `omitzero` times, settle does.
func TestSettleEmptiesAsJSON(t *testing.T) {
	a := mayday.Agent{Emergency: mayday.EmergencyState{Active: []mayday.ActiveCall{}, Ended: []string{},
		Since: time.Time{}.In(time.FixedZone("X", 3600))}}
	settleAgent(&a)
	if a.Emergency.Active != nil || a.Emergency.Ended != nil || a.Emergency.Since != (time.Time{}) {
		t.Errorf("settled %+v", a.Emergency)
	}
}

func TestFillerRejectsWhatCannotBeCopied(t *testing.T) {
	var v struct {
		F func()
		I any
	}
	err := (&filler{}).fill(reflect.ValueOf(&v).Elem(), "v")
	if err == nil || !strings.Contains(err.Error(), "v.F is a func") {
		t.Errorf("fill = %v", err)
	}
}
