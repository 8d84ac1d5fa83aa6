package metrics

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/loadcron/loadcron/internal/result"
	"github.com/loadcron/loadcron/internal/stats"
)

var baseLabels = []string{"suite", "chat", "scenario", "baseline", "target", "chatsim"}

// run is a summary of n requests, failed of them failed (fiveXX of those
// with a 5xx), hits cache hits among the successful ones (the others
// misses), and the given P95.
func run(n, failed, fiveXX, hits int64, p95 time.Duration) stats.Summary {
	s := stats.Summary{
		Total: n, Successful: n - failed, Failed: failed,
		CacheHits: hits, CacheMisses: n - failed - hits,
		P95: p95, P99: 2 * p95,
	}
	s.Errors[result.KindHTTP5xx] = fiveXX
	s.Errors[result.KindConnection] = failed - fiveXX
	return s
}

func verdict(st stats.Status) stats.Verdict { return stats.Verdict{Status: st, Grade: stats.GradeGood} }

// TestRecentRuns checks the N-of-M gauges over the last 3 runs: status
// counts, and the second largest P95/P99 (above a limit when 2 of the 3
// runs were).
func TestRecentRuns(t *testing.T) {
	m, reg := newTestMetrics(t, Options{})
	s := m.Scenario("chat", "baseline", "chatsim")

	s.SetRun(run(10, 0, 0, 10, 4*time.Second), verdict(stats.StatusFailed), t0)
	if n := testutil.CollectAndCount(reg, "loadcron_recent_runs_latency_seconds"); n != 0 {
		t.Errorf("one run: %d recent latency series, want none (2 of 3 needs 2 runs)", n)
	}
	if got := value(t, reg, "loadcron_recent_runs", baseLabels, "status", "failed"); got != 1 {
		t.Errorf("failed runs after one failed run = %g, want 1", got)
	}

	s.SetRun(run(10, 0, 0, 10, time.Second), verdict(stats.StatusPassed), t0)
	// Of 4s and 1s, the second largest is 1s: not both were slow.
	if got := value(t, reg, "loadcron_recent_runs_latency_seconds", baseLabels, "stat", "p95"); got != 1 {
		t.Errorf("p95 over (4s, 1s) = %g, want 1", got)
	}
	s.SetRun(run(10, 0, 0, 10, 3*time.Second), verdict(stats.StatusFailed), t0)
	// 4s, 1s, 3s: two of three above 2.5s, so the second largest is 3s.
	if got := value(t, reg, "loadcron_recent_runs_latency_seconds", baseLabels, "stat", "p95"); got != 3 {
		t.Errorf("p95 over (4s, 1s, 3s) = %g, want 3", got)
	}
	if got := value(t, reg, "loadcron_recent_runs_latency_seconds", baseLabels, "stat", "p99"); got != 6 {
		t.Errorf("p99 over (8s, 2s, 6s) = %g, want 6", got)
	}
	s.SetRun(run(10, 0, 0, 10, 500*time.Millisecond), verdict(stats.StatusPassed), t0)
	// The 4s run has left the last three: 1s, 3s, 0.5s → 1s.
	if got := value(t, reg, "loadcron_recent_runs_latency_seconds", baseLabels, "stat", "p95"); got != 1 {
		t.Errorf("p95 over (1s, 3s, 0.5s) = %g, want 1", got)
	}
	for st, want := range map[string]float64{"failed": 1, "error": 0} {
		if got := value(t, reg, "loadcron_recent_runs", baseLabels, "status", st); got != want {
			t.Errorf("recent runs %s = %g, want %g", st, got, want)
		}
	}
	// Only the statuses the rules judge: passed and warning are the rest.
	if n := testutil.CollectAndCount(reg, "loadcron_recent_runs"); n != 2 {
		t.Errorf("%d recent_runs series, want 2 (failed, error)", n)
	}
}

