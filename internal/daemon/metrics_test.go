package daemon

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/loadcron/loadcron/internal/chatsim"
	"github.com/loadcron/loadcron/internal/chatsim/chatsimtest"
	"github.com/loadcron/loadcron/internal/report"
	"github.com/loadcron/loadcron/internal/testtools"
)

func TestScheduledRunsMatchMetrics(t *testing.T) {
	sim, url := startChatsim(t, 5*time.Millisecond)
	d := start(t, t.TempDir(), suiteYAML(url, "@every 1s", ""), lifecycle)
	waitFor(t, "two scheduled runs", func() bool { return len(runs(t, d.addr)) >= 2 })

	// Quiesce: a reload to a yearly schedule stops new runs, then wait for
	// the running one to finish, so metrics and reports describe the same
	// set of runs.
	os.WriteFile(d.file, []byte(suiteYAML(url, "0 0 1 1 *", "")), 0o644)
	if code, body := do(t, "POST", d.addr+"/-/reload", ""); code != 200 {
		t.Fatalf("reload: %d %s", code, body)
	}
	waitFor(t, "suite idle", func() bool {
		v, _ := value(scrape(t, d.addr), "loadcron_suite_running", map[string]string{"suite": "chat"})
		return v == 0
	})
	reps := runs(t, d.addr)
	mfs := scrape(t, d.addr)
	if len(reps) < 2 {
		t.Fatalf("%d runs", len(reps))
	}
	for _, r := range reps {
		if r.Trigger != "schedule" || r.Status != "passed" {
			t.Errorf("run %s: trigger %q status %s", r.RunID, r.Trigger, r.Status)
		}
	}
	latest := reps[0]
	var served int64
	for _, sc := range []string{"baseline", "light"} {
		lbl := map[string]string{"suite": "chat", "scenario": sc, "target": "chat"}
		var total, hits, failed int64
		for _, r := range reps {
			for _, tr := range r.TestResults {
				if tr.Scenario == sc {
					total += tr.TotalRequests
					hits += tr.CachedResponses
					failed += tr.Failed
				}
			}
		}
		served += total
		check := func(name string, extra map[string]string, want float64) {
			t.Helper()
			l := map[string]string{}
			for k, v := range lbl {
				l[k] = v
			}
			for k, v := range extra {
				l[k] = v
			}
			got, ok := value(mfs, name, l)
			// A live series exists once what it counts has happened:
			// absent means none.
			if !ok && want == 0 {
				return
			}
			if !ok || math.Abs(got-want) > 1e-6 {
				t.Errorf("%s%v = %v (found %v), want %v", name, l, got, ok, want)
			}
		}
		check("loadcron_requests_total", nil, float64(total))
		check("loadcron_request_duration_seconds", nil, float64(total))
		check("loadcron_cache_responses_total", map[string]string{"result": "hit"}, float64(hits))
		check("loadcron_request_errors_total", nil, float64(failed))
		check("loadcron_runs_total", map[string]string{"status": "passed"}, float64(len(reps)))

		var last report.ScenarioResult
		for _, tr := range latest.TestResults {
			if tr.Scenario == sc {
				last = tr
			}
		}
		check("loadcron_last_run_requests", nil, float64(last.TotalRequests))
		check("loadcron_last_run_success_ratio", nil, last.SuccessRate)
		check("loadcron_last_run_cache_hit_ratio", nil, last.CacheHitRate)
		for stat, ms := range map[string]float64{"avg": last.AvgLatencyMs, "p50": last.MedianLatencyMs,
			"p95": last.P95LatencyMs, "p99": last.P99LatencyMs, "min": last.MinLatencyMs, "max": last.MaxLatencyMs} {
			got, _ := value(mfs, "loadcron_last_run_latency_seconds", map[string]string{"scenario": sc, "stat": stat})
			// the report rounds milliseconds to 3 decimals
			if math.Abs(got*1000-ms) > 0.001 {
				t.Errorf("last_run_latency_seconds{%s,%s} = %v s, report %v ms", sc, stat, got, ms)
			}
		}
		check("loadcron_last_run_status", map[string]string{"status": string(last.Status)}, 1)
		check("loadcron_last_run_error_ratio", nil, last.ErrorRate)
		check("loadcron_last_run_passed", nil, 1)
		check("loadcron_last_run_grade", map[string]string{"grade": strings.ToLower(string(last.Grade))}, 1)
		// the report rounds seconds and rates to 3 decimals
		near := func(name string, want float64) {
			t.Helper()
			got, ok := value(mfs, name, lbl)
			if !ok && want == 0 {
				return // a cost series exists once there is a cost
			}
			if !ok || math.Abs(got-want) > 0.0005+want*1e-6 {
				t.Errorf("%s{%s} = %v (found %v), report %v", name, sc, got, ok, want)
			}
		}
		near("loadcron_last_run_throughput_rps", last.ThroughputRPS)
		near("loadcron_last_run_duration_seconds", last.TotalTimeS)
		var cost, savings float64
		for _, r := range reps {
			for _, tr := range r.TestResults {
				if tr.Scenario == sc {
					cost += tr.EstimatedCost
					savings += tr.EstimatedSavings
				}
			}
		}
		near("loadcron_estimated_cost_total", cost)
		near("loadcron_estimated_savings_total", savings)
	}
	if st := sim.Stats(); st.Received != uint64(served) {
		t.Errorf("chatsim received %d, reports say %d", st.Received, served)
	}
	// thresholds as configured, in base units
	for name, want := range map[string]float64{
		"loadcron_threshold_min_success_ratio":       0.95,
		"loadcron_threshold_max_avg_latency_seconds": 3,
		"loadcron_threshold_max_p95_latency_seconds": 5,
		"loadcron_threshold_max_p99_latency_seconds": 8,
		"loadcron_threshold_min_cache_hit_ratio":     0.25,
	} {
		if got, ok := value(mfs, name, map[string]string{"scenario": "baseline"}); !ok || got != want {
			t.Errorf("%s = %v (%v), want %v", name, got, ok, want)
		}
	}
	if _, ok := value(mfs, "loadcron_threshold_max_p95_latency_seconds", map[string]string{"scenario": "light"}); ok {
		t.Error("light has no p95 threshold configured, but the series exists")
	}
	checkSpecNames(t, mfs)
}

