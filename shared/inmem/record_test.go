package inmem_test

import (
	"testing"

	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/testkit/recordtest"
)

func TestRecordContract(t *testing.T) {
	var last *inmem.Record
	recordtest.Run(t, func(*testing.T) mayday.RecordStore {
		last = inmem.NewRecord()
		return last
	}, recordtest.Features{Tamper: func(_ *testing.T, callID string, seq int, fn func(*mayday.RecordEntry)) {
		last.Tamper(callID, seq, fn)
	}})
}
