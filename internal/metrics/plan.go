package metrics

import "github.com/prometheus/client_golang/prometheus"

// PlannedUsers is loadcron_planned_virtual_users of the scenario, for the
// engine to follow the closed model's plan (ramp_up, stages) next to
// loadcron_virtual_users. The series exists from this call on: call it for
// closed-model scenarios only.
func (s *ScenarioMetrics) PlannedUsers() prometheus.Gauge {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	return s.vecs.plannedUsers.WithLabelValues(s.key.suite, s.key.scenario, s.key.target)
}

// PlannedRate is loadcron_planned_request_rate of the scenario (requests
// per second the open model's plan asks for now). The series exists from
// this call on: call it for open-model scenarios only.
func (s *ScenarioMetrics) PlannedRate() prometheus.Gauge {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	return s.vecs.plannedRate.WithLabelValues(s.key.suite, s.key.scenario, s.key.target)
}