// specMetrics is every metric name of SPEC §5 with the labels it must
// carry besides suite/scenario/target.
var specMetrics = map[string][]string{
	"loadcron_request_duration_seconds":                     {"suite", "scenario", "target", "outcome", "cache"},
	"loadcron_request_ttfb_seconds":                         {"suite", "scenario", "target"},
	"loadcron_requests_total":                               {"suite", "scenario", "target", "code"},
	"loadcron_request_errors_total":                         {"suite", "scenario", "target", "kind"},
	"loadcron_cache_responses_total":                        {"suite", "scenario", "target", "result"},
	"loadcron_requests_in_flight":                           {"suite", "scenario", "target"},
	"loadcron_virtual_users":                                {"suite", "scenario", "target"},
	"loadcron_dropped_requests_total":                       {"suite", "scenario", "target"},
	"loadcron_last_run_latency_seconds":                     {"suite", "scenario", "target", "stat"},
	"loadcron_last_run_success_ratio":                       {"suite", "scenario", "target"},
	"loadcron_last_run_cache_hit_ratio":                     {"suite", "scenario", "target"},
	"loadcron_last_run_error_ratio":                         {"suite", "scenario", "target"},
	"loadcron_last_run_throughput_rps":                      {"suite", "scenario", "target"},
	"loadcron_last_run_requests":                            {"suite", "scenario", "target"},
	"loadcron_last_run_duration_seconds":                    {"suite", "scenario", "target"},
	"loadcron_last_run_timestamp_seconds":                   {"suite", "scenario", "target"},
	"loadcron_last_run_passed":                              {"suite", "scenario", "target"},
	"loadcron_last_run_status":                              {"suite", "scenario", "target", "status"},
	"loadcron_last_run_grade":                               {"suite", "scenario", "target", "grade"},
	"loadcron_threshold_min_success_ratio":                  {"suite", "scenario", "target"},
	"loadcron_threshold_max_avg_latency_seconds":            {"suite", "scenario", "target"},
	"loadcron_threshold_max_p95_latency_seconds":            {"suite", "scenario", "target"},
	"loadcron_threshold_max_p99_latency_seconds":            {"suite", "scenario", "target"},
	"loadcron_threshold_min_cache_hit_ratio":                {"suite", "scenario", "target"},
	"loadcron_runs_total":                                   {"suite", "scenario", "target", "status"},
	"loadcron_suite_runs_total":                             {"suite", "status"},
	"loadcron_suite_last_run_passed":                        {"suite"},
	"loadcron_suite_last_run_timestamp_seconds":             {"suite"},
	"loadcron_suite_next_run_timestamp_seconds":             {"suite"},
	"loadcron_suite_running":                                {"suite"},
	"loadcron_target_up":                                    {"target"},
	"loadcron_target_health_check_duration_seconds":         {"target"},
	"loadcron_estimated_cost_total":                         {"suite", "scenario", "target"},
	"loadcron_estimated_savings_total":                      {"suite", "scenario", "target"},
	"loadcron_build_info":                                   {"branch", "goarch", "goos", "goversion", "revision", "tags", "version"},
	"loadcron_config_info":                                  {"hash"},
	"loadcron_config_last_reload_successful":                nil,
	"loadcron_config_last_reload_success_timestamp_seconds": nil,
}

