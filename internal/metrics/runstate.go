package metrics

import (
	"sort"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// runState exposes each suite's run state — loadcron_suite_running,
// loadcron_suite_last_run_start_timestamp_seconds,
// loadcron_suite_last_run_passed and
// loadcron_suite_last_run_timestamp_seconds — from one snapshot taken
// under the lock its updates hold, so that one scrape sees one state.
//
// Gauge vectors would each be read at their own moment of a scrape (the
// registry collects them one after another, in no fixed order): a run
// starting in between gave a scrape running 1 beside the previous run's
// start, and LoadcronRunsOverdue, which pages on a running suite whose
// start is more than a schedule interval ago, paged on a healthy suite.
type runState struct {
	mu *sync.Mutex // Metrics.mu: held by every update and by Collect

	running, lastStart, lastPassed, lastFinish *prometheus.Desc

	// Per suite; a suite without an entry in a map has no such series.
	suites map[string]*suiteState
}

// suiteState is one suite's values; the has* fields say which series exist.
type suiteState struct {
	running, lastStart, lastPassed, lastFinish float64
	hasStart, hasLast                          bool
}

func newRunState(mu *sync.Mutex) *runState {
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", name), help, []string{LabelSuite}, nil)
	}
	return &runState{
		mu: mu,
		running: desc("suite_running",
			"1 while a run of the suite is in progress, else 0."),
		lastStart: desc("suite_last_run_start_timestamp_seconds",
			"Unix time the suite's latest run started (the run may still be going)."),
		lastPassed: desc("suite_last_run_passed",
			"1 when the suite's last finished run passed (no scenario failed), else 0."),
		lastFinish: desc("suite_last_run_timestamp_seconds",
			"Unix time the suite's last run finished."),
		suites: map[string]*suiteState{},
	}
}

// suiteLocked returns suite's state, creating it (running 0, no run yet).
// Callers hold mu.
func (r *runState) suiteLocked(suite string) *suiteState {
	s := r.suites[suite]
	if s == nil {
		s = &suiteState{}
		r.suites[suite] = s
	}
	return s
}

// Describe implements prometheus.Collector.
func (r *runState) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{r.running, r.lastStart, r.lastPassed, r.lastFinish} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: every value is read under mu,
// then sent.
func (r *runState) Collect(ch chan<- prometheus.Metric) {
	r.mu.Lock()
	names := make([]string, 0, len(r.suites))
	for name := range r.suites {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]prometheus.Metric, 0, 4*len(names))
	gauge := func(d *prometheus.Desc, v float64, suite string) {
		out = append(out, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, suite))
	}
	for _, name := range names {
		s := r.suites[name]
		gauge(r.running, s.running, name)
		if s.hasStart {
			gauge(r.lastStart, s.lastStart, name)
		}
		if s.hasLast {
			gauge(r.lastPassed, s.lastPassed, name)
			gauge(r.lastFinish, s.lastFinish, name)
		}
	}
	r.mu.Unlock()
	for _, m := range out {
		ch <- m
	}
}