// TestRecentRunsSkipTargetDown checks that a run its target's failed
// health check prevented counts nowhere, while other errors count.
func TestRecentRunsSkipTargetDown(t *testing.T) {
	m, reg := newTestMetrics(t, Options{})
	s := m.Scenario("chat", "baseline", "chatsim")
	s.SetRun(run(10, 0, 0, 10, time.Second), verdict(stats.StatusPassed), t0)

	m.SetTargetHealth("chatsim", false, time.Millisecond)
	s.SetError(t0)
	s.SetError(t0)
	if got := value(t, reg, "loadcron_recent_runs", baseLabels, "status", "error"); got != 0 {
		t.Errorf("errors while the target was down = %g, want 0", got)
	}
	if got := value(t, reg, "loadcron_recent_runs", baseLabels, "status", "failed"); got != 0 {
		t.Errorf("failed = %g, want 0: the run before the outage passed", got)
	}

	m.SetTargetHealth("chatsim", true, time.Millisecond)
	s.SetError(t0) // e.g. aborted or canceled: the target was up
	if got := value(t, reg, "loadcron_recent_runs", baseLabels, "status", "error"); got != 1 {
		t.Errorf("errors with the target up = %g, want 1", got)
	}
}

// TestRatioWindowTakesRunsUntilEnoughRequests: 400-request runs fill the
// 1000-request window in 3 runs; counts are the window's and the bounds
// the strongest of its newest 1, 2, 3 runs.
func TestRatioWindowTakesRunsUntilEnoughRequests(t *testing.T) {
	m, reg := newTestMetrics(t, Options{})
	s := m.Scenario("chat", "baseline", "chatsim")
	for range 5 {
		s.SetRun(run(400, 2, 0, 398, time.Second), verdict(stats.StatusPassed), t0)
	}
	// The newest run: 40 failures, 20 of them 5xx, 100 hits of 360.
	s.SetRun(run(400, 40, 20, 100, time.Second), verdict(stats.StatusPassed), t0)

	want := map[string]float64{
		"loadcron_window_runs":              3,
		"loadcron_window_requests":          1200,
		"loadcron_window_failed_requests":   44,
		"loadcron_window_http_5xx_requests": 20,
		"loadcron_window_cache_hits":        896,
	}
	for name, w := range want {
		if got := value(t, reg, name, baseLabels); got != w {
			t.Errorf("%s = %g, want %g", name, got, w)
		}
	}
	const alpha = WindowAlpha / WindowMaxRuns
	// The newest run alone is the strongest evidence of errors: 40/400.
	if got, w := value(t, reg, "loadcron_window_error_ratio_lower_bound", baseLabels), stats.BinomialLower(40, 400, alpha); got != w {
		t.Errorf("error lower bound = %g, want %g (40 of 400)", got, w)
	}
	if got, w := value(t, reg, "loadcron_window_http_5xx_ratio_lower_bound", baseLabels), stats.BinomialLower(20, 400, alpha); got != w {
		t.Errorf("5xx lower bound = %g, want %g (20 of 400)", got, w)
	}
	if got, w := value(t, reg, "loadcron_window_cache_hit_ratio_upper_bound", baseLabels), stats.BinomialUpper(100, 360, alpha); got != w {
		t.Errorf("cache upper bound = %g, want %g (100 of 360)", got, w)
	}
}

// TestRatioWindowPoolsSmallRuns: small runs are pooled, at most 6, and a
// fault no single run can prove is proved by the pool.
func TestRatioWindowPoolsSmallRuns(t *testing.T) {
	m, reg := newTestMetrics(t, Options{})
	s := m.Scenario("chat", "baseline", "chatsim")
	for range 8 {
		s.SetRun(run(60, 3, 0, 57, time.Second), verdict(stats.StatusPassed), t0)
	}
	if got := value(t, reg, "loadcron_window_runs", baseLabels); got != WindowMaxRuns {
		t.Errorf("window runs = %g, want %d", got, WindowMaxRuns)
	}
	if got := value(t, reg, "loadcron_window_requests", baseLabels); got != 360 {
		t.Errorf("window requests = %g, want 360", got)
	}
	const alpha = WindowAlpha / WindowMaxRuns
	if one := stats.BinomialLower(3, 60, alpha); one >= 0.01 {
		t.Fatalf("setup: one run of 3/60 proves %g > 1 %%", one)
	}
	got := value(t, reg, "loadcron_window_error_ratio_lower_bound", baseLabels)
	if want := stats.BinomialLower(18, 360, alpha); got != want || got <= 0.01 {
		t.Errorf("error lower bound = %g, want %g (18 of 360), above 1 %%", got, want)
	}
}

