package metrics

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/result"
	"github.com/loadcron/loadcron/internal/stats"
)

// t0 is a fixed, exactly representable time for timestamp gauges.
var t0 = time.Unix(1_800_000_000, 500_000_000)

func newTestMetrics(t *testing.T, opts Options) (*Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	return New(reg, opts), reg
}

// compare checks the named families of reg against the expected exposition.
func compare(t *testing.T, reg prometheus.Gatherer, expected string, names ...string) {
	t.Helper()
	if err := testutil.GatherAndCompare(reg, strings.NewReader(expected), names...); err != nil {
		t.Error(err)
	}
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// histSeries renders one classic histogram series over DurationBuckets in
// the text format, computing the cumulative buckets from obs.
func histSeries(name, labels string, obs ...float64) string {
	return histSeriesWith(name, labels, DurationBuckets, obs...)
}

// histSeriesWith is histSeries over the given buckets.
func histSeriesWith(name, labels string, buckets []float64, obs ...float64) string {
	var b strings.Builder
	sum := 0.0
	for _, o := range obs {
		sum += o
	}
	sep := ""
	if labels != "" {
		sep = ","
	}
	for _, le := range buckets {
		n := 0
		for _, o := range obs {
			if o <= le {
				n++
			}
		}
		fmt.Fprintf(&b, "%s_bucket{%s%sle=\"%g\"} %d\n", name, labels, sep, le, n)
	}
	fmt.Fprintf(&b, "%s_bucket{%s%sle=\"+Inf\"} %d\n", name, labels, sep, len(obs))
	fmt.Fprintf(&b, "%s_sum{%s} %g\n", name, labels, sum)
	fmt.Fprintf(&b, "%s_count{%s} %d\n", name, labels, len(obs))
	return b.String()
}

// testConfig is a configuration with two suites, three scenarios and two
// targets; hash names it.
func testConfig(hash string) *config.Config {
	return &config.Config{
		Hash: hash,
		Targets: map[string]*config.Target{
			"chatsim": {Name: "chatsim"},
			"legacy":  {Name: "legacy"},
		},
		Suites: map[string]*config.Suite{
			"chat": {Name: "chat", Scenarios: []*config.Scenario{
				{Name: "baseline", Target: "chatsim", Thresholds: config.Thresholds{
					MinSuccessRate:  ptr(0.95),
					MaxAvgLatency:   ptr(5 * time.Second),
					MaxP95Latency:   ptr(10 * time.Second),
					MaxP99Latency:   ptr(30 * time.Second),
					MinCacheHitRate: ptr(0.5),
				}},
				{Name: "burst", Target: "chatsim", Thresholds: config.Thresholds{
					MaxP95Latency: ptr(2500 * time.Millisecond),
				}},
			}},
			"old": {Name: "old", Scenarios: []*config.Scenario{
				{Name: "ping", Target: "legacy"},
			}},
		},
	}
}

// typicalSequence drives m through what a daemon does: config, health
// check, a suite run with results, per-run figures, a skip, a reload.
func typicalSequence(m *Metrics) {
	m.SetConfig(testConfig("aaaa"))
	m.ReloadResult(true, t0)
	m.SetNextRun("chat", t0.Add(15*time.Minute))
	m.SetTargetHealth("chatsim", true, 25*time.Millisecond)
	m.SuiteRunStarted("chat", t0)
	s := m.Scenario("chat", "baseline", "chatsim")
	s.VirtualUsers().Set(3)
	s.InFlight().Inc()
	rec := s.Recorder()
	rec.Record(&result.Result{Latency: 250 * time.Millisecond, TTFB: 100 * time.Millisecond, Code: 200, Cache: result.CacheHit})
	rec.Record(&result.Result{Latency: 30 * time.Second, Kind: result.KindTimeout})
	s.InFlight().Dec()
	s.AddDropped(2)
	s.SetRun(stats.Summary{Total: 2, Successful: 1, Failed: 1, SuccessRate: 0.5, ErrorRate: 0.5, CacheHitRate: 1,
		Avg: time.Second, Median: time.Second, P95: 2 * time.Second, P99: 2 * time.Second, Min: time.Second, Max: 2 * time.Second,
		Elapsed: 4 * time.Second, Throughput: 0.5, EstimatedCost: 0.25, EstimatedSavings: 0.5},
		stats.Verdict{Status: stats.StatusFailed, Grade: stats.GradeExcellent}, t0)
	m.Scenario("chat", "burst", "chatsim").SetError(t0)
	m.SuiteRunFinished("chat", "failed", false, t0)
	m.SuiteSkipped("chat")
	m.ReloadResult(false, t0.Add(time.Minute))
}

// value returns the value of the one series of the gauge or counter
// family name whose labels include every name/value pair of base and
// extra. It fails the test when no series or more than one matches.
func value(t *testing.T, g prometheus.Gatherer, name string, base []string, extra ...string) float64 {
	t.Helper()
	pairs := append(append([]string{}, base...), extra...)
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var found []float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, mt := range mf.GetMetric() {
			have := map[string]string{}
			for _, lp := range mt.GetLabel() {
				have[lp.GetName()] = lp.GetValue()
			}
			for i := 0; i+1 < len(pairs); i += 2 {
				if v, ok := have[pairs[i]]; !ok || v != pairs[i+1] {
					continue series
				}
			}
			switch {
			case mt.GetGauge() != nil:
				found = append(found, mt.GetGauge().GetValue())
			case mt.GetCounter() != nil:
				found = append(found, mt.GetCounter().GetValue())
			}
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s%v: %d matching series, want 1", name, pairs, len(found))
	}
	return found[0]
}
