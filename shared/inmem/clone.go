package inmem

import (
	"slices"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// Deep copies of the stored domain values, so that callers never share
// memory with the store, and what a write does to a value on its way in.
//
// Each clone copies the struct and then every field of a reference kind
// (pointer, slice, map), nested ones included. clone_test.go fills every
// field of these types by reflection and fails when a clone shares memory,
// so a pointer, slice or map field added to one of them must be handled
// here too.
//
// settle does to a fresh copy what the JSON round trip of the former store
// did, where it matters: times lose their monotonic clock reading (so a
// stored time compares by the wall clock, as one read from DynamoDB does)
// and `omitempty`/`omitzero` fields read back empty as nil and zero.
// Locations are kept (times compare Equal either way; see the contract).

func cloneAgent(a *mayday.Agent) mayday.Agent {
	c := *a
	c.EmergencyContacts = slices.Clone(a.EmergencyContacts)
	c.DirectRoutingRules = slices.Clone(a.DirectRoutingRules)
	c.Emergency.Active = slices.Clone(a.Emergency.Active) // ActiveCall: values only
	c.Emergency.Ended = slices.Clone(a.Emergency.Ended)
	if a.Location != nil {
		l := *a.Location // AgentLocation: values only
		c.Location = &l
	}
	return c
}

func settleAgent(a *mayday.Agent) {
	wall(&a.UpdatedAt)
	wall(&a.CallbackExpiresAt)
	if a.Location != nil {
		wall(&a.Location.ConfirmedAt)
		wall(&a.Location.ExpiresAt)
	}
	wall(&a.Emergency.Since)
	if a.Emergency.Since.IsZero() {
		a.Emergency.Since = time.Time{}
	}
	if len(a.Emergency.Active) == 0 {
		a.Emergency.Active = nil
	}
	for i := range a.Emergency.Active {
		wall(&a.Emergency.Active[i].StartedAt)
	}
	if len(a.Emergency.Ended) == 0 {
		a.Emergency.Ended = nil
	}
}

func cloneCall(c *mayday.Call) mayday.Call {
	x := *c
	if c.Route != nil {
		r := *c.Route
		r.Bypass = slices.Clone(c.Route.Bypass)
		x.Route = &r
	}
	return x
}

func settleCall(c *mayday.Call) {
	wall(&c.CallbackExpiresAt)
	wall(&c.StartedAt)
	wall(&c.ReceivedAt)
	wall(&c.EndedAt)
	wall(&c.ExpiresAt)
}

func cloneNumber(n *mayday.CallbackNumber) mayday.CallbackNumber {
	x := *n
	if n.Lease != nil {
		l := *n.Lease // Lease: values only
		x.Lease = &l
	}
	return x
}

// cloneNumbers is cloneNumber for a listing, with the leases copied into one
// allocation: a pool read copies every number of a country.
func cloneNumbers(ps []*mayday.CallbackNumber) []mayday.CallbackNumber {
	leased := 0
	for _, p := range ps {
		if p.Lease != nil {
			leased++
		}
	}
	out := make([]mayday.CallbackNumber, len(ps))
	leases := make([]mayday.Lease, leased)
	for i, p := range ps {
		out[i] = *p
		if p.Lease != nil {
			leased--
			leases[leased] = *p.Lease
			out[i].Lease = &leases[leased]
		}
	}
	return out
}

func settleNumber(n *mayday.CallbackNumber) {
	if n.Lease != nil {
		wall(&n.Lease.LeasedAt)
		wall(&n.Lease.ExpiresAt)
	}
	wall(&n.ReleasedAt)
	wall(&n.AddedAt)
}

func cloneSite(s *mayday.Site) mayday.Site {
	x := *s // Address: values only
	x.Notify = slices.Clone(s.Notify)
	x.Networks = slices.Clone(s.Networks)
	x.NotifySMS = slices.Clone(s.NotifySMS)
	x.Escalate = slices.Clone(s.Escalate)
	return x
}

func settleSite(s *mayday.Site) { wall(&s.UpdatedAt) }

func cloneNotification(n *mayday.Notification) mayday.Notification {
	x := *n
	x.Delivered = slices.Clone(n.Delivered)
	return x
}

func settleNotification(n *mayday.Notification) {
	wall(&n.ClaimedAt)
	wall(&n.SentAt)
	wall(&n.ExpiresAt)
}

func settleAlert(a *mayday.Alert) {
	wall(&a.At)
	wall(&a.ExpiresAt)
	wall(&a.SentAt)
	wall(&a.AcknowledgedAt)
	wall(&a.EscalatedAt)
}

// cloneActivity: Activity holds values only; history keeps it as given.
func cloneActivity(a mayday.Activity) mayday.Activity { return a }

// wall strips t's monotonic clock reading.
func wall(t *time.Time) { *t = t.Round(0) }
