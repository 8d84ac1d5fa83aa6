package metrics

import (
	"math"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/loadcron/loadcron/internal/result"
)

// Outcome label values, indexed by 0 = success, 1 = failure.
var outcomes = [2]string{"success", "failure"}

// numCaches is the number of result.Cache values (unknown, hit, miss).
const numCaches = int(result.CacheMiss) + 1

// codeError is the code label of a request that got no response.
const codeError = "error"

// ScenarioMetrics holds the series of one suite/scenario/target triple.
// Get it from Metrics.Scenario once per scenario run; hand each virtual
// user or worker its own Recorder.
//
// Only series that can occur exist: the in-flight and virtual-users gauges
// and runs_total{status} from the start; a duration histogram per outcome
// and cache state, the TTFB histogram, each error kind, each status code,
// each cache result, dropped requests (created at 0 for configured
// open-model scenarios) and the cost counters (where a cost is configured)
// when they first happen. A recorder resolves each series once and keeps
// it, so recording stays lock- and allocation-free.
type ScenarioMetrics struct {
	m    *Metrics
	vecs *scenarioVecs
	key  key

	inFlight prometheus.Gauge
	users    prometheus.Gauge
	runs     map[string]prometheus.Counter // by runs_total status

	// removed is set when SetConfig dropped this scenario, so late calls
	// of a run that outlived the reload do not bring its series back.
	// removed, vecs (after construction), codes and dropped are guarded
	// by m.mu.
	removed bool
	codes   map[int]prometheus.Counter // requests_total by status code
	// dropped is dropped_requests_total once it exists: SetConfig creates
	// it at 0 for an open-model scenario, so it also says whether the
	// scenario can drop.
	dropped prometheus.Counter
	// win is the run history behind the window gauges; guarded by m.mu.
	win runWindows
	// stream holds the stream series once the scenario streams (stream.go).
	stream *streamHandles
	// ex decides which latency observations carry exemplars (exemplar.go).
	ex *exemplars
}

// Scenario returns the metrics of one scenario, creating its live series
// (at zero) on first use; later calls with the same names return the same
// value. Once SetConfig has run, a triple that is not in the configuration
// (a run that outlived the reload that removed it) gets a detached value
// whose recordings are exported nowhere.
func (m *Metrics) Scenario(suite, scenario, target string) *ScenarioMetrics {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.scenarioLocked(key{suite, scenario, target})
}

func (m *Metrics) scenarioLocked(k key) *ScenarioMetrics {
	if s, ok := m.scenarios[k]; ok {
		return s
	}
	if m.configured && !m.isConfiguredLocked(k) {
		s := newScenarioMetrics(m, newScenarioVecs(promauto.With(nil), false), k)
		s.removed = true
		return s
	}
	s := newScenarioMetrics(m, m.vecs, k)
	m.scenarios[k] = s
	return s
}

func (m *Metrics) isConfiguredLocked(k key) bool {
	for _, c := range m.suites[k.suite] {
		if c == k {
			return true
		}
	}
	return false
}

func newScenarioMetrics(m *Metrics, v *scenarioVecs, k key) *ScenarioMetrics {
	s := &ScenarioMetrics{m: m, vecs: v, key: k, codes: make(map[int]prometheus.Counter), runs: make(map[string]prometheus.Counter), ex: newExemplars()}
	s.inFlight = v.inFlight.WithLabelValues(k.suite, k.scenario, k.target)
	s.users = v.users.WithLabelValues(k.suite, k.scenario, k.target)
	// runs_total{status} stays pre-created: one run per schedule tick is
	// few enough that increase() missing a series' first run would show.
	for _, st := range runStatuses {
		s.runs[st] = v.runs.WithLabelValues(k.suite, k.scenario, k.target, st)
	}
	return s
}

// InFlight is loadcron_requests_in_flight of the scenario; the engine
// increments it when a request leaves and decrements it when it completes.
func (s *ScenarioMetrics) InFlight() prometheus.Gauge { return s.inFlight }

// VirtualUsers is loadcron_virtual_users of the scenario; the engine sets
// or moves it as users (or open-model workers) start and stop.
func (s *ScenarioMetrics) VirtualUsers() prometheus.Gauge { return s.users }

// AddDropped adds n open-model requests that were due but not sent
// (in-flight cap reached). Non-positive n is ignored.
func (s *ScenarioMetrics) AddDropped(n int64) {
	if n > 0 {
		s.droppedCounter().Add(float64(n))
	}
}

// AddCost adds to loadcron_estimated_cost_total and
// loadcron_estimated_savings_total. Negative or NaN amounts are ignored
// (counters only go up), and so are zeros: a target without a cost per
// uncached request has no cost series. SetRun already adds the summary's
// figures: call AddCost only for cost counted some other way.
func (s *ScenarioMetrics) AddCost(cost, savings float64) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.addCostLocked(cost, savings)
}

