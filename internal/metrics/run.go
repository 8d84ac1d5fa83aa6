package metrics

import (
	"strings"
	"time"

	"github.com/loadcron/loadcron/internal/stats"
)

// Status label values. lastRunStatuses is the one-hot set of
// loadcron_last_run_status; runStatuses adds "skipped" for runs_total.
var (
	lastRunStatuses = []string{
		string(stats.StatusPassed), string(stats.StatusWarning),
		string(stats.StatusFailed), string(stats.StatusError),
	}
	runStatuses = append(append([]string{}, lastRunStatuses...), StatusSkipped)
	// suiteRunStatuses are suite_runs_total's: a suite run is passed,
	// failed or error (stats.SuiteStatus), or a tick was skipped.
	suiteRunStatuses = []string{
		string(stats.StatusPassed), string(stats.StatusFailed), string(stats.StatusError), StatusSkipped,
	}
)

// StatusSkipped is the runs_total and suite_runs_total status of a run
// skipped because the previous run of its suite still ran.
const StatusSkipped = "skipped"

// Grade label values: the lower-case stats grades, best first.
var grades = []stats.Grade{stats.GradeExcellent, stats.GradeGood, stats.GradeAcceptable, stats.GradePoor}

// SetRun publishes a finished scenario run: every loadcron_last_run_*
// gauge from the exact summary (latencies in seconds), the one-hot status
// and grade, runs_total{status} + 1, and the summary's EstimatedCost and
// EstimatedSavings added to the cost counters.
//
// last_run_passed is 1 when the status is passed or warning (a warning does
// not fail the suite, SPEC §3) and 0 for failed and error. A status outside
// passed|warning|failed|error is published as error; an unknown grade sets
// every grade series to 0. Dropped requests are not taken from the summary:
// the engine counts them live with AddDropped.
//
// SetRun does nothing for a scenario that a config reload removed.
func (s *ScenarioMetrics) SetRun(sum stats.Summary, v stats.Verdict, finished time.Time) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if s.removed {
		return
	}
	k := s.key
	vv := s.vecs
	for _, st := range []struct {
		stat string
		d    time.Duration
	}{
		{"avg", sum.Avg}, {"p50", sum.Median}, {"p95", sum.P95},
		{"p99", sum.P99}, {"min", sum.Min}, {"max", sum.Max},
	} {
		vv.lastLatency.WithLabelValues(k.suite, k.scenario, k.target, st.stat).Set(st.d.Seconds())
	}
	vv.lastSuccess.WithLabelValues(k.suite, k.scenario, k.target).Set(sum.SuccessRate)
	vv.lastCacheHit.WithLabelValues(k.suite, k.scenario, k.target).Set(sum.CacheHitRate)
	vv.lastError.WithLabelValues(k.suite, k.scenario, k.target).Set(sum.ErrorRate)
	vv.lastThroughput.WithLabelValues(k.suite, k.scenario, k.target).Set(sum.Throughput)
	vv.lastRequests.WithLabelValues(k.suite, k.scenario, k.target).Set(float64(sum.Total))
	vv.lastDuration.WithLabelValues(k.suite, k.scenario, k.target).Set(sum.Elapsed.Seconds())

	for _, g := range grades {
		vv.lastGrade.WithLabelValues(k.suite, k.scenario, k.target, strings.ToLower(string(g))).Set(boolFloat(g == v.Grade))
	}
	s.setStreamRunLocked(sum.Stream)
	s.setStatusLocked(v.Status, finished)
	s.addCostLocked(sum.EstimatedCost, sum.EstimatedSavings)
	s.addRunLocked(RecordFromSummary(sum, v.Status))
}

// SetError publishes a scenario that could not run (target unhealthy,
// request template broken, …): last_run_status one-hot on error,
// last_run_passed 0, last_run_timestamp_seconds = t and runs_total{error}
// + 1. The latency, ratio, throughput, request, duration and grade gauges
// keep the figures of the last run that did measure something, so panels
// and rules keep the last real measurement; the status and timestamp tell
// that the latest attempt failed. It takes no reason: error text is never
// a label value, so log it and put it in the report instead.
//
// SetError does nothing for a scenario that a config reload removed.
func (s *ScenarioMetrics) SetError(t time.Time) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if s.removed {
		return
	}
	s.setStatusLocked(stats.StatusError, t)
	// The runner calls SetError right after the pre-flight health checks
	// for the scenarios of an unhealthy target: such a run stays out of
	// the windows (see RunRecord.TargetDown).
	s.addRunLocked(RunRecord{Status: stats.StatusError, TargetDown: s.m.targetDown[s.key.target]})
}

// setStatusLocked sets the one-hot status, passed, timestamp and counts
// the run. Callers hold s.m.mu.
func (s *ScenarioMetrics) setStatusLocked(status stats.Status, t time.Time) {
	k := s.key
	vv := s.vecs
	st := string(status)
	known := false
	for _, x := range lastRunStatuses {
		known = known || x == st
	}
	if !known {
		st = string(stats.StatusError)
	}
	for _, x := range lastRunStatuses {
		vv.lastStatus.WithLabelValues(k.suite, k.scenario, k.target, x).Set(boolFloat(x == st))
	}
	passed := st == string(stats.StatusPassed) || st == string(stats.StatusWarning)
	vv.lastPassed.WithLabelValues(k.suite, k.scenario, k.target).Set(boolFloat(passed))
	vv.lastTimestamp.WithLabelValues(k.suite, k.scenario, k.target).Set(unixSeconds(t))
	s.runs[st].Inc()
}
