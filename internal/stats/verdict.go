package stats

import (
	"time"

	"github.com/loadcron/loadcron/internal/config"
)

// Default grade bounds (guide, "Performance Grades"), used for any bound
// left zero in config.Grades.
const (
	DefaultExcellent  = 3 * time.Second
	DefaultGood       = 5 * time.Second
	DefaultAcceptable = 10 * time.Second
)

// Threshold names, in the order Evaluate checks them. They are JSON values
// of the report and part of its contract.
const (
	ThresholdMinSuccessRate  = "min_success_rate"
	ThresholdMaxAvgLatency   = "max_avg_latency"
	ThresholdMaxP95Latency   = "max_p95_latency"
	ThresholdMaxP99Latency   = "max_p99_latency"
	ThresholdMinCacheHitRate = "min_cache_hit_rate"
	// The streaming thresholds (request.stream): P95 time to first event
	// and P95 gap between events.
	ThresholdMaxP95FirstEvent = "max_p95_first_event"
	ThresholdMaxP95EventGap   = "max_p95_event_gap"
)

// Pseudo-thresholds: rules of Evaluate that hold whatever is configured,
// named in Violation.Threshold when they are missed.
const (
	// ThresholdMinSuccessful is missed by a run without a single
	// successful request (value: successful requests, limit 1).
	ThresholdMinSuccessful = "min_successful_requests"
	// ThresholdGrade is missed when the average latency is at or above the
	// ACCEPTABLE bound, i.e. graded POOR (value: average latency, limit:
	// grades.acceptable, both in seconds). It only ever warns.
	ThresholdGrade = "grade"
)