// TestRatioWindowHealthyRunsProveNothing: a 0.5 % error ratio over 1000
// requests stays far from a proven 1 %.
func TestRatioWindowHealthyRunsProveNothing(t *testing.T) {
	m, reg := newTestMetrics(t, Options{})
	s := m.Scenario("chat", "baseline", "chatsim")
	for range 4 {
		s.SetRun(run(250, 2, 0, 248, time.Second), verdict(stats.StatusPassed), t0)
	}
	if got := value(t, reg, "loadcron_window_error_ratio_lower_bound", baseLabels); got >= 0.005 {
		t.Errorf("error lower bound over 8/1000 = %g, want < 0.5 %%", got)
	}
}

// TestWindowCacheBoundNeedsASignal: without any cache signal in the window
// the cache bound is absent (a target that reports none is not judged).
func TestWindowCacheBoundNeedsASignal(t *testing.T) {
	m, reg := newTestMetrics(t, Options{})
	s := m.Scenario("chat", "baseline", "chatsim")
	sum := run(100, 0, 0, 0, time.Second)
	sum.CacheMisses = 0
	s.SetRun(sum, verdict(stats.StatusPassed), t0)
	if n := testutil.CollectAndCount(reg, "loadcron_window_cache_hit_ratio_upper_bound"); n != 0 {
		t.Errorf("%d cache bound series without a cache signal, want 0", n)
	}
	if n := testutil.CollectAndCount(reg, "loadcron_window_error_ratio_lower_bound"); n != 1 {
		t.Errorf("%d error bound series, want 1", n)
	}
}

// TestRecentDroppedRatio: the second largest dropped share of the last 3
// runs, for open-model scenarios only: a closed-model one cannot drop, and
// has no such series.
func TestRecentDroppedRatio(t *testing.T) {
	m, reg := newTestMetrics(t, Options{})
	cfg := testConfig("h")
	cfg.Suites["old"].Scenarios[0].Rate = 5 // ping is open-model, burst closed
	m.SetConfig(cfg)
	open := m.Scenario("old", "ping", "legacy")
	closed := m.Scenario("chat", "burst", "chatsim")
	for _, d := range []int64{25, 0, 50} { // of 100 planned: 25 %, 0 %, 50 %
		sum := run(100-d, 0, 0, 0, time.Second)
		sum.Dropped = d
		open.SetRun(sum, verdict(stats.StatusPassed), t0)
		closed.SetRun(run(100, 0, 0, 0, time.Second), verdict(stats.StatusPassed), t0)
	}
	openLabels := []string{"suite", "old", "scenario", "ping", "target", "legacy"}
	if got := value(t, reg, "loadcron_recent_runs_dropped_ratio", openLabels); got != 0.25 {
		t.Errorf("dropped ratio = %g, want 0.25", got)
	}
	if n := testutil.CollectAndCount(reg, "loadcron_recent_runs_dropped_ratio"); n != 1 {
		t.Errorf("%d dropped-ratio series, want 1 (the open-model scenario's)", n)
	}

	// A reload that makes ping closed-model takes its ratio away.
	cfg.Suites["old"].Scenarios[0].Rate = 0
	m.SetConfig(cfg)
	if n := testutil.CollectAndCount(reg, "loadcron_recent_runs_dropped_ratio"); n != 0 {
		t.Errorf("%d dropped-ratio series after ping became closed-model, want 0", n)
	}
}

