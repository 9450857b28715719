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
	held, err := api.store.LeasesHeldBy(ctx, id)
	if err != nil {
		return DesktopState{}, fmt.Errorf("agent %s: leases: %w", id, err)
	}
	return desktopState(a, held, api.now()), nil
}
