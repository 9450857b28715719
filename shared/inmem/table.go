package inmem

import (
	"fmt"
	"slices"
	"strings"
)

// table holds one kind of record, decoded, by key. Stored values are
// immutable: a write replaces the pointer with a fresh copy and nothing ever
// changes a value once stored, so a pointer read under the store's lock may
// be copied from after the lock is released. Every table method that reads
// or changes m or the indexes needs the store's lock (read or write).
type table[T any] struct {
	what    string
	m       map[string]*T
	clone   func(*T) T       // a deep copy: shares no memory with its argument
	settle  func(*T)         // what a store's encoding does to a value (clone's result only)
	setKey  func(*T, string) // the key field
	version func(*T) *int64  // the Version field
	// cloneAll deep-copies a listing; nil: clone each.
	cloneAll func([]*T) []T
	indexes  []*index[T]
	// validKey refuses a key DynamoDB's store refuses too (mayday.ValidID
	// or ValidE164), so that the two hold the same ids; validValue (nil:
	// none) refuses a value whose other ids are not such ids.
	validKey   func(string) error
	validValue func(*T) error
}

// valid checks a key and, when v is not nil, the value to be stored under it.
func (t *table[T]) valid(key string, v *T) error {
	if err := t.validKey(key); err != nil {
		return fmt.Errorf("%s: %w", t.what, err)
	}
	if v != nil && t.validValue != nil {
		if err := t.validValue(v); err != nil {
			return fmt.Errorf("%s: %w", t.what, err)
		}
	}
	return nil
}

// get returns the stored value, not a copy: read only, do not change it.
func (t *table[T]) get(key string) (*T, bool) {
	v, ok := t.m[key]
	return v, ok
}

// fresh is the copy of v a write stores: a deep copy, settled.
func (t *table[T]) fresh(v *T) *T {
	c := t.clone(v)
	t.settle(&c)
	return &c
}

// put stores v (which no one else may hold: see fresh) under key, keeping
// every index in step.
func (t *table[T]) put(key string, v *T) {
	old := t.m[key]
	for _, x := range t.indexes {
		x.move(key, old, v)
	}
	t.m[key] = v
}

// del removes key, and it from every index.
func (t *table[T]) del(key string) {
	old, ok := t.m[key]
	if !ok {
		return
	}
	for _, x := range t.indexes {
		x.move(key, old, nil)
	}
	delete(t.m, key)
}

// copies deep-copies stored values for a caller; nil for none.
func (t *table[T]) copies(ps []*T) []T {
	if len(ps) == 0 {
		return nil
	}
	if t.cloneAll != nil {
		return t.cloneAll(ps)
	}
	out := make([]T, len(ps))
	for i, p := range ps {
		out[i] = t.clone(p)
	}
	return out
}

// index groups a table's values by a key derived from them (a country, a
// lease holder), each group sorted by the table's key, so that a listing
// costs what it returns rather than the size of the table. A value whose key
// function reports false is in no group.
type index[T any] struct {
	key    func(*T) (string, bool)
	groups map[string][]entry[T]
	// validGroup (nil: any) refuses a group key that is no valid id.
	validGroup func(string) error
}

type entry[T any] struct {
	id string
	v  *T
}

func newIndex[T any](key func(*T) (string, bool)) *index[T] {
	return &index[T]{key: key, groups: map[string][]entry[T]{}}
}

// all is the index with every value in one group, "".
func all[T any](*T) (string, bool) { return "", true }

// group lists the stored values of group k, sorted by id; read only.
func (x *index[T]) group(k string) []*T {
	g := x.groups[k]
	out := make([]*T, len(g))
	for i, e := range g {
		out[i] = e.v
	}
	return out
}

// move files id, which was old (nil: absent) and is now v (nil: deleted).
func (x *index[T]) move(id string, old, v *T) {
	var (
		from, to   string
		had, keeps bool
	)
	if old != nil {
		from, had = x.key(old)
	}
	if v != nil {
		to, keeps = x.key(v)
	}
	if had && (!keeps || from != to) {
		x.remove(from, id)
	}
	if keeps {
		x.upsert(to, id, v)
	}
}

func byID[T any](e entry[T], id string) int { return strings.Compare(e.id, id) }

func (x *index[T]) upsert(k, id string, v *T) {
	g := x.groups[k]
	i, found := slices.BinarySearchFunc(g, id, byID[T])
	if found {
		g[i].v = v
		return
	}
	x.groups[k] = slices.Insert(g, i, entry[T]{id: id, v: v})
}

func (x *index[T]) remove(k, id string) {
	g := x.groups[k]
	i, found := slices.BinarySearchFunc(g, id, byID[T])
	if !found {
		return
	}
	if g = slices.Delete(g, i, i+1); len(g) == 0 {
		delete(x.groups, k)
	} else {
		x.groups[k] = g
	}
}