func (s *ScenarioMetrics) addCostLocked(cost, savings float64) {
	okCost := cost > 0 && !math.IsInf(cost, 0)
	okSavings := savings > 0 && !math.IsInf(savings, 0)
	if !okCost && !okSavings {
		return
	}
	// Both counters exist from the first cost figure on, so that a run
	// served entirely from cache still shows a cost (of 0).
	k := s.key
	c := s.vecs.cost.WithLabelValues(k.suite, k.scenario, k.target)
	sv := s.vecs.savings.WithLabelValues(k.suite, k.scenario, k.target)
	if okCost {
		c.Add(cost)
	}
	if okSavings {
		sv.Add(savings)
	}
}

// codeCounter returns requests_total for a status code, creating it on
// first use. Recorders cache the answer, so this lock is taken about once
// per recorder and code, not per request. It holds the Metrics lock so that
// a code first seen after a reload removed the scenario cannot bring the
// scenario's series back (s.vecs is detached by then).
func (s *ScenarioMetrics) codeCounter(code int) prometheus.Counter {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	c, ok := s.codes[code]
	if !ok {
		c = s.vecs.requests.WithLabelValues(s.key.suite, s.key.scenario, s.key.target, strconv.Itoa(code))
		s.codes[code] = c
	}
	return c
}

// latenessObserver returns loadcron_pacer_lateness_seconds of the
// scenario, creating the series: only open-model scenarios, whose results
// carry a lateness, ever have it. Recorders cache the answer.
func (s *ScenarioMetrics) latenessObserver() prometheus.Observer {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	return s.vecs.lateness.WithLabelValues(s.key.suite, s.key.scenario, s.key.target)
}

// detachLocked marks s removed and points it at vectors on no registry, so
// nothing it does afterwards reaches the exposition. Callers hold s.m.mu.
func (s *ScenarioMetrics) detachLocked() {
	s.removed = true
	s.vecs = newScenarioVecs(promauto.With(nil), false)
	clear(s.codes)
	s.dropped = nil
	s.stream = nil
}

// Recorder returns a new result.Recorder feeding the scenario's live
// series. Each recorder must be used by one goroutine at a time (one per
// virtual user or worker); after it has seen each status code once, Record
// does not allocate.
func (s *ScenarioMetrics) Recorder() result.Recorder { return &recorder{s: s} }

// codeCacheSize bounds each recorder's code→counter cache. A scenario
// rarely sees more than a handful of codes; past this, entries rotate and
// the shared, locked map answers.
const codeCacheSize = 8

type codeEntry struct {
	code int
	c    prometheus.Counter
}

// recorder is one goroutine's view of a ScenarioMetrics: its own copy of
// each series handle, resolved (and the series created) on first use.
type recorder struct {
	s      *ScenarioMetrics
	stream *streamHandles // resolved on the first streamed result
	codes  [codeCacheSize]codeEntry
	n      int                 // used entries of codes
	next   int                 // entry to replace once codes is full
	late   prometheus.Observer // pacer lateness, resolved on the first paced result
	live   liveHandles
}

// Record observes one result: duration by outcome and cache state, TTFB
// and status code when a response arrived, the error kind of a failure,
// and the cache signal of a success (SPEC §3 counts cache hits over
// successful responses only, as stats.Summary does).
func (r *recorder) Record(res *result.Result) {
	s := r.s
	ok := res.OK()
	o := 0
	if !ok {
		o = 1
	}
	// The cache label says what the signal said about a successful
	// response (as the hit rate does); a failure's is always unknown, so a
	// failed request needs one duration series, not three.
	c := res.Cache
	if int(c) >= numCaches || !ok {
		c = result.CacheUnknown
	}
	s.observeDuration(r.duration(o, c), o, c, res)
	if res.Lateness > 0 {
		if r.late == nil {
			r.late = s.latenessObserver()
		}
		r.late.Observe(res.Lateness.Seconds())
	}

	if res.Streamed {
		if r.stream == nil {
			r.stream = s.streamHandles()
		}
		if res.Stream.Events > 0 {
			r.stream.first.Observe(res.Stream.FirstEvent.Seconds())
			r.stream.events.Add(float64(res.Stream.Events))
		}
	}
	if res.Code != 0 {
		r.ttfb().Observe(res.TTFB.Seconds())
		r.counter(res.Code).Inc()
	} else {
		r.codeErr().Inc()
	}

	if !ok {
		// Kinds outside the known set have no series; the failure still
		// shows in the duration and requests series above.
		if res.Kind != result.KindNone && int(res.Kind) < result.NumKinds {
			r.kind(res.Kind).Inc()
		}
		return
	}
	if c == result.CacheHit || c == result.CacheMiss {
		r.cacheResult(c).Inc()
	}
}

// counter returns the requests_total counter of code from the recorder's
// cache, filling it from the scenario's shared map on a miss.
func (r *recorder) counter(code int) prometheus.Counter {
	for i := 0; i < r.n; i++ {
		if r.codes[i].code == code {
			return r.codes[i].c
		}
	}
	c := r.s.codeCounter(code)
	slot := r.n
	if r.n < codeCacheSize {
		r.n++
	} else {
		slot = r.next
		r.next = (r.next + 1) % codeCacheSize
	}
	r.codes[slot] = codeEntry{code: code, c: c}
	return c
}