// TestRestoreRuns: runs from history fill the windows at start-up, and
// nothing else; a target-down record is skipped.
func TestRestoreRuns(t *testing.T) {
	m, reg := newTestMetrics(t, Options{})
	m.SetConfig(testConfig("aaaa"))
	s := m.Scenario("chat", "baseline", "chatsim")
	s.RestoreRuns([]RunRecord{
		RecordFromSummary(run(500, 50, 0, 450, 4*time.Second), stats.StatusFailed),
		{Status: stats.StatusError, TargetDown: true},
		RecordFromSummary(run(500, 50, 0, 450, 4*time.Second), stats.StatusFailed),
	})
	if got := value(t, reg, "loadcron_recent_runs", baseLabels, "status", "failed"); got != 2 {
		t.Errorf("restored failed runs = %g, want 2", got)
	}
	if got := value(t, reg, "loadcron_recent_runs", baseLabels, "status", "error"); got != 0 {
		t.Errorf("restored errors = %g, want 0 (target down)", got)
	}
	if got := value(t, reg, "loadcron_window_requests", baseLabels); got != 1000 {
		t.Errorf("restored window requests = %g, want 1000", got)
	}
	if n := testutil.CollectAndCount(reg, "loadcron_last_run_status"); n != 0 {
		t.Errorf("RestoreRuns set %d last_run_status series, want none", n)
	}
	if n := testutil.CollectAndCount(reg, "loadcron_runs_total"); n != 5*3 {
		t.Errorf("%d runs_total series, want the 15 pre-created at 0", n)
	}
	for _, st := range runStatuses {
		if got := value(t, reg, "loadcron_runs_total", baseLabels, "status", st); got != 0 {
			t.Errorf("runs_total{%s} = %g after RestoreRuns, want 0", st, got)
		}
	}
}

// TestWindowSeriesFollowReload: a removed scenario loses its window series
// and a late run of it brings none back.
func TestWindowSeriesFollowReload(t *testing.T) {
	m, reg := newTestMetrics(t, Options{})
	m.SetConfig(testConfig("aaaa"))
	s := m.Scenario("chat", "baseline", "chatsim")
	s.SetRun(run(10, 0, 0, 10, time.Second), verdict(stats.StatusPassed), t0)
	s.SetRun(run(10, 0, 0, 10, time.Second), verdict(stats.StatusPassed), t0)

	cfg := testConfig("bbbb")
	cfg.Suites["chat"].Scenarios = cfg.Suites["chat"].Scenarios[1:]
	m.SetConfig(cfg)
	s.SetRun(run(10, 0, 0, 10, time.Second), verdict(stats.StatusPassed), t0)
	s.RestoreRuns([]RunRecord{RecordFromSummary(run(10, 0, 0, 10, time.Second), stats.StatusPassed)})
	for _, name := range []string{"loadcron_recent_runs", "loadcron_recent_runs_latency_seconds", "loadcron_window_runs", "loadcron_window_error_ratio_lower_bound"} {
		if n := testutil.CollectAndCount(reg, name); n != 0 {
			t.Errorf("%s: %d series after the scenario was removed, want 0", name, n)
		}
	}
}

// TestLinksInfoFollowsConfig: loadcron_links_info carries the configured
// link bases, changes with them, and is absent without them.
func TestLinksInfoFollowsConfig(t *testing.T) {
	m, reg := newTestMetrics(t, Options{})
	cfg := testConfig("aaaa")
	m.SetConfig(cfg)
	if n := testutil.CollectAndCount(reg, "loadcron_links_info"); n != 0 {
		t.Errorf("%d links_info series without link bases, want 0", n)
	}
	cfg.Server.ExternalURL = "https://ops.example/loadcron"
	m.SetConfig(cfg)
	compare(t, reg, `
# HELP loadcron_links_info Always 1; labelled with server.external_url and server.grafana_url (present only when one is set), for links in alert annotations.
# TYPE loadcron_links_info gauge
loadcron_links_info{external_url="https://ops.example/loadcron",grafana_url=""} 1
`, "loadcron_links_info")
	cfg.Server.GrafanaURL = "https://grafana.example"
	m.SetConfig(cfg)
	compare(t, reg, `
# HELP loadcron_links_info Always 1; labelled with server.external_url and server.grafana_url (present only when one is set), for links in alert annotations.
# TYPE loadcron_links_info gauge
loadcron_links_info{external_url="https://ops.example/loadcron",grafana_url="https://grafana.example"} 1
`, "loadcron_links_info")
	cfg.Server.ExternalURL, cfg.Server.GrafanaURL = "", ""
	m.SetConfig(cfg)
	if n := testutil.CollectAndCount(reg, "loadcron_links_info"); n != 0 {
		t.Errorf("%d links_info series after the bases were removed, want 0", n)
	}
}
