package metrics

import (
	"cmp"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/loadcron/loadcron/internal/result"
	"github.com/loadcron/loadcron/internal/stats"
)

// recentStatuses are the statuses loadcron_recent_runs counts: the two the
// alert rules judge (LoadcronCriticalScenarioFailed, LoadcronScenarioError).
// The other runs of the last RecentRuns passed or ended with a warning.
var recentStatuses = []string{string(stats.StatusFailed), string(stats.StatusError)}

// Run windows: figures computed from a scenario's last runs, so that alert
// rules judge runs (each run once, however often it is scraped) instead
// of wall-clock windows. See README.md, "Run windows".
const (
	// RecentRuns is M of the N-of-M rules: the recent_runs gauges cover a
	// scenario's last 3 runs, and their "second largest" figures are above
	// a limit exactly when at least 2 of those runs were.
	RecentRuns = 3
	// WindowMinRequests and WindowMaxRuns bound the ratio window: a
	// scenario's newest measured runs, newest first, until they hold at
	// least 1000 requests, but never more than 6 runs.
	WindowMinRequests = 1000
	WindowMaxRuns     = 6
	// WindowAlpha is the error probability of the window's confidence
	// bounds (confidence 99.9 %). Each of the up to WindowMaxRuns newest
	// stretches of runs is tested at WindowAlpha / WindowMaxRuns
	// (Bonferroni), so the published bound holds at 99.9 % overall.
	WindowAlpha = 0.001
)

// RunRecord is what the run windows keep of one scenario run.
type RunRecord struct {
	// Status is the run's verdict.
	Status stats.Status
	// Measured is true when the run sent load and has figures (SetRun);
	// false for a run that could not start (SetError).
	Measured bool
	// TargetDown marks a run that could not start because its target
	// failed the pre-flight health check: such runs are left out of every
	// window (LoadcronTargetDown covers them), so an outage neither pages
	// for each scenario nor dilutes the windows.
	TargetDown bool
	// Requests are the completed requests; Successful + Failed =
	// Requests.
	Requests, Successful, Failed int64
	// HTTP5xx are the failures of kind http_5xx.
	HTTP5xx int64
	// CacheHits and CacheMisses are successful responses whose cache
	// signal said hit or miss.
	CacheHits, CacheMisses int64
	// Dropped are open-model requests that were due but not sent.
	Dropped int64
	// P95 and P99 are the run's exact latency percentiles.
	P95, P99 time.Duration
	// Streamed marks a run that read streamed responses; FirstEventP95
	// and EventGapP95 are then its exact P95 time to first event and P95
	// gap between events.
	Streamed                   bool
	FirstEventP95, EventGapP95 time.Duration
}

// RecordFromSummary is the window record of a run with summary sum and
// status st.
func RecordFromSummary(sum stats.Summary, st stats.Status) RunRecord {
	r := RunRecord{
		Status: st, Measured: true,
		Requests: sum.Total, Successful: sum.Successful, Failed: sum.Failed,
		HTTP5xx:   sum.Errors[result.KindHTTP5xx],
		CacheHits: sum.CacheHits, CacheMisses: sum.CacheMisses, Dropped: sum.Dropped,
		P95: sum.P95, P99: sum.P99,
		Streamed: sum.Stream != nil,
	}
	if st := sum.Stream; st != nil {
		r.FirstEventP95, r.EventGapP95 = st.FirstEvent.P95, st.EventGap.P95
	}
	return r
}

// runWindows is one scenario's run history for the windows; guarded by
// the Metrics lock.
type runWindows struct {
	// judged are the statuses of the last RecentRuns runs, newest first
	// (target-down runs left out).
	judged []stats.Status
	// measured are the last WindowMaxRuns runs that completed requests,
	// newest first.
	measured []RunRecord
}

// add puts r in front of the windows.
func (w *runWindows) add(r RunRecord) {
	if r.TargetDown {
		return
	}
	w.judged = slices.Insert(w.judged, 0, r.Status)
	if len(w.judged) > RecentRuns {
		w.judged = w.judged[:RecentRuns]
	}
	if r.Measured && r.Requests > 0 {
		w.measured = slices.Insert(w.measured, 0, r)
		if len(w.measured) > WindowMaxRuns {
			w.measured = w.measured[:WindowMaxRuns]
		}
	}
}

