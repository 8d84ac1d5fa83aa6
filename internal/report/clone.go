package report

import (
	"maps"
	"slices"
)

// Clone returns a deep copy of r: the copy shares no slice, map or
// pointer with r, so a store can keep it while r's owner goes on changing
// r. It lives next to the types so a new reference field is cloned where
// it is added (TestCloneSharesNothing fails otherwise).
func (r *Report) Clone() *Report {
	c := *r
	c.HealthChecks = slices.Clone(r.HealthChecks)
	c.TestResults = slices.Clone(r.TestResults)
	for i := range c.TestResults {
		c.TestResults[i].deepen()
	}
	return &c
}

// deepen replaces every reference s holds with a copy of its own.
func (s *ScenarioResult) deepen() {
	s.Stages = slices.Clone(s.Stages)
	for i := range s.Stages {
		st := &s.Stages[i]
		st.Users, st.Rate = clonePtr(st.Users), clonePtr(st.Rate)
	}
	s.LoadTimeline = slices.Clone(s.LoadTimeline)
	for i := range s.LoadTimeline {
		p := &s.LoadTimeline[i]
		p.PlannedUsers, p.Users, p.PlannedRate = clonePtr(p.PlannedUsers), clonePtr(p.Users), clonePtr(p.PlannedRate)
	}
	s.Errors = maps.Clone(s.Errors)
	s.Thresholds = slices.Clone(s.Thresholds)
	s.Violations = slices.Clone(s.Violations)
	s.StatusCodes = maps.Clone(s.StatusCodes)
	s.ErrorCauses = slices.Clone(s.ErrorCauses)
	s.Streaming = clonePtr(s.Streaming)
	s.SlowestRequests = slices.Clone(s.SlowestRequests)
}

// clonePtr is a pointer to a copy of *p; nil stays nil.
func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
