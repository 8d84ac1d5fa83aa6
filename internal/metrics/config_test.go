package metrics

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/result"
	"github.com/loadcron/loadcron/internal/stats"
)

const thresholdsHelp = `
# HELP loadcron_threshold_min_success_ratio Configured minimum success ratio; present only where configured.
# TYPE loadcron_threshold_min_success_ratio gauge
# HELP loadcron_threshold_max_avg_latency_seconds Configured maximum average latency; present only where configured.
# TYPE loadcron_threshold_max_avg_latency_seconds gauge
# HELP loadcron_threshold_max_p95_latency_seconds Configured maximum P95 latency; present only where configured.
# TYPE loadcron_threshold_max_p95_latency_seconds gauge
# HELP loadcron_threshold_max_p99_latency_seconds Configured maximum P99 latency; present only where configured.
# TYPE loadcron_threshold_max_p99_latency_seconds gauge
# HELP loadcron_threshold_min_cache_hit_ratio Configured minimum cache hit ratio; present only where configured.
# TYPE loadcron_threshold_min_cache_hit_ratio gauge
`

var thresholdNames = []string{
	"loadcron_threshold_min_success_ratio", "loadcron_threshold_max_avg_latency_seconds",
	"loadcron_threshold_max_p95_latency_seconds", "loadcron_threshold_max_p99_latency_seconds",
	"loadcron_threshold_min_cache_hit_ratio", "loadcron_config_info",
}

// reloadedConfig is testConfig without suite "old", target "legacy",
// scenario "burst" and baseline's cache-hit threshold, with a tighter P95.
func reloadedConfig() *config.Config {
	cfg := testConfig("bbbb")
	delete(cfg.Suites, "old")
	delete(cfg.Targets, "legacy")
	chat := cfg.Suites["chat"]
	chat.Scenarios = chat.Scenarios[:1]
	chat.Scenarios[0].Thresholds.MinCacheHitRate = nil
	chat.Scenarios[0].Thresholds.MaxP95Latency = ptr(8 * time.Second)
	return cfg
}

func TestSetConfigThresholdsFollowReload(t *testing.T) {
	m, reg := newTestMetrics(t, Options{})
	m.SetConfig(testConfig("aaaa"))
	base := `scenario="baseline",suite="chat",target="chatsim"`
	burst := `scenario="burst",suite="chat",target="chatsim"`
	compare(t, reg, thresholdsHelp+`
loadcron_threshold_min_success_ratio{`+base+`} 0.95
loadcron_threshold_max_avg_latency_seconds{`+base+`} 5
loadcron_threshold_max_p95_latency_seconds{`+base+`} 10
loadcron_threshold_max_p95_latency_seconds{`+burst+`} 2.5
loadcron_threshold_max_p99_latency_seconds{`+base+`} 30
loadcron_threshold_min_cache_hit_ratio{`+base+`} 0.5
# HELP loadcron_config_info Always 1; labelled with the hash of the configuration in force.
# TYPE loadcron_config_info gauge
loadcron_config_info{hash="aaaa"} 1
`, thresholdNames...)

	m.SetConfig(reloadedConfig())
	compare(t, reg, thresholdsHelp+`
loadcron_threshold_min_success_ratio{`+base+`} 0.95
loadcron_threshold_max_avg_latency_seconds{`+base+`} 5
loadcron_threshold_max_p95_latency_seconds{`+base+`} 8
loadcron_threshold_max_p99_latency_seconds{`+base+`} 30
# HELP loadcron_config_info Always 1; labelled with the hash of the configuration in force.
# TYPE loadcron_config_info gauge
loadcron_config_info{hash="bbbb"} 1
`, thresholdNames...)
}

// exercise gives every kind of series to a scenario, suite and target.
func exercise(m *Metrics, suite, scenario, target string) {
	s := m.Scenario(suite, scenario, target)
	rec := s.Recorder()
	rec.Record(&result.Result{Latency: time.Second, TTFB: time.Second, Code: 200, Cache: result.CacheHit})
	rec.Record(&result.Result{Latency: time.Second, Kind: result.KindDNS})
	s.VirtualUsers().Set(1)
	s.InFlight().Set(0)
	s.AddDropped(1)
	s.SetRun(guideSummary, stats.Verdict{Status: stats.StatusPassed, Grade: stats.GradeGood}, t0)
	m.SuiteRunStarted(suite, t0)
	m.SuiteRunFinished(suite, "passed", true, t0)
	m.SuiteSkipped(suite)
	m.SetNextRun(suite, t0)
	m.SetTargetHealth(target, true, time.Second)
}

// mentioned returns the exposed series whose labels name any of values.
func mentioned(t *testing.T, g prometheus.Gatherer, values ...string) []string {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, mf := range mfs {
		for _, mt := range mf.GetMetric() {
			for _, lp := range mt.GetLabel() {
				for _, v := range values {
					if lp.GetValue() == v {
						out = append(out, mf.GetName()+"{"+lp.GetName()+"="+v+"}")
					}
				}
			}
		}
	}
	return out
}

