package metrics

import (
	"sort"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/loadcron/loadcron/internal/result"
)

// Exemplars on loadcron_request_duration_seconds link a latency bucket to
// a request: {trace_id, run_id}, the trace id of the request's traceparent
// header and the run that sent it. They are shown only in the OpenMetrics
// exposition (the server enables it), one per classic bucket, the latest.
//
// Policy: an observation carries an exemplar only when it is the slowest
// so far, in its run, of its series' bucket (series: outcome × cache).
// Attaching one costs allocations (the label map, the hex id and the
// client's exemplar); the record-per-bucket rule bounds them to about
// buckets × ln(requests) per series and run, most of them early in the
// run, while the request that a slow bucket's exemplar names is one of the
// slowest of that bucket. Every other observation takes the plain,
// allocation-free path: a bucket search and one atomic load more.

// Exemplar label names.
const (
	ExemplarTraceID = "trace_id"
	ExemplarRunID   = "run_id"
)

// maxExemplarRunID bounds the run id in an exemplar: labels may hold at
// most prometheus.ExemplarMaxRunes runes in all (over it the client
// panics), and trace_id (8) + 32 hex + run_id (6) take 46.
const maxExemplarRunID = prometheus.ExemplarMaxRunes - len(ExemplarTraceID) - 32 - len(ExemplarRunID)

// exemplars is one scenario's exemplar state.
type exemplars struct {
	runID atomic.Pointer[string]
	// max holds, per outcome, cache and classic bucket (+Inf last), the
	// largest latency (ns) seen in the current run.
	max [2][numCaches][]atomic.Int64
}

func newExemplars() *exemplars {
	ex := &exemplars{}
	for o := range ex.max {
		for c := range ex.max[o] {
			ex.max[o][c] = make([]atomic.Int64, len(DurationBuckets)+1)
		}
	}
	empty := ""
	ex.runID.Store(&empty)
	return ex
}

// BeginRun starts a run of the scenario: its exemplars carry runID, and
// every bucket's record starts over, so the run's own slow requests get
// exemplars. Call it before the run's first result.
func (s *ScenarioMetrics) BeginRun(runID string) {
	if !utf8.ValidString(runID) {
		runID = ""
	}
	if utf8.RuneCountInString(runID) > maxExemplarRunID {
		runID = string([]rune(runID)[:maxExemplarRunID])
	}
	for o := range s.ex.max {
		for c := range s.ex.max[o] {
			for i := range s.ex.max[o][c] {
				s.ex.max[o][c][i].Store(0)
			}
		}
	}
	s.ex.runID.Store(&runID)
}

// isRecord reports whether d is a new record of its bucket in series
// (o, c), and claims it.
func (ex *exemplars) isRecord(o int, c result.Cache, d time.Duration) bool {
	v := d.Seconds()
	slot := &ex.max[o][c][sort.SearchFloat64s(DurationBuckets, v)]
	ns := int64(d)
	for {
		cur := slot.Load()
		if ns <= cur {
			return false
		}
		if slot.CompareAndSwap(cur, ns) {
			return true
		}
	}
}

// observeDuration observes a result's latency in obs, with an exemplar
// when the policy above says so.
func (s *ScenarioMetrics) observeDuration(obs prometheus.Observer, o int, c result.Cache, res *result.Result) {
	v := res.Latency.Seconds()
	if res.TraceID.IsZero() || !s.ex.isRecord(o, c, res.Latency) {
		obs.Observe(v)
		return
	}
	eo, ok := obs.(prometheus.ExemplarObserver)
	if !ok {
		obs.Observe(v)
		return
	}
	labels := prometheus.Labels{ExemplarTraceID: res.TraceID.String()}
	if run := *s.ex.runID.Load(); run != "" {
		labels[ExemplarRunID] = run
	}
	eo.ObserveWithExemplar(v, labels)
}