// onOccurrence are the SPEC metrics whose series appear when what they
// count first happens (issue 11: only series that can occur): a run
// without failures or drops has none.
var onOccurrence = map[string]bool{
	"loadcron_request_errors_total":   true,
	"loadcron_dropped_requests_total": true,
}

func checkSpecNames(t *testing.T, mfs map[string]*dto.MetricFamily) {
	t.Helper()
	for name, labels := range specMetrics {
		mf, ok := mfs[name]
		if (!ok || len(mf.Metric) == 0) && onOccurrence[name] {
			continue
		}
		if !ok || len(mf.Metric) == 0 {
			t.Errorf("metric %s missing from the scrape", name)
			continue
		}
		have := map[string]bool{}
		for _, lp := range mf.Metric[0].Label {
			have[lp.GetName()] = true
		}
		for _, l := range labels {
			if !have[l] {
				t.Errorf("%s lacks label %q", name, l)
			}
		}
	}
}

func TestOverlappingTickIsSkipped(t *testing.T) {
	// Each run takes ≥ 1.5 s (3 sequential requests of 500 ms), the
	// schedule fires every second: ticks that find it running are skipped.
	// chatsim serves one request at a time and answers 503 to a second
	// one, so a run overlapping another would show as rejected requests.
	opts := chatsimtest.Options()
	opts.MaxConcurrent = 1
	opts.Faults = chatsim.Faults{CacheOff: true, ExtraLatency: 500 * time.Millisecond}
	sim, url := chatsimtest.Start(t, opts)
	cfg := fmt.Sprintf(`
targets:
  chat: {url: %q}
suites:
  chat:
    schedule: "@every 1s"
    scenarios:
      - {name: slow, target: chat, users: 1, requests_per_user: 3, request: {path: /api/chat, body: '{"message": "x"}'}}
`, url)
	d := start(t, t.TempDir(), cfg)
	waitFor(t, "a skipped tick after two runs", func() bool {
		mfs := scrape(t, d.addr)
		skipped, _ := value(mfs, "loadcron_suite_runs_total", map[string]string{"suite": "chat", "status": "skipped"})
		passed, _ := value(mfs, "loadcron_suite_runs_total", map[string]string{"suite": "chat", "status": "passed"})
		return skipped >= 1 && passed >= 2
	})
	mfs := scrape(t, d.addr)
	if v, _ := value(mfs, "loadcron_runs_total", map[string]string{"scenario": "slow", "status": "skipped"}); v < 1 {
		t.Errorf("runs_total{skipped} = %v, want ≥ 1", v)
	}
	if st := sim.Stats(); st.Rejected != 0 {
		t.Errorf("chatsim rejected %d concurrent requests: the suite overlapped itself", st.Rejected)
	}
}

func TestPromtoolCheckMetricsOnLiveScrape(t *testing.T) {
	promtool := testtools.Need(t, "promtool")
	_, url := startChatsim(t, 5*time.Millisecond)
	d := start(t, t.TempDir(), suiteYAML(url, "0 0 1 1 *", "server: {run_on_start: true}\n"))
	waitFor(t, "one run", func() bool { return len(runs(t, d.addr)) >= 1 })
	resp, err := http.Get(d.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(string(body))
	out, err := cmd.CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}
