package metrics

import (
	"bytes"
	"github.com/loadcron/loadcron/internal/testtools"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
)

// additions are metrics loadcron exports beyond SPEC §5, each documented
// in README.md: the start of the latest suite run, for run annotations,
// and the run windows the alert rules judge (window.go).
var additions = []string{
	"loadcron_suite_last_run_start_timestamp_seconds",
	"loadcron_recent_runs",
	"loadcron_recent_runs_latency_seconds",
	"loadcron_recent_runs_dropped_ratio",
	"loadcron_window_runs",
	"loadcron_window_requests",
	"loadcron_window_failed_requests",
	"loadcron_window_http_5xx_requests",
	"loadcron_window_cache_hits",
	"loadcron_window_error_ratio_lower_bound",
	"loadcron_window_http_5xx_ratio_lower_bound",
	"loadcron_window_cache_hit_ratio_upper_bound",
	"loadcron_links_info",
}

// specNames is every metric family of SPEC §5, literally: a rename here
// breaks dashboards and alert rules.
var specNames = []string{
	"loadcron_request_duration_seconds",
	"loadcron_request_ttfb_seconds",
	"loadcron_requests_total",
	"loadcron_request_errors_total",
	"loadcron_cache_responses_total",
	"loadcron_requests_in_flight",
	"loadcron_virtual_users",
	"loadcron_dropped_requests_total",
	"loadcron_last_run_latency_seconds",
	"loadcron_last_run_success_ratio",
	"loadcron_last_run_cache_hit_ratio",
	"loadcron_last_run_error_ratio",
	"loadcron_last_run_throughput_rps",
	"loadcron_last_run_requests",
	"loadcron_last_run_duration_seconds",
	"loadcron_last_run_timestamp_seconds",
	"loadcron_last_run_passed",
	"loadcron_last_run_status",
	"loadcron_last_run_grade",
	"loadcron_threshold_min_success_ratio",
	"loadcron_threshold_max_avg_latency_seconds",
	"loadcron_threshold_max_p95_latency_seconds",
	"loadcron_threshold_max_p99_latency_seconds",
	"loadcron_threshold_min_cache_hit_ratio",
	"loadcron_runs_total",
	"loadcron_suite_runs_total",
	"loadcron_suite_last_run_passed",
	"loadcron_suite_last_run_timestamp_seconds",
	"loadcron_suite_next_run_timestamp_seconds",
	"loadcron_suite_running",
	"loadcron_target_up",
	"loadcron_target_health_check_duration_seconds",
	"loadcron_estimated_cost_total",
	"loadcron_estimated_savings_total",
	"loadcron_build_info",
	"loadcron_config_info",
	"loadcron_config_last_reload_successful",
	"loadcron_config_last_reload_success_timestamp_seconds",
}

// perScenario reports whether a SPEC §5 family is per scenario, so must
// carry suite, scenario and target: all but the suite, target and daemon
// families.
func perScenario(name string) bool {
	for _, p := range []string{"loadcron_suite_", "loadcron_target_", "loadcron_build_", "loadcron_config_"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	return true
}

func TestEverySpecMetricIsExported(t *testing.T) {
	m, reg := newTestMetrics(t, Options{NativeHistograms: true})
	typicalSequence(m)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, mf := range mfs {
		got[mf.GetName()] = true
		if !slices.Contains(specNames, mf.GetName()) && !slices.Contains(additions, mf.GetName()) {
			t.Errorf("exported %s, which neither SPEC §5 nor the documented additions name", mf.GetName())
		}
		if !perScenario(mf.GetName()) {
			continue
		}
		for _, mt := range mf.GetMetric() {
			var names []string
			for _, lp := range mt.GetLabel() {
				names = append(names, lp.GetName())
			}
			for _, want := range []string{LabelSuite, LabelScenario, LabelTarget} {
				if !slices.Contains(names, want) {
					t.Errorf("%s series %v lacks label %q", mf.GetName(), names, want)
				}
			}
		}
	}
	for _, name := range specNames {
		if !got[name] {
			t.Errorf("SPEC §5 metric %s not exported after a typical sequence", name)
		}
	}
}

func TestLint(t *testing.T) {
	m, reg := newTestMetrics(t, Options{NativeHistograms: true})
	typicalSequence(m)
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// TestPromtoolCheckMetrics runs the real `promtool check metrics` on the
// text exposition, as SPEC §5 requires.
func TestPromtoolCheckMetrics(t *testing.T) {
	promtool := testtools.Need(t, "promtool")
	m, reg := newTestMetrics(t, Options{NativeHistograms: true})
	typicalSequence(m)
	// The daemon also exports the runtime collectors next to ours.
	if err := RegisterRuntime(reg); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var expo bytes.Buffer
	enc := expfmt.NewEncoder(&expo, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(expo.String(), "loadcron_request_duration_seconds_bucket") {
		t.Fatal("exposition lacks the duration histogram")
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = &expo
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: err %v, output:\n%s", err, out)
	}
}

func TestRegistersOnlyOnTheGivenRegistry(t *testing.T) {
	reg1, reg2 := prometheus.NewRegistry(), prometheus.NewRegistry()
	// Two instances on two registries must not collide (no globals).
	New(reg1, Options{})
	New(reg2, Options{NativeHistograms: true})
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), Namespace+"_") {
			t.Errorf("%s is on the default registry", mf.GetName())
		}
	}
	// RegisterRuntime twice on one registry reports the duplicate.
	if err := RegisterRuntime(reg1); err != nil {
		t.Fatalf("first RegisterRuntime: %v", err)
	}
	if err := RegisterRuntime(reg1); err == nil {
		t.Error("second RegisterRuntime on the same registry returned nil")
	}
}
