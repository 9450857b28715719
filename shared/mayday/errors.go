package mayday

import "errors"

// Sentinel errors callers branch on with errors.Is. Wrap them with context:
// fmt.Errorf("%w: agent %s", ErrNotFound, id). The HTTP layer maps them to
// status codes in one place.
var (
	ErrInvalid     = errors.New("invalid")
	ErrNotFound    = errors.New("not found")
	ErrConflict    = errors.New("conflict")
	ErrUnavailable = errors.New("unavailable")
	// ErrNoChange, returned from an Update closure, means "nothing to write":
	// the store returns the current value without writing it.
	ErrNoChange = errors.New("no change")
)

// NotFoundError is a missing thing, named once ("agent a-1: not found")
// however many layers add their context; it is ErrNotFound.
type NotFoundError struct{ What, ID string }

// NotFound is the error for what id names and the store does not hold.
func NotFound(what, id string) error { return &NotFoundError{What: what, ID: id} }

func (e *NotFoundError) Error() string        { return e.What + " " + e.ID + ": not found" }
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }
