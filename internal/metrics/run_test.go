package metrics

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/loadcron/loadcron/internal/stats"
)

// guideSummary is a run in the guide's shape with binary-exact figures.
var guideSummary = stats.Summary{
	Total: 200, Successful: 196, Failed: 4, CacheHits: 98, CacheMisses: 98,
	Elapsed: 80 * time.Second,
	Avg:     2500 * time.Millisecond, Median: 2 * time.Second, P95: 4250 * time.Millisecond,
	P99: 6 * time.Second, Min: 125 * time.Millisecond, Max: 7500 * time.Millisecond,
	SuccessRate: 0.98, ErrorRate: 0.02, CacheHitRate: 0.5, Throughput: 2.5,
	EstimatedCost: 5.88, EstimatedSavings: 5.88,
}

func TestSetRunValues(t *testing.T) {
	m, reg := newTestMetrics(t, Options{})
	s := m.Scenario("chat", "baseline", "chatsim")
	s.SetRun(guideSummary, stats.Verdict{Status: stats.StatusWarning, Grade: stats.GradeExcellent}, t0)

	l := `scenario="baseline",suite="chat",target="chatsim"`
	compare(t, reg, `
# HELP loadcron_last_run_latency_seconds Exact latency statistic of the last finished run.
# TYPE loadcron_last_run_latency_seconds gauge
loadcron_last_run_latency_seconds{scenario="baseline",stat="avg",suite="chat",target="chatsim"} 2.5
loadcron_last_run_latency_seconds{scenario="baseline",stat="max",suite="chat",target="chatsim"} 7.5
loadcron_last_run_latency_seconds{scenario="baseline",stat="min",suite="chat",target="chatsim"} 0.125
loadcron_last_run_latency_seconds{scenario="baseline",stat="p50",suite="chat",target="chatsim"} 2
loadcron_last_run_latency_seconds{scenario="baseline",stat="p95",suite="chat",target="chatsim"} 4.25
loadcron_last_run_latency_seconds{scenario="baseline",stat="p99",suite="chat",target="chatsim"} 6
# HELP loadcron_last_run_success_ratio Successful / completed requests of the last finished run.
# TYPE loadcron_last_run_success_ratio gauge
loadcron_last_run_success_ratio{`+l+`} 0.98
# HELP loadcron_last_run_cache_hit_ratio Cache hits / successful requests of the last finished run.
# TYPE loadcron_last_run_cache_hit_ratio gauge
loadcron_last_run_cache_hit_ratio{`+l+`} 0.5
# HELP loadcron_last_run_error_ratio Failed / completed requests of the last finished run.
# TYPE loadcron_last_run_error_ratio gauge
loadcron_last_run_error_ratio{`+l+`} 0.02
# HELP loadcron_last_run_throughput_rps Completed requests per second of the last finished run.
# TYPE loadcron_last_run_throughput_rps gauge
loadcron_last_run_throughput_rps{`+l+`} 2.5
# HELP loadcron_last_run_requests Completed requests of the last finished run.
# TYPE loadcron_last_run_requests gauge
loadcron_last_run_requests{`+l+`} 200
# HELP loadcron_last_run_duration_seconds Wall-clock duration of the last finished run.
# TYPE loadcron_last_run_duration_seconds gauge
loadcron_last_run_duration_seconds{`+l+`} 80
# HELP loadcron_last_run_timestamp_seconds Unix time the last run finished (or was found unable to run).
# TYPE loadcron_last_run_timestamp_seconds gauge
loadcron_last_run_timestamp_seconds{`+l+`} 1.8000000005e+09
# HELP loadcron_last_run_passed 1 when the last run's status was passed or warning, else 0.
# TYPE loadcron_last_run_passed gauge
loadcron_last_run_passed{`+l+`} 1
# HELP loadcron_last_run_status 1 for the last run's status, 0 for the other statuses.
# TYPE loadcron_last_run_status gauge
loadcron_last_run_status{scenario="baseline",status="error",suite="chat",target="chatsim"} 0
loadcron_last_run_status{scenario="baseline",status="failed",suite="chat",target="chatsim"} 0
loadcron_last_run_status{scenario="baseline",status="passed",suite="chat",target="chatsim"} 0
loadcron_last_run_status{scenario="baseline",status="warning",suite="chat",target="chatsim"} 1
# HELP loadcron_last_run_grade 1 for the last measured run's grade, 0 for the other grades.
# TYPE loadcron_last_run_grade gauge
loadcron_last_run_grade{grade="acceptable",`+l+`} 0
loadcron_last_run_grade{grade="excellent",`+l+`} 1
loadcron_last_run_grade{grade="good",`+l+`} 0
loadcron_last_run_grade{grade="poor",`+l+`} 0
# HELP loadcron_runs_total Scenario runs by status (passed, warning, failed, error, skipped).
# TYPE loadcron_runs_total counter
loadcron_runs_total{scenario="baseline",status="error",suite="chat",target="chatsim"} 0
loadcron_runs_total{scenario="baseline",status="failed",suite="chat",target="chatsim"} 0
loadcron_runs_total{scenario="baseline",status="passed",suite="chat",target="chatsim"} 0
loadcron_runs_total{scenario="baseline",status="skipped",suite="chat",target="chatsim"} 0
loadcron_runs_total{scenario="baseline",status="warning",suite="chat",target="chatsim"} 1
# HELP loadcron_estimated_cost_total Estimated cost of uncached successful responses, from the target's cost per uncached request.
# TYPE loadcron_estimated_cost_total counter
loadcron_estimated_cost_total{`+l+`} 5.88
# HELP loadcron_estimated_savings_total Estimated cost saved by cached responses, from the target's cost per uncached request.
# TYPE loadcron_estimated_savings_total counter
loadcron_estimated_savings_total{`+l+`} 5.88
`, "loadcron_last_run_latency_seconds", "loadcron_last_run_success_ratio", "loadcron_last_run_cache_hit_ratio",
		"loadcron_last_run_error_ratio", "loadcron_last_run_throughput_rps", "loadcron_last_run_requests",
		"loadcron_last_run_duration_seconds", "loadcron_last_run_timestamp_seconds", "loadcron_last_run_passed",
		"loadcron_last_run_status", "loadcron_last_run_grade", "loadcron_runs_total",
		"loadcron_estimated_cost_total", "loadcron_estimated_savings_total")
}

func TestSetRunStatusAndGrade(t *testing.T) {
	abc := []string{"suite", "a", "scenario", "b", "target", "c"}
	for _, tc := range []struct {
		name       string
		status     stats.Status
		grade      stats.Grade
		wantStatus string // the one-hot status and the runs_total status counted
		wantPassed float64
		wantGrade  string // "" when no grade series is 1
	}{
		// all thresholds met
		{"passed", stats.StatusPassed, stats.GradeGood, "passed", 1, "good"},
		// a warning does not fail the suite, so it counts as passed
		{"warning", stats.StatusWarning, stats.GradePoor, "warning", 1, "poor"},
		// a critical scenario missed a threshold
		{"failed", stats.StatusFailed, stats.GradeAcceptable, "failed", 0, "acceptable"},
		// error via SetRun (e.g. aborted with a summary)
		{"error", stats.StatusError, stats.GradeExcellent, "error", 0, "excellent"},
		// an unknown status is published as error; an unknown grade sets none
		{"unknown", stats.Status("weird"), stats.Grade(""), "error", 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, reg := newTestMetrics(t, Options{})
			s := m.Scenario("a", "b", "c")
			s.SetRun(guideSummary, stats.Verdict{Status: tc.status, Grade: tc.grade}, t0)
			for _, st := range runStatuses {
				want := 0.0
				if st == tc.wantStatus {
					want = 1
				}
				if st != StatusSkipped {
					if got := value(t, reg, "loadcron_last_run_status", abc, "status", st); got != want {
						t.Errorf("last_run_status{status=%q} = %v, want %v", st, got, want)
					}
				}
				if got := value(t, reg, "loadcron_runs_total", abc, "status", st); got != want {
					t.Errorf("runs_total{status=%q} = %v, want %v", st, got, want)
				}
			}
			if got := value(t, reg, "loadcron_last_run_passed", abc); got != tc.wantPassed {
				t.Errorf("last_run_passed = %v, want %v", got, tc.wantPassed)
			}
			for _, g := range []string{"excellent", "good", "acceptable", "poor"} {
				want := 0.0
				if g == tc.wantGrade {
					want = 1
				}
				if got := value(t, reg, "loadcron_last_run_grade", abc, "grade", g); got != want {
					t.Errorf("last_run_grade{grade=%q} = %v, want %v", g, got, want)
				}
			}
		})
	}
}

func TestSetErrorKeepsFigures(t *testing.T) {
	m, reg := newTestMetrics(t, Options{})
	s := m.Scenario("chat", "baseline", "chatsim")
	s.SetRun(guideSummary, stats.Verdict{Status: stats.StatusPassed, Grade: stats.GradeGood}, t0)
	s.SetError(t0.Add(15 * time.Minute))

	l := `scenario="baseline",suite="chat",target="chatsim"`
	compare(t, reg, `
# HELP loadcron_last_run_passed 1 when the last run's status was passed or warning, else 0.
# TYPE loadcron_last_run_passed gauge
loadcron_last_run_passed{`+l+`} 0
# HELP loadcron_last_run_status 1 for the last run's status, 0 for the other statuses.
# TYPE loadcron_last_run_status gauge
loadcron_last_run_status{scenario="baseline",status="error",suite="chat",target="chatsim"} 1
loadcron_last_run_status{scenario="baseline",status="failed",suite="chat",target="chatsim"} 0
loadcron_last_run_status{scenario="baseline",status="passed",suite="chat",target="chatsim"} 0
loadcron_last_run_status{scenario="baseline",status="warning",suite="chat",target="chatsim"} 0
# HELP loadcron_last_run_timestamp_seconds Unix time the last run finished (or was found unable to run).
# TYPE loadcron_last_run_timestamp_seconds gauge
loadcron_last_run_timestamp_seconds{`+l+`} 1.8000009005e+09
# HELP loadcron_last_run_grade 1 for the last measured run's grade, 0 for the other grades.
# TYPE loadcron_last_run_grade gauge
loadcron_last_run_grade{grade="acceptable",`+l+`} 0
loadcron_last_run_grade{grade="excellent",`+l+`} 0
loadcron_last_run_grade{grade="good",`+l+`} 1
loadcron_last_run_grade{grade="poor",`+l+`} 0
# HELP loadcron_runs_total Scenario runs by status (passed, warning, failed, error, skipped).
# TYPE loadcron_runs_total counter
loadcron_runs_total{scenario="baseline",status="error",suite="chat",target="chatsim"} 1
loadcron_runs_total{scenario="baseline",status="failed",suite="chat",target="chatsim"} 0
loadcron_runs_total{scenario="baseline",status="passed",suite="chat",target="chatsim"} 1
loadcron_runs_total{scenario="baseline",status="skipped",suite="chat",target="chatsim"} 0
loadcron_runs_total{scenario="baseline",status="warning",suite="chat",target="chatsim"} 0
# HELP loadcron_last_run_requests Completed requests of the last finished run.
# TYPE loadcron_last_run_requests gauge
loadcron_last_run_requests{`+l+`} 200
`, "loadcron_last_run_passed", "loadcron_last_run_status", "loadcron_last_run_timestamp_seconds",
		"loadcron_last_run_grade", "loadcron_runs_total", "loadcron_last_run_requests")
}

func TestNoLastRunSeriesBeforeARun(t *testing.T) {
	// A last_run_passed of 0 before any run would page someone: the
	// per-run gauges must not exist until SetRun or SetError.
	m, reg := newTestMetrics(t, Options{})
	m.SetConfig(testConfig("h"))
	m.Scenario("chat", "baseline", "chatsim").Recorder()
	for _, name := range []string{"loadcron_last_run_passed", "loadcron_last_run_status", "loadcron_last_run_latency_seconds", "loadcron_last_run_grade"} {
		n, err := testutil.GatherAndCount(reg, name)
		if err != nil || n != 0 {
			t.Errorf("%s has %d series (err %v) before any run, want 0", name, n, err)
		}
	}
}
