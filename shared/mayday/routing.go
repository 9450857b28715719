package mayday

// Routes of an inbound call.
const (
	RouteAgent    = "agent"
	RouteFallback = "fallback"
	RouteDefault  = "default"

	PriorityEmergency = "emergency"
)

// Bypassed is what an emergency callback skips on its way to the agent.
var Bypassed = []string{"routing-rules", "capacity", "presence"}

// RouteDecision is the answer to the telephony platform for an inbound call.
type RouteDecision struct {
	Route    string
	AgentID  string
	Target   string
	Priority string
	Bypass   []string
}

// ToAgent routes an emergency callback straight to the agent.
func ToAgent(agentID string) RouteDecision {
	return RouteDecision{Route: RouteAgent, AgentID: agentID, Priority: PriorityEmergency, Bypass: Bypassed}
}

// ToFallback routes a callback with no live lease to the fallback destination.
func ToFallback(target string) RouteDecision {
	return RouteDecision{Route: RouteFallback, Target: target, Priority: PriorityEmergency}
}
