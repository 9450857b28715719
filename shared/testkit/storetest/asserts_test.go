package storetest

import (
	"testing"
	"time"
)

func TestAwait(t *testing.T) {
	t.Run("right at once", func(t *testing.T) {
		calls := 0
		if msg := await(time.Second, time.Millisecond, func() string { calls++; return "" }); msg != "" || calls != 1 {
			t.Errorf("await = %q after %d calls, want \"\" after 1", msg, calls)
		}
	})
	t.Run("right after a while", func(t *testing.T) {
		ready := time.Now().Add(60 * time.Millisecond)
		calls := 0
		msg := await(time.Second, 5*time.Millisecond, func() string {
			calls++
			if time.Now().Before(ready) {
				return "not yet"
			}
			return ""
		})
		if msg != "" || calls < 2 {
			t.Errorf("await = %q after %d calls, want \"\" after several", msg, calls)
		}
	})
	t.Run("never right", func(t *testing.T) {
		start := time.Now()
		msg := await(80*time.Millisecond, 10*time.Millisecond, func() string { return "wrong" })
		if msg != "wrong" {
			t.Errorf("await = %q, want the last answer", msg)
		}
		if took := time.Since(start); took < 80*time.Millisecond || took > time.Second {
			t.Errorf("await gave up after %s, want about the 80ms deadline", took)
		}
	})
}
