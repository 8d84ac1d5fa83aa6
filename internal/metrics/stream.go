package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/loadcron/loadcron/internal/stats"
)

// GapBuckets are the classic buckets (seconds) of
// loadcron_stream_event_gap_seconds: the pace of tokens, 1 ms to 10 s.
var GapBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// streamVecs are the vectors of streamed responses (request.stream). A
// scenario gets their series only when it streams: SetConfig creates them
// for streamed scenarios, a recorder on the first streamed result.
type streamVecs struct {
	first     *prometheus.HistogramVec
	gap       *prometheus.HistogramVec
	events    *prometheus.CounterVec
	lastFirst *prometheus.GaugeVec
	lastGap   *prometheus.GaugeVec
}

func newStreamVecs(f promauto.Factory, base []string) streamVecs {
	with := func(extra ...string) []string { return append(append([]string{}, base...), extra...) }
	return streamVecs{
		first: f.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "stream_first_event_seconds",
			Help:    "Time from the (intended) send time to the first event of a streamed response (for a chat API, the first token).",
			Buckets: DurationBuckets,
		}, with()),
		gap: f.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "stream_event_gap_seconds",
			Help:    "Time between consecutive events of a streamed response.",
			Buckets: GapBuckets,
		}, with()),
		events: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "stream_events_total",
			Help: "Events received in streamed responses (end events excluded).",
		}, with()),
		lastFirst: f.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "last_run_stream_first_event_seconds",
			Help: "Exact time-to-first-event statistic of the last finished run's streamed responses.",
		}, with("stat")),
		lastGap: f.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "last_run_stream_event_gap_seconds",
			Help: "Exact inter-event gap statistic of the last finished run's streamed responses.",
		}, with("stat")),
	}
}

func (v *streamVecs) all() []partialDeleter {
	return []partialDeleter{v.first, v.gap, v.events, v.lastFirst, v.lastGap}
}

// streamHandles are one scenario's resolved stream series.
type streamHandles struct {
	first  prometheus.Observer
	gap    prometheus.Observer
	events prometheus.Counter
}

// streamLocked returns the scenario's stream series, creating them (at
// zero) on first use. Callers hold s.m.mu.
func (s *ScenarioMetrics) streamLocked() *streamHandles {
	if s.stream == nil {
		k, v := s.key, &s.vecs.stream
		s.stream = &streamHandles{
			first:  v.first.WithLabelValues(k.suite, k.scenario, k.target),
			gap:    v.gap.WithLabelValues(k.suite, k.scenario, k.target),
			events: v.events.WithLabelValues(k.suite, k.scenario, k.target),
		}
	}
	return s.stream
}

// dropStreamLocked deletes the scenario's stream series (a reload made it
// a plain scenario). Callers hold s.m.mu.
func (s *ScenarioMetrics) dropStreamLocked() {
	for _, d := range s.vecs.stream.all() {
		d.DeletePartialMatch(s.key.labels())
	}
	s.stream = nil
}

// streamHandles returns the scenario's stream series for a recorder,
// which caches them: the lock is taken once per recorder.
func (s *ScenarioMetrics) streamHandles() *streamHandles {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	return s.streamLocked()
}

// RecordGaps observes the gaps between events of a streamed response. It
// implements result.GapRecorder.
func (r *recorder) RecordGaps(gaps []time.Duration) {
	if r.stream == nil {
		r.stream = r.s.streamHandles()
	}
	for _, g := range gaps {
		r.stream.gap.Observe(g.Seconds())
	}
}

// setStreamRunLocked publishes the exact stream figures of a run. Callers
// hold s.m.mu.
func (s *ScenarioMetrics) setStreamRunLocked(st *stats.StreamSummary) {
	if st == nil {
		return
	}
	k, v := s.key, &s.vecs.stream
	for _, x := range []struct {
		stat        string
		first, gaps time.Duration
	}{
		{"p50", st.FirstEvent.P50, st.EventGap.P50},
		{"p95", st.FirstEvent.P95, st.EventGap.P95},
		{"p99", st.FirstEvent.P99, st.EventGap.P99},
		{"max", st.FirstEvent.Max, st.EventGap.Max},
	} {
		v.lastFirst.WithLabelValues(k.suite, k.scenario, k.target, x.stat).Set(x.first.Seconds())
		v.lastGap.WithLabelValues(k.suite, k.scenario, k.target, x.stat).Set(x.gaps.Seconds())
	}
}
