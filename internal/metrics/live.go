package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/loadcron/loadcron/internal/result"
)

// liveHandles are a recorder's per-request series, each resolved when it
// first occurs and kept, so that recording neither locks nor allocates.
type liveHandles struct {
	duration [2][numCaches]prometheus.Observer // [outcome][result.Cache]
	ttfb     prometheus.Observer
	codeErr  prometheus.Counter
	kinds    [result.NumKinds]prometheus.Counter
	cache    [numCaches]prometheus.Counter // hit and miss only
}

// resolve returns the series mk picks from the scenario's vectors,
// creating it. It holds the Metrics lock: a reload may detach the
// scenario (detachLocked) and so change s.vecs.
func resolve[T any](s *ScenarioMetrics, mk func(v *scenarioVecs, k key) T) T {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	return mk(s.vecs, s.key)
}

func (r *recorder) duration(o int, c result.Cache) prometheus.Observer {
	h := &r.live.duration[o][c]
	if *h == nil {
		*h = resolve(r.s, func(v *scenarioVecs, k key) prometheus.Observer {
			return v.duration.WithLabelValues(k.suite, k.scenario, k.target, outcomes[o], c.String())
		})
	}
	return *h
}

func (r *recorder) ttfb() prometheus.Observer {
	h := &r.live.ttfb
	if *h == nil {
		*h = resolve(r.s, func(v *scenarioVecs, k key) prometheus.Observer {
			return v.ttfb.WithLabelValues(k.suite, k.scenario, k.target)
		})
	}
	return *h
}

func (r *recorder) codeErr() prometheus.Counter {
	h := &r.live.codeErr
	if *h == nil {
		*h = resolve(r.s, func(v *scenarioVecs, k key) prometheus.Counter {
			return v.requests.WithLabelValues(k.suite, k.scenario, k.target, codeError)
		})
	}
	return *h
}

func (r *recorder) kind(kind result.Kind) prometheus.Counter {
	h := &r.live.kinds[kind]
	if *h == nil {
		*h = resolve(r.s, func(v *scenarioVecs, k key) prometheus.Counter {
			return v.errors.WithLabelValues(k.suite, k.scenario, k.target, kind.String())
		})
	}
	return *h
}

func (r *recorder) cacheResult(c result.Cache) prometheus.Counter {
	h := &r.live.cache[c]
	if *h == nil {
		*h = resolve(r.s, func(v *scenarioVecs, k key) prometheus.Counter {
			return v.cache.WithLabelValues(k.suite, k.scenario, k.target, c.String())
		})
	}
	return *h
}

// droppedCounter is loadcron_dropped_requests_total of the scenario,
// created on first use (SetConfig creates it at 0 for an open-model
// scenario).
func (s *ScenarioMetrics) droppedCounter() prometheus.Counter {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if s.dropped == nil {
		s.dropped = s.vecs.dropped.WithLabelValues(s.key.suite, s.key.scenario, s.key.target)
	}
	return s.dropped
}