// windowVecs are the run-window gauges; part of scenarioVecs, so they are
// deleted with a scenario's other series. They are on no registry of their
// own: New registers them as one snapshotGroup, so that a scrape reads a
// scenario's windows as publishWindowsLocked left them, never half-way.
type windowVecs struct {
	recentRuns    *prometheus.GaugeVec
	recentLatency *prometheus.GaugeVec
	recentDropped *prometheus.GaugeVec
	recentStream  *prometheus.GaugeVec

	runs       *prometheus.GaugeVec
	requests   *prometheus.GaugeVec
	failed     *prometheus.GaugeVec
	http5xx    *prometheus.GaugeVec
	cacheHits  *prometheus.GaugeVec
	errorLower *prometheus.GaugeVec
	http5xxLow *prometheus.GaugeVec
	cacheUpper *prometheus.GaugeVec
}

func newWindowVecs(f promauto.Factory, labels func(extra ...string) []string) *windowVecs {
	gauge := func(name, help string, extra ...string) *prometheus.GaugeVec {
		return f.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: name, Help: help}, labels(extra...))
	}
	return &windowVecs{
		recentRuns: gauge("recent_runs",
			"How many of the scenario's last 3 runs failed (status failed) or could not be measured (status error); runs its target's failed health check prevented are not counted.", "status"),
		recentLatency: gauge("recent_runs_latency_seconds",
			"Second largest latency statistic of the scenario's last 3 measured runs: above a limit when at least 2 of them were (present from 2 runs on).", "stat"),
		recentStream: gauge("recent_runs_stream_seconds",
			"Second largest streaming statistic (first_event_p95, event_gap_p95) of the scenario's last 3 measured runs that read streams: above a limit when at least 2 of them were (present from 2 such runs on).", "stat"),
		recentDropped: gauge("recent_runs_dropped_ratio",
			"Second largest share of planned open-model requests not sent (dropped / (completed + dropped)) among the last 3 measured runs (open-model scenarios, present from 2 runs on)."),

		runs: gauge("window_runs",
			"Runs in the scenario's ratio window: its newest measured runs until they hold 1000 requests, at most 6."),
		requests:  gauge("window_requests", "Completed requests in the ratio window."),
		failed:    gauge("window_failed_requests", "Failed requests in the ratio window."),
		http5xx:   gauge("window_http_5xx_requests", "Requests in the ratio window that failed with an unexpected 5xx status."),
		cacheHits: gauge("window_cache_hits", "Successful responses in the ratio window whose cache signal said hit."),
		errorLower: gauge("window_error_ratio_lower_bound",
			"Failed/completed requests of the ratio window's newest runs, at least, with 99.9 % confidence (exact binomial bound, highest over the window's newest 1..6 runs)."),
		http5xxLow: gauge("window_http_5xx_ratio_lower_bound",
			"5xx-failed/completed requests of the ratio window's newest runs, at least, with 99.9 % confidence (as window_error_ratio_lower_bound)."),
		cacheUpper: gauge("window_cache_hit_ratio_upper_bound",
			"Cache hits/successful requests of the ratio window's newest runs, at most, with 99.9 % confidence (lowest over the window's newest 1..6 runs); absent while the window saw no cache signal."),
	}
}

// collectors lists every vector, for the snapshotGroup.
func (v *windowVecs) collectors() []prometheus.Collector {
	return []prometheus.Collector{
		v.recentRuns, v.recentLatency, v.recentDropped, v.recentStream,
		v.runs, v.requests, v.failed, v.http5xx, v.cacheHits, v.errorLower, v.http5xxLow, v.cacheUpper,
	}
}

func (v *windowVecs) all() []partialDeleter {
	return []partialDeleter{
		v.recentRuns, v.recentLatency, v.recentDropped, v.recentStream,
		v.runs, v.requests, v.failed, v.http5xx, v.cacheHits, v.errorLower, v.http5xxLow, v.cacheUpper,
	}
}

// RestoreRuns puts runs (oldest first) into the scenario's windows and
// publishes them, without touching any other series: the daemon calls it
// at start-up with the runs of its history, so a restart neither resolves
// nor re-raises an alert. It does nothing for a scenario that a config
// reload removed.
func (s *ScenarioMetrics) RestoreRuns(runs []RunRecord) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if s.removed {
		return
	}
	for _, r := range runs {
		s.win.add(r)
	}
	s.publishWindowsLocked()
}

// addRunLocked records one finished run in the windows and publishes
// them. Callers hold s.m.mu.
func (s *ScenarioMetrics) addRunLocked(r RunRecord) {
	s.win.add(r)
	s.publishWindowsLocked()
}