func TestSetConfigDeletesRemovedSeries(t *testing.T) {
	m, reg := newTestMetrics(t, Options{NativeHistograms: true})
	m.SetConfig(testConfig("aaaa"))
	exercise(m, "chat", "baseline", "chatsim")
	exercise(m, "chat", "burst", "chatsim")
	exercise(m, "old", "ping", "legacy")
	if got := mentioned(t, reg, "burst", "old", "legacy"); len(got) == 0 {
		t.Fatal("setup: no series for burst/old/legacy before the reload")
	}
	// Handles a run would still hold across the reload.
	oldBurst := m.Scenario("chat", "burst", "chatsim")
	oldRec := oldBurst.Recorder()

	m.SetConfig(reloadedConfig())
	if got := mentioned(t, reg, "burst", "old", "legacy"); len(got) > 0 {
		t.Errorf("series of removed scenario/suite/target survive the reload: %v", got)
	}
	// The kept scenario keeps its figures.
	if got := value(t, reg, "loadcron_last_run_requests", []string{"scenario", "baseline"}); got != 200 {
		t.Errorf("baseline last_run_requests = %v after reload, want 200", got)
	}

	// A run that outlived the reload must not bring anything back.
	oldRec.Record(&result.Result{Latency: time.Second, Code: 418, Kind: result.KindHTTP4xx})
	oldRec.Record(&result.Result{Latency: time.Second, Code: 200})
	oldBurst.SetRun(guideSummary, stats.Verdict{Status: stats.StatusFailed}, t0)
	oldBurst.SetError(t0)
	oldBurst.AddCost(1, 1)
	late := m.Scenario("chat", "burst", "chatsim")
	late.Recorder().Record(&result.Result{Latency: time.Second, Code: 500, Kind: result.KindHTTP5xx})
	late.SetRun(guideSummary, stats.Verdict{Status: stats.StatusPassed}, t0)
	m.SuiteRunStarted("old", t0)
	m.SuiteRunFinished("old", "failed", false, t0)
	m.SuiteSkipped("old")
	m.SetNextRun("old", t0)
	m.SetTargetHealth("legacy", false, time.Second)
	if got := mentioned(t, reg, "burst", "old", "legacy"); len(got) > 0 {
		t.Errorf("late calls recreated removed series: %v", got)
	}

	// Configured again: the scenario's series come back, counting from 0.
	m.SetConfig(testConfig("aaaa"))
	if got := value(t, reg, "loadcron_runs_total", []string{"scenario", "burst", "status", "passed"}); got != 0 {
		t.Errorf("re-added burst runs_total{passed} = %v, want 0", got)
	}
	if got := value(t, reg, "loadcron_threshold_max_p95_latency_seconds", []string{"scenario", "burst"}); got != 2.5 {
		t.Errorf("re-added burst p95 threshold = %v, want 2.5", got)
	}
}

