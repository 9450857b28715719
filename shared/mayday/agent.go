package mayday

import (
	"fmt"
	"slices"
	"time"
)

// Presence is an agent's availability in the contact center.
type Presence string

const (
	Available    Presence = "Available"
	Busy         Presence = "Busy"
	DoNotDisturb Presence = "DoNotDisturb"
	Away         Presence = "Away"
	Offline      Presence = "Offline"
)

// ParsePresence accepts the five presence values of the admin routes.
func ParsePresence(s string) (Presence, error) {
	switch p := Presence(s); p {
	case Available, Busy, DoNotDisturb, Away, Offline:
		return p, nil
	}
	return "", fmt.Errorf("%w: presence %q (want Available, Busy, DoNotDisturb, Away or Offline)", ErrInvalid, s)
}

// Number types of the agent's originating number.
const (
	NumberCallingPlan   = "calling-plan"
	NumberDirectOffer   = "direct-offer"
	NumberDirectRouting = "direct-routing"
)

// Agent is a contact-center agent: the profile operators set, the presence,
// and the emergency conversations in progress.
type Agent struct {
	ID string
	// Profile is what operators set; its Presence is the agent's presence
	// now.
	Profile
	Emergency EmergencyState
	// CallbackNumber is the number last leased to the agent: the arbiter
	// when concurrent dials race for numbers. The pool item is the truth
	// about the lease itself.
	CallbackNumber string `json:",omitempty"`
	// CallbackExpiresAt is when the callback period of the agent's own
	// number ends, when a dial presented it (a pool number's lease is on
	// the number).
	CallbackExpiresAt time.Time `json:",omitzero"`
	// Location is where the agent last confirmed they work.
	Location *AgentLocation `json:",omitempty"`
	// Platform is the presence Mayday pushed into the contact-center
	// platform that owns it, when one is configured.
	Platform  PlatformPresence `json:",omitzero"`
	UpdatedAt time.Time
	Version   int64
}

// PlatformPresence is what presence push did in the contact-center
// platform: whether it holds the agent on Do Not Disturb, and the
// platform's own status to restore afterwards.
type PlatformPresence struct {
	// DoNotDisturb: Mayday moved the agent to the platform's Do Not
	// Disturb status and has not restored it yet.
	DoNotDisturb bool `json:",omitempty"`
	// Previous is the status the agent had in the platform before (its
	// identifier there); "" when the platform could not tell.
	Previous string `json:",omitempty"`
}

// EmergencyState tracks the emergency conversations (outbound calls and
// callbacks) in progress, and recently ended ones so that a late or repeated
// start is recognised and ignored.
type EmergencyState struct {
	Active []ActiveCall `json:",omitempty"`
	// SavedPresence is what the agent returns to when the last active
	// conversation ends: the presence before the first one began.
	SavedPresence Presence  `json:",omitempty"`
	Ended         []string  `json:",omitempty"`
	Since         time.Time `json:",omitzero"`
}

// ActiveCall is an emergency conversation in progress.
type ActiveCall struct {
	CallID    string
	Kind      CallKind
	StartedAt time.Time
}

// endedMemory bounds how many ended call ids an agent remembers; the call
// records remember them too, this only closes the race between the two writes.
const endedMemory = 32

// Known reports whether operators created the agent (put its profile): only
// then may a dial lease a number for it. A dial of an id Mayday has never
// seen stores an item too, to hold its Do Not Disturb, but with no profile,
// so an item alone does not make the id known.
func (a *Agent) Known() bool { return a.Version > 0 && a.NumberType != "" }

// InEmergency reports whether an emergency conversation is in progress.
func (a *Agent) InEmergency() bool { return len(a.Emergency.Active) > 0 }

// BeginEmergency puts the agent on Do Not Disturb for the call, remembering
// the presence to return to if this is the first active conversation. It
// reports whether anything changed: a repeated or already-ended call does not.
func (a *Agent) BeginEmergency(callID string, kind CallKind, at time.Time) bool {
	if slices.Contains(a.Emergency.Ended, callID) ||
		slices.ContainsFunc(a.Emergency.Active, func(c ActiveCall) bool { return c.CallID == callID }) {
		return false
	}
	if !a.InEmergency() {
		a.Emergency.SavedPresence = a.Presence
		if a.Emergency.SavedPresence == "" { // an agent we knew nothing about
			a.Emergency.SavedPresence = Available
		}
		a.Emergency.Since = at
	}
	a.Emergency.Active = append(a.Emergency.Active, ActiveCall{CallID: callID, Kind: kind, StartedAt: at})
	a.Presence = DoNotDisturb
	return true
}

// EndEmergency ends the call's conversation; when it was the last one the
// agent returns to the saved presence. An unknown call id is remembered as
// ended, so a start that arrives after its end changes nothing.
func (a *Agent) EndEmergency(callID string) bool {
	if slices.Contains(a.Emergency.Ended, callID) {
		return false
	}
	a.Emergency.Ended = append(a.Emergency.Ended, callID)
	if n := len(a.Emergency.Ended); n > endedMemory {
		a.Emergency.Ended = slices.Clone(a.Emergency.Ended[n-endedMemory:])
	}
	i := slices.IndexFunc(a.Emergency.Active, func(c ActiveCall) bool { return c.CallID == callID })
	if i < 0 {
		return true
	}
	a.Emergency.Active = slices.Delete(a.Emergency.Active, i, i+1)
	if !a.InEmergency() {
		a.Presence = a.Emergency.SavedPresence
		if a.Presence == "" {
			a.Presence = Available
		}
		a.Emergency.SavedPresence = ""
		a.Emergency.Since = time.Time{}
	}
	return true
}

// EndAllEmergencies ends every conversation in progress (the watchdog's
// last resort) and returns their call ids.
func (a *Agent) EndAllEmergencies() []string {
	var ids []string
	for _, c := range slices.Clone(a.Emergency.Active) {
		ids = append(ids, c.CallID)
		a.EndEmergency(c.CallID)
	}
	return ids
}

// SetPresence applies a presence change from the contact center. During an
// emergency the agent stays on Do Not Disturb and the change becomes the
// presence restored afterwards.
func (a *Agent) SetPresence(p Presence) {
	if a.InEmergency() {
		a.Emergency.SavedPresence = p
		return
	}
	a.Presence = p
}

// LatestActive is the most recently started emergency conversation.
func (a *Agent) LatestActive() (ActiveCall, bool) {
	if !a.InEmergency() {
		return ActiveCall{}, false
	}
	return a.Emergency.Active[len(a.Emergency.Active)-1], true
}
