package local

import (
	"testing"
	"time"
)

// ShortTimeouts gives the servers the test opens these read and idle
// timeouts.
func ShortTimeouts(t testing.TB, read, idle time.Duration) {
	old := timeouts
	timeouts.read, timeouts.idle = read, idle
	t.Cleanup(func() { timeouts = old })
}