// GradeOf grades an average latency: EXCELLENT below g.Excellent, GOOD
// below g.Good, ACCEPTABLE below g.Acceptable, POOR otherwise. Zero bounds
// take the defaults (3s, 5s, 10s).
func GradeOf(avg time.Duration, g config.Grades) Grade {
	excellent := orDefault(g.Excellent, DefaultExcellent)
	good := orDefault(g.Good, DefaultGood)
	acceptable := orDefault(g.Acceptable, DefaultAcceptable)
	switch {
	case avg < excellent:
		return GradeExcellent
	case avg < good:
		return GradeGood
	case avg < acceptable:
		return GradeAcceptable
	default:
		return GradePoor
	}
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Evaluate turns a scenario's Summary into its Verdict (SPEC §3).
//
// The grade is GradeOf(s.Avg, g). The configured thresholds are checked in
// the order min_success_rate, max_avg_latency, max_p95_latency,
// max_p99_latency, min_cache_hit_rate, max_p95_first_event,
// max_p95_event_gap (unconfigured ones are left out; the streaming ones
// read s.Stream, and count as 0 when no stream was read);
// rates are ratios 0–1 and latencies seconds; a minimum passes when
// value >= limit, a maximum when value <= limit (latencies are compared as
// exact durations).
//
// Status: passed when every threshold is met and the grade is not POOR;
// failed when a critical scenario missed a threshold; warning when a
// non-critical one missed a threshold, or when all were met but the grade
// is POOR.
//
// A run without a single successful request (including one that completed
// no request at all, e.g. every send was dropped) proves nothing about the
// target: it is graded POOR and counts as a missed threshold whatever is
// configured, so it is failed when critical and warning otherwise. Its
// configured thresholds are still listed with their values (rates 0).
//
// Violations lists the reasons: each missed threshold with its value and
// limit; ThresholdGrade when the average latency grades POOR (never
// critical: the grade only warns); ThresholdMinSuccessful when nothing
// succeeded. A passed verdict has none; every other one has at least one.
//
// StatusError (the scenario could not run) is never returned: callers use
// ErrorVerdict for that.
func Evaluate(s Summary, th config.Thresholds, g config.Grades, critical bool) Verdict {
	v := Verdict{Grade: GradeOf(s.Avg, g)}
	missed := false
	add := func(name, op, unit string, limit, value float64, passed bool) {
		v.Thresholds = append(v.Thresholds, ThresholdResult{Name: name, Limit: limit, Value: value, Passed: passed})
		if !passed {
			missed = true
			v.Violations = append(v.Violations, Violation{
				Threshold: name, Value: value, Limit: limit, Comparison: op, Unit: unit, Critical: critical,
			})
		}
	}
	minimum := func(name string, limit *float64, value float64) {
		if limit != nil {
			add(name, ">=", UnitRatio, *limit, value, value >= *limit)
		}
	}
	maximum := func(name string, limit *time.Duration, value time.Duration) {
		if limit != nil {
			add(name, "<=", UnitSeconds, limit.Seconds(), value.Seconds(), value <= *limit)
		}
	}
	minimum(ThresholdMinSuccessRate, th.MinSuccessRate, s.SuccessRate)
	maximum(ThresholdMaxAvgLatency, th.MaxAvgLatency, s.Avg)
	maximum(ThresholdMaxP95Latency, th.MaxP95Latency, s.P95)
	maximum(ThresholdMaxP99Latency, th.MaxP99Latency, s.P99)
	minimum(ThresholdMinCacheHitRate, th.MinCacheHitRate, s.CacheHitRate)
	var firstP95, gapP95 time.Duration
	if s.Stream != nil {
		firstP95, gapP95 = s.Stream.FirstEvent.P95, s.Stream.EventGap.P95
	}
	maximum(ThresholdMaxP95FirstEvent, th.MaxP95FirstEvent, firstP95)
	maximum(ThresholdMaxP95EventGap, th.MaxP95EventGap, gapP95)

	if v.Grade == GradePoor {
		v.Violations = append(v.Violations, Violation{
			Threshold: ThresholdGrade, Value: s.Avg.Seconds(), Limit: orDefault(g.Acceptable, DefaultAcceptable).Seconds(),
			Comparison: "<", Unit: UnitSeconds,
		})
	}
	if s.Successful == 0 {
		v.Grade = GradePoor
		missed = true
		v.Violations = append(v.Violations, Violation{
			Threshold: ThresholdMinSuccessful, Value: 0, Limit: 1, Comparison: ">=", Unit: UnitRequests, Critical: critical,
		})
	}
	switch {
	case missed && critical:
		v.Status = StatusFailed
	case missed, v.Grade == GradePoor:
		v.Status = StatusWarning
	default:
		v.Status = StatusPassed
	}
	return v
}

// ErrorVerdict is the verdict of a scenario that could not run (target
// unhealthy, bad request template, run canceled before it started): status
// error, no grade, no thresholds.
func ErrorVerdict() Verdict { return Verdict{Status: StatusError} }

// ScenarioStatus is what the suite verdict needs to know of one scenario.
type ScenarioStatus struct {
	Status   Status
	Critical bool
}

// SuiteStatus is the status of a suite run from its scenarios' statuses:
//
//   - error when there is no scenario or every scenario is error (nothing
//     was measured, e.g. the target was unhealthy);
//   - failed when any scenario failed, or a critical scenario is error (a
//     critical profile that could not be measured must not let a CI gate
//     pass);
//   - passed otherwise: warnings and errors of non-critical scenarios do
//     not fail the suite (SPEC §3: "a suite passes when no scenario
//     failed").
//
// The result is one of StatusPassed, StatusFailed and StatusError.
func SuiteStatus(scenarios []ScenarioStatus) Status {
	errs := 0
	failed := false
	for _, sc := range scenarios {
		switch sc.Status {
		case StatusFailed:
			failed = true
		case StatusError:
			errs++
			if sc.Critical {
				failed = true
			}
		}
	}
	switch {
	case len(scenarios) == 0 || errs == len(scenarios):
		return StatusError
	case failed:
		return StatusFailed
	default:
		return StatusPassed
	}
}
