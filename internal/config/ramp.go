package config

import (
	"math"
	"time"
)

// Stage is one step of a ramping load profile: over Duration, the number
// of virtual users (closed model) or the request rate (open model) moves
// linearly from the previous stage's target to this one's. Exactly one of
// Users and Rate is set, the same one in every stage of a scenario.
type Stage struct {
	Duration time.Duration `koanf:"duration"`
	Users    *int          `koanf:"users"`
	Rate     *float64      `koanf:"rate"`
}

// target is the stage's users or rate as a number.
func (st Stage) target() float64 {
	switch {
	case st.Users != nil:
		return float64(*st.Users)
	case st.Rate != nil:
		return *st.Rate
	}
	return 0
}

// Ramped reports whether the scenario ramps its load (ramp_up or stages).
func (s *Scenario) Ramped() bool { return s.RampUp > 0 || len(s.Stages) > 0 }

// Length is how long the scenario's load lasts when it is bounded by
// time: the sum of its stages, or Duration (0 for a closed-model run
// bounded only by requests_per_user).
func (s *Scenario) Length() time.Duration {
	if len(s.Stages) == 0 {
		return s.Duration
	}
	var d time.Duration
	for _, st := range s.Stages {
		d += st.Duration
	}
	return d
}

// PeakUsers is the most virtual users the closed model runs at once: Users,
// or the largest stage target. 0 for the open model.
func (s *Scenario) PeakUsers() int {
	if s.IsOpen() {
		return 0
	}
	n := s.Users
	for _, st := range s.Stages {
		if st.Users != nil {
			n = max(n, *st.Users)
		}
	}
	return n
}

// PlanAt is the planned load at elapsed time t: users (closed model) or
// requests per second (open model), linear within a stage. Without stages
// it is Users — or, with ramp_up, the users started by t (user i starts
// at i × ramp_up / users) — or Rate.
func (s *Scenario) PlanAt(t time.Duration) float64 {
	if len(s.Stages) == 0 {
		if s.IsOpen() {
			return s.Rate
		}
		if s.RampUp > 0 && t < s.RampUp {
			if t < 0 {
				return 0
			}
			return math.Min(float64(s.Users), math.Floor(float64(t)*float64(s.Users)/float64(s.RampUp))+1)
		}
		return float64(s.Users)
	}
	from := 0.0
	for _, st := range s.Stages {
		to := st.target()
		if t < st.Duration {
			if t < 0 {
				return from
			}
			return from + (to-from)*float64(t)/float64(st.Duration)
		}
		t -= st.Duration
		from = to
	}
	return from
}

// PlannedOpenRequests is how many requests the open model sends: rate ×
// duration, or the integral of the stages' rates, rounded to the nearest.
func (s *Scenario) PlannedOpenRequests() int64 {
	if len(s.Stages) == 0 {
		return int64(math.Round(s.Rate * s.Duration.Seconds()))
	}
	total, from := 0.0, 0.0
	for _, st := range s.Stages {
		to := st.target()
		total += (from + to) / 2 * st.Duration.Seconds()
		from = to
	}
	return int64(math.Round(total))
}
