package amazonconnect_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/amazonconnect"
	"github.com/mayday/mayday/shared/testkit/presencetest"
)

// TestContactStatusOverTheConnectAPI: the port asks DescribeContact of the
// configured instance (the SDK against the local fake) and reports a
// contact ended exactly when Connect has its disconnect timestamp; a
// contact the instance does not know is not ended, and an outage is an
// error, not an end.
func TestContactStatusOverTheConnectAPI(t *testing.T) {
	const ongoing, ended, unknown = "5ca32fbd-8f92-46af-92a5-6b0f970f0efe", "6db43fce-9fa3-47bf-a3b6-7c1a081f1f0f", "not-a-contact"
	at := time.Date(2026, 11, 22, 21, 4, 11, 0, time.UTC)
	fake := presencetest.NewConnect(t)
	fake.AddContact(ongoing)
	fake.AddContact(ended)
	fake.Disconnect(ended, at)
	cs, err := amazonconnect.NewContactStatus(fake.API(), fake.InstanceARN)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tt := range []struct {
		contact string
		outage  bool
		ended   bool
		at      time.Time
		err     bool
	}{
		{contact: ongoing},
		{contact: ended, ended: true, at: at},
		{contact: unknown},
		{contact: ended, outage: true, err: true},
	} {
		if tt.outage {
			fake.FailNext(1)
		}
		got, gotAt, err := cs.ContactEnded(ctx, tt.contact)
		if got != tt.ended || !gotAt.Equal(tt.at) || (err != nil) != tt.err {
			t.Errorf("%s (outage %v): ended %v at %s, %v; want %v at %s, error %v", tt.contact, tt.outage, got, gotAt, err, tt.ended, tt.at, tt.err)
		}
		instance := fake.InstanceARN[len(fake.InstanceARN)-36:]
		if reqs := fake.Requests(); !slices.Equal(reqs, []string{"GET /contacts/" + instance + "/" + tt.contact}) {
			t.Errorf("%s: requests %v, want one DescribeContact on the instance", tt.contact, reqs)
		}
	}
	if _, err := amazonconnect.NewContactStatus(fake.API(), "arn:aws:connect:us-west-2:111122223333:queue/x"); err == nil {
		t.Error("a non-instance ARN is accepted")
	}
}
