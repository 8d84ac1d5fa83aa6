package metrics

import (
	"sort"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/loadcron/loadcron/internal/result"
	"github.com/loadcron/loadcron/internal/stats"
)

// families returns, per metric family, how many series of reg carry
// scenario="<scenario>", counted as the text exposition shows them (a
// classic histogram is its buckets, +Inf, _sum and _count).
func families(t *testing.T, reg prometheus.Gatherer, scenario string) map[string]int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == LabelScenario && l.GetValue() == scenario {
					n := 1
					if h := m.GetHistogram(); h != nil {
						n = len(h.GetBucket()) + 3
					}
					out[mf.GetName()] += n
				}
			}
		}
	}
	return out
}

func names(m map[string]int) []string {
	var n []string
	for k := range m {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// TestOnlySeriesThatCanOccur: a configured scenario that has not run has
// its live gauges, runs_total and thresholds — no histogram, error, code,
// cost or dropped series; an open-model one has dropped_requests_total at
// 0 too. Running creates only what the results showed.
func TestOnlySeriesThatCanOccur(t *testing.T) {
	m, reg := newTestMetrics(t, Options{NativeHistograms: true})
	cfg := testConfig("h")
	cfg.Suites["old"].Scenarios[0].Rate = 5 // ping is open-model
	m.SetConfig(cfg)

	want := map[string]int{
		"loadcron_requests_in_flight": 1, "loadcron_virtual_users": 1, "loadcron_runs_total": 5,
		"loadcron_threshold_max_p95_latency_seconds": 1,
	}
	if got := families(t, reg, "burst"); !equalCounts(got, want) {
		t.Errorf("burst before a run: %v, want %v", got, want)
	}
	want = map[string]int{
		"loadcron_requests_in_flight": 1, "loadcron_virtual_users": 1, "loadcron_runs_total": 5,
		"loadcron_dropped_requests_total": 1,
	}
	if got := families(t, reg, "ping"); !equalCounts(got, want) {
		t.Errorf("ping (open) before a run: %v, want %v", got, want)
	}

	// a run of successes (hits and misses) without a cost
	s := m.Scenario("chat", "burst", "chatsim")
	rec := s.Recorder()
	for i := range 10 {
		rec.Record(&result.Result{Latency: time.Duration(i+1) * time.Millisecond, TTFB: time.Millisecond, Code: 200,
			Cache: result.Cache(1 + i%2)})
	}
	s.SetRun(stats.Summary{Total: 10, Successful: 10, CacheHits: 5, CacheMisses: 5}, stats.Verdict{Status: stats.StatusPassed, Grade: stats.GradeExcellent}, t0)
	got := families(t, reg, "burst")
	buckets := len(DurationBuckets) + 3
	for name, n := range map[string]int{
		"loadcron_request_duration_seconds": 2 * buckets, // success × hit, success × miss
		"loadcron_request_ttfb_seconds":     len(TTFBBuckets) + 3,
		"loadcron_requests_total":           1, // code 200
		"loadcron_cache_responses_total":    2,
	} {
		if got[name] != n {
			t.Errorf("%s: %d series, want %d", name, got[name], n)
		}
	}
	for _, name := range []string{"loadcron_request_errors_total", "loadcron_estimated_cost_total", "loadcron_dropped_requests_total", "loadcron_pacer_lateness_seconds"} {
		if got[name] != 0 {
			t.Errorf("%s: %d series after a run without them, want none", name, got[name])
		}
	}
	total := 0
	for _, n := range got {
		total += n
	}
	t.Logf("burst after one run: %d series: %v", total, names(got))
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestCostSeriesTogether: a target with a cost gets both cost counters
// with its first figure, even when everything came from cache (cost 0).
func TestCostSeriesTogether(t *testing.T) {
	m, reg := newTestMetrics(t, Options{})
	s := m.Scenario("chat", "cached", "chatsim")
	s.AddCost(0, 0) // no cost configured: nothing
	if got := families(t, reg, "cached"); got["loadcron_estimated_cost_total"]+got["loadcron_estimated_savings_total"] != 0 {
		t.Fatalf("cost series without a cost: %v", got)
	}
	s.AddCost(0, 0.5)
	compare(t, reg, `
# HELP loadcron_estimated_cost_total Estimated cost of uncached successful responses, from the target's cost per uncached request.
# TYPE loadcron_estimated_cost_total counter
loadcron_estimated_cost_total{scenario="cached",suite="chat",target="chatsim"} 0
# HELP loadcron_estimated_savings_total Estimated cost saved by cached responses, from the target's cost per uncached request.
# TYPE loadcron_estimated_savings_total counter
loadcron_estimated_savings_total{scenario="cached",suite="chat",target="chatsim"} 0.5
`, "loadcron_estimated_cost_total", "loadcron_estimated_savings_total")
}
