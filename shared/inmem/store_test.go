package inmem_test

import (
	"testing"

	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/testkit/storetest"
)

func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) mayday.Store { return inmem.NewStore() })
}
