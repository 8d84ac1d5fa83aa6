package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Threshold gauges, in the order of thresholdNames.
const (
	thMinSuccess = iota
	thMaxAvg
	thMaxP95
	thMaxP99
	thMinCacheHit
	thMaxP95FirstEvent
	thMaxP95EventGap
	numThresholds
)

// scenarioVecs are the vectors whose series carry suite, scenario and
// target. They are grouped so that a scenario's series can be deleted from
// all of them at once, and so that a detached copy (on no registry) can be
// built for scenarios that are no longer configured.
type scenarioVecs struct {
	duration *prometheus.HistogramVec
	ttfb     *prometheus.HistogramVec
	requests *prometheus.CounterVec
	errors   *prometheus.CounterVec
	cache    *prometheus.CounterVec
	inFlight *prometheus.GaugeVec
	users    *prometheus.GaugeVec
	dropped  *prometheus.CounterVec
	cost     *prometheus.CounterVec
	savings  *prometheus.CounterVec
	// lateness exists only for open-model scenarios; plannedUsers only for
	// closed-model ones and plannedRate for open-model ones (plan.go).
	lateness     *prometheus.HistogramVec
	plannedUsers *prometheus.GaugeVec
	plannedRate  *prometheus.GaugeVec

	lastLatency    *prometheus.GaugeVec
	lastSuccess    *prometheus.GaugeVec
	lastCacheHit   *prometheus.GaugeVec
	lastError      *prometheus.GaugeVec
	lastThroughput *prometheus.GaugeVec
	lastRequests   *prometheus.GaugeVec
	lastDuration   *prometheus.GaugeVec
	lastTimestamp  *prometheus.GaugeVec
	lastPassed     *prometheus.GaugeVec
	lastStatus     *prometheus.GaugeVec
	lastGrade      *prometheus.GaugeVec
	runs           *prometheus.CounterVec

	thresholds [numThresholds]*prometheus.GaugeVec

	win *windowVecs // run windows (window.go)
	// stream are the series of streamed responses (stream.go).
	stream streamVecs
}

// partialDeleter is what every *Vec offers for deleting by a label subset.
type partialDeleter interface {
	DeletePartialMatch(prometheus.Labels) int
}