// publishWindowsLocked sets every window gauge from s.win, deleting the
// series that have no figure yet. Callers hold s.m.mu.
func (s *ScenarioMetrics) publishWindowsLocked() {
	v := s.vecs.win
	k := s.key
	lv := func(extra ...string) []string { return append([]string{k.suite, k.scenario, k.target}, extra...) }
	set := func(g *prometheus.GaugeVec, ok bool, val float64, extra ...string) {
		if ok {
			g.WithLabelValues(lv(extra...)...).Set(val)
		} else {
			g.DeleteLabelValues(lv(extra...)...)
		}
	}

	w := &s.win
	for _, st := range recentStatuses {
		n := 0
		for _, j := range w.judged {
			if string(j) == st {
				n++
			}
		}
		set(v.recentRuns, len(w.judged) > 0, float64(n), st)
	}

	recent := w.measured[:min(len(w.measured), RecentRuns)]
	p95, ok := secondLargest(recent, func(r RunRecord) float64 { return r.P95.Seconds() })
	set(v.recentLatency, ok, p95, "p95")
	p99, ok := secondLargest(recent, func(r RunRecord) float64 { return r.P99.Seconds() })
	set(v.recentLatency, ok, p99, "p99")
	dropped, ok := secondLargest(recent, func(r RunRecord) float64 {
		return float64(r.Dropped) / float64(r.Requests+r.Dropped)
	})
	// Only an open-model scenario can drop (its dropped counter exists):
	// a closed-model one would show a ratio that is 0 forever.
	set(v.recentDropped, ok && s.dropped != nil, dropped)

	// Streaming figures: the last 3 measured runs that read streams.
	var streamed []RunRecord
	for _, r := range recent {
		if r.Streamed {
			streamed = append(streamed, r)
		}
	}
	first, ok := secondLargest(streamed, func(r RunRecord) float64 { return r.FirstEventP95.Seconds() })
	set(v.recentStream, ok, first, "first_event_p95")
	gap, ok := secondLargest(streamed, func(r RunRecord) float64 { return r.EventGapP95.Seconds() })
	set(v.recentStream, ok, gap, "event_gap_p95")

	win := ratioWindow(w.measured)
	has := win.runs > 0
	set(v.runs, has, float64(win.runs))
	set(v.requests, has, float64(win.requests))
	set(v.failed, has, float64(win.failed))
	set(v.http5xx, has, float64(win.http5xx))
	set(v.cacheHits, has, float64(win.cacheHits))
	set(v.errorLower, has, win.errorLower)
	set(v.http5xxLow, has, win.http5xxLower)
	set(v.cacheUpper, has && win.cacheJudged, win.cacheUpper)
}

// secondLargest is the second largest f over runs, false for fewer than
// two runs: above a limit exactly when at least two of the runs were.
func secondLargest(runs []RunRecord, f func(RunRecord) float64) (float64, bool) {
	if len(runs) < 2 {
		return 0, false
	}
	vals := make([]float64, len(runs))
	for i, r := range runs {
		vals[i] = f(r)
	}
	slices.SortFunc(vals, func(a, b float64) int { return cmp.Compare(b, a) })
	return vals[1], true
}

// window is the ratio window of a scenario and its bounds.
type window struct {
	runs                                 int
	requests, failed, http5xx, cacheHits int64
	errorLower, http5xxLower, cacheUpper float64
	cacheJudged                          bool // some prefix had successful responses with a cache signal
}

// ratioWindow takes measured runs (newest first) until they hold
// WindowMinRequests requests or WindowMaxRuns runs. Each prefix — the
// newest 1, 2, … runs of the window — gets exact one-sided bounds at
// WindowAlpha / WindowMaxRuns; the window keeps the strongest evidence:
// the highest lower bound of the error and 5xx ratios, the lowest upper
// bound of the cache hit ratio. So a fault that began with the newest run
// is judged on the newest run alone, not diluted by the healthy runs
// before it, and a fault that a single small run cannot prove is judged
// on as many runs as it takes.
func ratioWindow(measured []RunRecord) window {
	const alpha = WindowAlpha / WindowMaxRuns
	w := window{cacheUpper: 1}
	var successful, signalled int64
	for _, r := range measured {
		if w.runs == WindowMaxRuns || w.requests >= WindowMinRequests {
			break
		}
		w.runs++
		w.requests += r.Requests
		w.failed += r.Failed
		w.http5xx += r.HTTP5xx
		w.cacheHits += r.CacheHits
		successful += r.Successful
		signalled += r.CacheHits + r.CacheMisses
		w.errorLower = max(w.errorLower, stats.BinomialLower(w.failed, w.requests, alpha))
		w.http5xxLower = max(w.http5xxLower, stats.BinomialLower(w.http5xx, w.requests, alpha))
		if signalled > 0 && successful > 0 {
			w.cacheJudged = true
			w.cacheUpper = min(w.cacheUpper, stats.BinomialUpper(w.cacheHits, successful, alpha))
		}
	}
	return w
}
