package mayday

import (
	"context"
	"fmt"
)

// DesktopState is what the agent desktop renders (GET .../state).
type DesktopState struct {
	AgentID   string
	Presence  Presence
	Emergency bool
	CallID    string
	Lease     *CallbackNumber // the live callback lease, if any
	// Location is the agent's current confirmed location, if any;
	// ConfirmLocation asks the desktop to have the agent confirm one
	// (none is current and the agent has no home site).
	Location        *AgentLocation
	ConfirmLocation bool
}

// Panel actions and texts of the agent desktop.
var (
	EmergencyPanel = []string{"deviceSettings", "endCall"}
	NormalPanel    = []string{"deviceSettings", "endCall", "hold", "mute", "transfer", "consult", "keypad"}
)

const EmergencyAlert = "Emergency call in progress"

// State reads what the agent desktop shows now.
func (api *AdminAPI) State(ctx context.Context, id string) (DesktopState, error) {
	a, err := api.GetAgent(ctx, id)
	if err != nil {
		return DesktopState{}, err
	}
	st := DesktopState{AgentID: a.ID, Presence: a.Presence}
	if st.Presence == "" {
		st.Presence = Available
	}
	if c, ok := a.LatestActive(); ok {
		st.Emergency, st.CallID = true, c.CallID
	}
	held, err := api.store.LeasesHeldBy(ctx, id)
	if err != nil {
		return DesktopState{}, fmt.Errorf("agent %s: leases: %w", id, err)
	}
	now := api.now()
	for _, n := range held {
		if l, live := n.LiveLease(now); live && l.AgentID == id &&
			(st.Lease == nil || l.ExpiresAt.After(st.Lease.Lease.ExpiresAt)) {
			st.Lease = &n
		}
	}
	if st.Lease == nil && a.CallbackNumber != "" && a.CallbackExpiresAt.After(now) {
		// The remote agent's own number, presented by their last dial.
		st.Lease = &CallbackNumber{Number: a.CallbackNumber, AgentID: a.ID,
			Lease: &Lease{AgentID: a.ID, ExpiresAt: a.CallbackExpiresAt}}
	}
	if a.Location.CurrentAt(now) {
		l := *a.Location
		st.Location = &l
	}
	st.ConfirmLocation = st.Location == nil && a.SiteID == ""
	return st, nil
}