func newScenarioVecs(f promauto.Factory, native bool) *scenarioVecs {
	base := []string{LabelSuite, LabelScenario, LabelTarget}
	with := func(extra ...string) []string { return append(append([]string{}, base...), extra...) }
	gauge := func(name, help string, extra ...string) *prometheus.GaugeVec {
		return f.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: name, Help: help}, with(extra...))
	}
	counter := func(name, help string, extra ...string) *prometheus.CounterVec {
		return f.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, with(extra...))
	}

	durationOpts := prometheus.HistogramOpts{
		Namespace: Namespace, Name: "request_duration_seconds",
		Help:    "Request latency from the (intended) send time to the end of the body.",
		Buckets: DurationBuckets,
	}
	ttfbOpts := prometheus.HistogramOpts{
		Namespace: Namespace, Name: "request_ttfb_seconds",
		Help:    "Time from the actual send to the first response byte, for requests that got a response.",
		Buckets: TTFBBuckets,
	}
	if native {
		durationOpts.NativeHistogramBucketFactor = nativeBucketFactor
		durationOpts.NativeHistogramMaxBucketNumber = nativeMaxBucketNumber
		durationOpts.NativeHistogramMinResetDuration = nativeMinResetPeriod
		// Native only (no Buckets): nine classic TTFB buckets were a tenth
		// of a scenario's series, for a secondary figure.
		ttfbOpts.Buckets = nil
		ttfbOpts.NativeHistogramBucketFactor = nativeBucketFactor
		ttfbOpts.NativeHistogramMaxBucketNumber = nativeMaxBucketNumber
		ttfbOpts.NativeHistogramMinResetDuration = nativeMinResetPeriod
	}

	v := &scenarioVecs{
		duration: f.NewHistogramVec(durationOpts, with("outcome", "cache")),
		ttfb:     f.NewHistogramVec(ttfbOpts, with()),
		requests: counter("requests_total", "Completed requests by HTTP status code (\"error\" when no response arrived).", "code"),
		errors:   counter("request_errors_total", "Failed requests by error kind.", "kind"),
		cache:    counter("cache_responses_total", "Successful responses by the target's cache-hit signal (hit or miss).", "result"),
		inFlight: gauge("requests_in_flight", "Requests sent and not yet completed."),
		users:    gauge("virtual_users", "Virtual users (closed model) or workers (open model) currently running."),
		dropped:  counter("dropped_requests_total", "Open-model requests that were due but not sent because the in-flight cap was reached."),
		cost:     counter("estimated_cost_total", "Estimated cost of uncached successful responses, from the target's cost per uncached request."),
		lateness: f.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "pacer_lateness_seconds",
			Help:    "Open model: how late each request left against its intended send time.",
			Buckets: LatenessBuckets,
		}, with()),
		plannedUsers: gauge("planned_virtual_users", "Closed model: virtual users the load plan asks for now (users, or the ramp_up/stages value); compare loadcron_virtual_users."),
		plannedRate:  gauge("planned_request_rate", "Open model: requests per second the load plan asks for now (rate, or the stages value)."),
		savings:      counter("estimated_savings_total", "Estimated cost saved by cached responses, from the target's cost per uncached request."),

		lastLatency:    gauge("last_run_latency_seconds", "Exact latency statistic of the last finished run.", "stat"),
		lastSuccess:    gauge("last_run_success_ratio", "Successful / completed requests of the last finished run."),
		lastCacheHit:   gauge("last_run_cache_hit_ratio", "Cache hits / successful requests of the last finished run."),
		lastError:      gauge("last_run_error_ratio", "Failed / completed requests of the last finished run."),
		lastThroughput: gauge("last_run_throughput_rps", "Completed requests per second of the last finished run."),
		lastRequests:   gauge("last_run_requests", "Completed requests of the last finished run."),
		lastDuration:   gauge("last_run_duration_seconds", "Wall-clock duration of the last finished run."),
		lastTimestamp:  gauge("last_run_timestamp_seconds", "Unix time the last run finished (or was found unable to run)."),
		lastPassed:     gauge("last_run_passed", "1 when the last run's status was passed or warning, else 0."),
		lastStatus:     gauge("last_run_status", "1 for the last run's status, 0 for the other statuses.", "status"),
		lastGrade:      gauge("last_run_grade", "1 for the last measured run's grade, 0 for the other grades.", "grade"),
		runs:           counter("runs_total", "Scenario runs by status (passed, warning, failed, error, skipped).", "status"),
	}
	v.thresholds[thMinSuccess] = gauge("threshold_min_success_ratio", "Configured minimum success ratio; present only where configured.")
	v.thresholds[thMaxAvg] = gauge("threshold_max_avg_latency_seconds", "Configured maximum average latency; present only where configured.")
	v.thresholds[thMaxP95] = gauge("threshold_max_p95_latency_seconds", "Configured maximum P95 latency; present only where configured.")
	v.thresholds[thMaxP99] = gauge("threshold_max_p99_latency_seconds", "Configured maximum P99 latency; present only where configured.")
	v.thresholds[thMinCacheHit] = gauge("threshold_min_cache_hit_ratio", "Configured minimum cache hit ratio; present only where configured.")
	// On no registry: Metrics.New registers them as one snapshotGroup.
	v.win = newWindowVecs(promauto.With(nil), with)
	v.thresholds[thMaxP95FirstEvent] = gauge("threshold_max_p95_first_event_seconds", "Configured maximum P95 time to first event of streamed responses; present only where configured.")
	v.thresholds[thMaxP95EventGap] = gauge("threshold_max_p95_event_gap_seconds", "Configured maximum P95 gap between events of streamed responses; present only where configured.")
	v.stream = newStreamVecs(f, base)
	return v
}

// all lists every vector, for deleting a scenario's series.
func (v *scenarioVecs) all() []partialDeleter {
	d := []partialDeleter{
		v.duration, v.ttfb, v.requests, v.errors, v.cache, v.inFlight, v.users,
		v.dropped, v.cost, v.savings, v.lateness, v.plannedUsers, v.plannedRate,
		v.lastLatency, v.lastSuccess, v.lastCacheHit, v.lastError, v.lastThroughput,
		v.lastRequests, v.lastDuration, v.lastTimestamp, v.lastPassed, v.lastStatus,
		v.lastGrade, v.runs,
	}
	for _, t := range v.thresholds {
		d = append(d, t)
	}
	return append(append(d, v.win.all()...), v.stream.all()...)
}

// deleteScenario removes every series of k from every vector.
func (v *scenarioVecs) deleteScenario(k key) {
	l := k.labels()
	for _, d := range v.all() {
		d.DeletePartialMatch(l)
	}
}