func TestSuiteAndDaemonValues(t *testing.T) {
	m, reg := newTestMetrics(t, Options{})
	m.SetConfig(testConfig("aaaa"))
	m.ReloadResult(true, t0)
	m.ReloadResult(false, t0.Add(time.Hour)) // keeps the last success time
	m.SuiteRunStarted("chat", t0)
	m.SuiteRunStarted("old", t0)
	m.SuiteRunFinished("chat", "failed", false, t0)
	m.SuiteSkipped("chat")
	m.SetNextRun("chat", t0.Add(15*time.Minute))
	m.SetNextRun("old", t0)
	m.SetNextRun("old", time.Time{}) // nothing scheduled: series deleted
	m.SetTargetHealth("chatsim", true, 250*time.Millisecond)
	m.SetTargetHealth("legacy", false, 5*time.Second)
	m.SetTargetHealth("unknown", true, time.Second) // not configured: ignored

	compare(t, reg, `
# HELP loadcron_suite_runs_total Suite runs by final status (passed, failed, error) and ticks skipped because the suite was still running (skipped).
# TYPE loadcron_suite_runs_total counter
loadcron_suite_runs_total{status="error",suite="chat"} 0
loadcron_suite_runs_total{status="failed",suite="chat"} 1
loadcron_suite_runs_total{status="passed",suite="chat"} 0
loadcron_suite_runs_total{status="skipped",suite="chat"} 1
loadcron_suite_runs_total{status="error",suite="old"} 0
loadcron_suite_runs_total{status="failed",suite="old"} 0
loadcron_suite_runs_total{status="passed",suite="old"} 0
loadcron_suite_runs_total{status="skipped",suite="old"} 0
# HELP loadcron_suite_running 1 while a run of the suite is in progress, else 0.
# TYPE loadcron_suite_running gauge
loadcron_suite_running{suite="chat"} 0
loadcron_suite_running{suite="old"} 1
# HELP loadcron_suite_last_run_passed 1 when the suite's last finished run passed (no scenario failed), else 0.
# TYPE loadcron_suite_last_run_passed gauge
loadcron_suite_last_run_passed{suite="chat"} 0
# HELP loadcron_suite_last_run_timestamp_seconds Unix time the suite's last run finished.
# TYPE loadcron_suite_last_run_timestamp_seconds gauge
loadcron_suite_last_run_timestamp_seconds{suite="chat"} 1.8000000005e+09
# HELP loadcron_suite_last_run_start_timestamp_seconds Unix time the suite's latest run started (the run may still be going).
# TYPE loadcron_suite_last_run_start_timestamp_seconds gauge
loadcron_suite_last_run_start_timestamp_seconds{suite="chat"} 1.8000000005e+09
loadcron_suite_last_run_start_timestamp_seconds{suite="old"} 1.8000000005e+09
# HELP loadcron_suite_next_run_timestamp_seconds Unix time of the suite's next scheduled run.
# TYPE loadcron_suite_next_run_timestamp_seconds gauge
loadcron_suite_next_run_timestamp_seconds{suite="chat"} 1.8000009005e+09
# HELP loadcron_target_up 1 when the target's last health check passed, else 0.
# TYPE loadcron_target_up gauge
loadcron_target_up{target="chatsim"} 1
loadcron_target_up{target="legacy"} 0
# HELP loadcron_target_health_check_duration_seconds Duration of the target's last health check.
# TYPE loadcron_target_health_check_duration_seconds gauge
loadcron_target_health_check_duration_seconds{target="chatsim"} 0.25
loadcron_target_health_check_duration_seconds{target="legacy"} 5
# HELP loadcron_config_last_reload_successful 1 when the last configuration (re)load succeeded, else 0.
# TYPE loadcron_config_last_reload_successful gauge
loadcron_config_last_reload_successful 0
# HELP loadcron_config_last_reload_success_timestamp_seconds Unix time of the last successful configuration (re)load.
# TYPE loadcron_config_last_reload_success_timestamp_seconds gauge
loadcron_config_last_reload_success_timestamp_seconds 1.8000000005e+09
`, "loadcron_suite_runs_total", "loadcron_suite_running", "loadcron_suite_last_run_passed",
		"loadcron_suite_last_run_timestamp_seconds", "loadcron_suite_last_run_start_timestamp_seconds",
		"loadcron_suite_next_run_timestamp_seconds", "loadcron_target_up", "loadcron_target_health_check_duration_seconds",
		"loadcron_config_last_reload_successful", "loadcron_config_last_reload_success_timestamp_seconds")

	// A skipped suite run counts as a skipped run of each of its scenarios.
	for _, sc := range []string{"baseline", "burst"} {
		if got := value(t, reg, "loadcron_runs_total", []string{"scenario", sc, "status", StatusSkipped}); got != 1 {
			t.Errorf("runs_total{scenario=%q,status=skipped} = %v, want 1", sc, got)
		}
	}
}

func TestWithoutConfig(t *testing.T) {
	// loadcron run and tests use Metrics without SetConfig: every name is
	// accepted, and a skip has no scenarios to count.
	m, reg := newTestMetrics(t, Options{})
	m.SuiteSkipped("adhoc")
	m.SetTargetHealth("anything", true, time.Millisecond)
	m.Scenario("adhoc", "one", "anything").SetError(t0)
	if got := value(t, reg, "loadcron_suite_runs_total", []string{"suite", "adhoc", "status", StatusSkipped}); got != 1 {
		t.Errorf("suite_runs_total{skipped} = %v, want 1", got)
	}
	if got := value(t, reg, "loadcron_runs_total", []string{"scenario", "one", "status", "error"}); got != 1 {
		t.Errorf("runs_total{error} = %v, want 1", got)
	}
	if got := value(t, reg, "loadcron_target_up", []string{"target", "anything"}); got != 1 {
		t.Errorf("target_up = %v, want 1", got)
	}
	if strings.Contains(strings.Join(mentioned(t, reg, "adhoc"), ""), "config_info") {
		t.Error("config_info set without a config")
	}
}

func TestReloadWhileRecording(t *testing.T) {
	// Run under -race: recorders, SetRun and reloads touch shared state.
	m, reg := newTestMetrics(t, Options{NativeHistograms: true})
	m.SetConfig(testConfig("aaaa"))
	done := make(chan struct{})
	for w := 0; w < 2; w++ {
		go func() {
			defer func() { done <- struct{}{} }()
			s := m.Scenario("chat", "baseline", "chatsim")
			rec := s.Recorder()
			for i := 0; i < 2000; i++ {
				rec.Record(&result.Result{Latency: time.Millisecond, Code: 200 + i%7})
				if i%500 == 0 {
					s.SetRun(guideSummary, stats.Verdict{Status: stats.StatusPassed}, t0)
				}
			}
		}()
	}
	for i := 0; i < 50; i++ {
		if i%2 == 0 {
			m.SetConfig(reloadedConfig())
		} else {
			m.SetConfig(testConfig("aaaa"))
		}
		m.SuiteSkipped("chat")
	}
	<-done
	<-done
	// baseline is configured throughout: all 4000 requests are counted.
	total := 0.0
	for c := 200; c < 207; c++ {
		total += value(t, reg, "loadcron_requests_total", []string{"scenario", "baseline", "code", fmt.Sprint(c)})
	}
	if total != 4000 {
		t.Errorf("baseline requests_total sums to %v, want 4000", total)
	}
}
