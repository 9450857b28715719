package inmem_test

import (
	"testing"

	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/testkit/storetest"
)

// features: one lock over maps, so every read sees every write that returned
// before it, and an update retries until it wins.
var features = storetest.Features{
	ConsistentIndexes: true,
	UnboundedRetries:  true,
}

func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) mayday.Store { return inmem.NewStore() }, features)
}
