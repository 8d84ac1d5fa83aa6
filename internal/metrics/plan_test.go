package metrics

import "testing"

// TestPlannedLoad: the planned-load gauges hold what the engine sets, and
// exist only for the scenarios (and model) that asked for them.
func TestPlannedLoad(t *testing.T) {
	m, reg := newTestMetrics(t, Options{})
	m.Scenario("chat", "ramp", "chatsim").PlannedUsers().Set(12)
	m.Scenario("chat", "spike", "chatsim").PlannedRate().Set(250)
	m.Scenario("chat", "flat", "chatsim") // neither
	compare(t, reg, `
# HELP loadcron_planned_virtual_users Closed model: virtual users the load plan asks for now (users, or the ramp_up/stages value); compare loadcron_virtual_users.
# TYPE loadcron_planned_virtual_users gauge
loadcron_planned_virtual_users{scenario="ramp",suite="chat",target="chatsim"} 12
# HELP loadcron_planned_request_rate Open model: requests per second the load plan asks for now (rate, or the stages value).
# TYPE loadcron_planned_request_rate gauge
loadcron_planned_request_rate{scenario="spike",suite="chat",target="chatsim"} 250
`, "loadcron_planned_virtual_users", "loadcron_planned_request_rate")
}
