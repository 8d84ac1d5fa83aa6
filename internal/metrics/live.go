package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/loadcron/loadcron/internal/result"
)

// liveHandles are a scenario's per-request series, each resolved when it
// first occurs. A ScenarioMetrics keeps the shared set (guarded by the
// Metrics lock, cleared when the scenario is detached); each recorder
// keeps its own copy, filled from the shared set on a miss.
type liveHandles struct {
	duration [2][numCaches]prometheus.Observer // [outcome][result.Cache]
	ttfb     prometheus.Observer
	codeErr  prometheus.Counter
	kinds    [result.NumKinds]prometheus.Counter
	cache    [numCaches]prometheus.Counter // hit and miss only
	dropped  prometheus.Counter
}

// resolve returns *p, creating the series with mk under the Metrics lock
// when the scenario has not got it yet.
func resolve[T any](s *ScenarioMetrics, p func(*liveHandles) *T, mk func(v *scenarioVecs, k key) T) T {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	h := p(&s.live)
	if any(*h) == nil {
		*h = mk(s.vecs, s.key)
	}
	return *h
}

func (r *recorder) duration(o int, c result.Cache) prometheus.Observer {
	if h := r.live.duration[o][c]; h != nil {
		return h
	}
	h := resolve(r.s, func(l *liveHandles) *prometheus.Observer { return &l.duration[o][c] },
		func(v *scenarioVecs, k key) prometheus.Observer {
			return v.duration.WithLabelValues(k.suite, k.scenario, k.target, outcomes[o], c.String())
		})
	r.live.duration[o][c] = h
	return h
}

func (r *recorder) ttfb() prometheus.Observer {
	if h := r.live.ttfb; h != nil {
		return h
	}
	h := resolve(r.s, func(l *liveHandles) *prometheus.Observer { return &l.ttfb },
		func(v *scenarioVecs, k key) prometheus.Observer {
			return v.ttfb.WithLabelValues(k.suite, k.scenario, k.target)
		})
	r.live.ttfb = h
	return h
}

func (r *recorder) codeErr() prometheus.Counter {
	if h := r.live.codeErr; h != nil {
		return h
	}
	h := resolve(r.s, func(l *liveHandles) *prometheus.Counter { return &l.codeErr },
		func(v *scenarioVecs, k key) prometheus.Counter {
			return v.requests.WithLabelValues(k.suite, k.scenario, k.target, codeError)
		})
	r.live.codeErr = h
	return h
}

func (r *recorder) kind(kind result.Kind) prometheus.Counter {
	if h := r.live.kinds[kind]; h != nil {
		return h
	}
	h := resolve(r.s, func(l *liveHandles) *prometheus.Counter { return &l.kinds[kind] },
		func(v *scenarioVecs, k key) prometheus.Counter {
			return v.errors.WithLabelValues(k.suite, k.scenario, k.target, kind.String())
		})
	r.live.kinds[kind] = h
	return h
}

func (r *recorder) cacheResult(c result.Cache) prometheus.Counter {
	if h := r.live.cache[c]; h != nil {
		return h
	}
	h := resolve(r.s, func(l *liveHandles) *prometheus.Counter { return &l.cache[c] },
		func(v *scenarioVecs, k key) prometheus.Counter {
			return v.cache.WithLabelValues(k.suite, k.scenario, k.target, c.String())
		})
	r.live.cache[c] = h
	return h
}

// droppedCounter is loadcron_dropped_requests_total of the scenario.
func (s *ScenarioMetrics) droppedCounter() prometheus.Counter {
	return resolve(s, func(l *liveHandles) *prometheus.Counter { return &l.dropped },
		func(v *scenarioVecs, k key) prometheus.Counter {
			return v.dropped.WithLabelValues(k.suite, k.scenario, k.target)
		})
}
