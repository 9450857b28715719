package bench

import (
	"testing"
	"time"
)

// TestEventBridgeOutage: emergencies dialled and ended while EventBridge
// refuses every PutEvents are each emailed once and restored once it is
// back, within the recovery limit: nothing lost.
func TestEventBridgeOutage(t *testing.T) {
	const n, outage = 5, 2 * time.Second
	o, err := eventBridgeOutage("eo", n, outage)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", o)
	if o.Emergencies != n || o.Ended != n || o.Emails != n || o.Restored != n || o.Lost != 0 || o.Duplicates != 0 {
		t.Errorf("outage: %d emergencies, %d ended, %d emailed, %d restored, %d lost, %d emailed twice; want %d, nothing lost or twice",
			o.Emergencies, o.Ended, o.Emails, o.Restored, o.Lost, o.Duplicates, n)
	}
	if o.Refused == 0 {
		t.Error("no PutEvents refused: the outage was not in the publish path")
	}
	if o.LastEmail > recoveryLimit || o.Recovery.N != n {
		t.Errorf("last email %v after recovery (%d timed), want all within %v", o.LastEmail, o.Recovery.N, recoveryLimit)
	}
}
