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
