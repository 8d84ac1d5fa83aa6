// Package metrics holds every Prometheus instrument loadcron exports (SPEC
// §5) in one struct built on an injected prometheus.Registerer. The metric
// names, labels and units are a public contract: dashboards and alert rules
// depend on them.
//
// The per-request path goes through ScenarioMetrics and its Recorder, which
// resolve label handles once so that recording a result neither locks a
// shared mutex nor allocates.
package metrics

import (
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Namespace prefixes every metric name.
const Namespace = "loadcron"

// Label names shared by the instruments.
const (
	LabelSuite    = "suite"
	LabelScenario = "scenario"
	LabelTarget   = "target"
)

// DurationBuckets are the classic histogram buckets (seconds) of
// loadcron_request_duration_seconds: from 1 ms (cache hits of a fast API),
// steps of about 5 up to 1 s, then edges at the guide's grade bounds (3,
// 5, 10 s) and its 30 s P99 limit. Exact figures come from the HDR
// histograms (last_run_*) and fine ones from the native histogram in the
// same family; these serve heatmaps and rough quantiles where a scraper
// keeps classic buckets only, so they are few: every bucket is a series
// per outcome and cache state (issue 11: at most 80 series per scenario).
var DurationBuckets = []float64{.001, .005, .025, .1, .5, 1, 3, 5, 10, 30}

// TTFBBuckets are the classic buckets (seconds) of
// loadcron_request_ttfb_seconds when native histograms are off: a subset
// of DurationBuckets, so that the two histograms line up, coarser because
// TTFB is a secondary figure. With native histograms on, the TTFB
// histogram is native only: its text exposition is _count, _sum and the
// +Inf bucket (the dashboards show its mean there), and a scraper of
// native histograms gets its percentiles.
var TTFBBuckets = []float64{.005, .025, .1, .5, 3}

// LatenessBuckets are the buckets (seconds) of
// loadcron_pacer_lateness_seconds: the pacer aims at tens of microseconds;
// milliseconds mean a busy generator, seconds a saturated worker pool.
var LatenessBuckets = []float64{.00005, .0001, .00025, .001, .005, .025, .1, 1}

// Native histogram parameters of loadcron_request_duration_seconds and
// loadcron_request_ttfb_seconds.
const (
	nativeBucketFactor    = 1.1
	nativeMaxBucketNumber = 160
	nativeMinResetPeriod  = time.Hour
)

// Options configures New.
type Options struct {
	// NativeHistograms adds a native (sparse) histogram to the classic
	// buckets of loadcron_request_duration_seconds, in the same family,
	// and makes loadcron_request_ttfb_seconds native only (TTFBBuckets).
	// The daemon sets it; it can be switched off for scrapers that cannot
	// store both.
	NativeHistograms bool
}

// Metrics is every loadcron instrument. Build it with New; its methods are
// safe for concurrent use.
type Metrics struct {
	vecs *scenarioVecs

	suiteRuns    *prometheus.CounterVec
	suiteNextRun *prometheus.GaugeVec
	// suiteRunning and the last run's start, result and end are on no
	// registry of their own: New registers them in a snapshotGroup, so
	// that a scrape reads a suite's run state as of one moment.
	//
	// Registered one by one, each was read at its own moment of a scrape:
	// a run starting in between gave a scrape running 1 beside the
	// previous run's start, and LoadcronRunsOverdue, which pages on a
	// running suite whose start is more than a schedule interval ago,
	// paged on a healthy suite (TestScrapeSeesOneRunState).
	suiteRunning, suiteLastStart, suiteLastPassed, suiteLastFinish *prometheus.GaugeVec

	targetUp             *prometheus.GaugeVec
	targetHealthDuration *prometheus.GaugeVec

	configInfo          *prometheus.GaugeVec
	links               *linksInfo
	reloadSuccessful    prometheus.Gauge
	reloadSuccessfulSec prometheus.Gauge

	mu sync.Mutex
	// scenarios caches the handles of every scenario seen, by label triple.
	scenarios map[key]*ScenarioMetrics
	// configured is true once SetConfig ran; from then on only the
	// configured suites, scenarios and targets get series.
	configured bool
	// suites maps each configured suite to its scenarios, in order.
	suites map[string][]key
	// cfgTargets are the configured targets (nil before SetConfig).
	cfgTargets map[string]bool
	// suiteSeen and targetSeen are the suites and targets that may have
	// series, so that SetConfig can delete those no longer configured.
	suiteSeen  map[string]bool
	targetSeen map[string]bool
	// targetDown holds the targets whose last health check failed, so
	// that SetError can tell a target-down run from other errors.
	targetDown map[string]bool
	// hash is the current loadcron_config_info label value ("" for none).
	hash string
}

// key identifies one scenario's series.
type key struct{ suite, scenario, target string }

func (k key) labels() prometheus.Labels {
	return prometheus.Labels{LabelSuite: k.suite, LabelScenario: k.scenario, LabelTarget: k.target}
}

// New builds every instrument on reg, including loadcron_build_info from
// prometheus/common/version. It does not register the Go and process
// collectors; see RegisterRuntime.
func New(reg prometheus.Registerer, opts Options) *Metrics {
	f := promauto.With(reg)
	snap := promauto.With(nil) // collected by the snapshotGroup below
	suite := []string{LabelSuite}
	target := []string{LabelTarget}
	m := &Metrics{
		vecs: newScenarioVecs(f, opts.NativeHistograms),

		suiteRuns: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "suite_runs_total",
			Help: "Suite runs by final status (passed, failed, error) and ticks skipped because the suite was still running (skipped).",
		}, []string{LabelSuite, "status"}),
		suiteNextRun: f.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "suite_next_run_timestamp_seconds",
			Help: "Unix time of the suite's next scheduled run.",
		}, suite),
		suiteRunning: snap.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "suite_running",
			Help: "1 while a run of the suite is in progress, else 0.",
		}, suite),
		suiteLastStart: snap.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "suite_last_run_start_timestamp_seconds",
			Help: "Unix time the suite's latest run started (the run may still be going).",
		}, suite),
		suiteLastPassed: snap.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "suite_last_run_passed",
			Help: "1 when the suite's last finished run passed (no scenario failed), else 0.",
		}, suite),
		suiteLastFinish: snap.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "suite_last_run_timestamp_seconds",
			Help: "Unix time the suite's last run finished.",
		}, suite),

		targetUp: f.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "target_up",
			Help: "1 when the target's last health check passed, else 0.",
		}, target),
		targetHealthDuration: f.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "target_health_check_duration_seconds",
			Help: "Duration of the target's last health check.",
		}, target),

		links: newLinksInfo(f),
		configInfo: f.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "config_info",
			Help: "Always 1; labelled with the hash of the configuration in force.",
		}, []string{"hash"}),
		reloadSuccessful: f.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "config_last_reload_successful",
			Help: "1 when the last configuration (re)load succeeded, else 0.",
		}),
		reloadSuccessfulSec: f.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "config_last_reload_success_timestamp_seconds",
			Help: "Unix time of the last successful configuration (re)load.",
		}),

		scenarios:  make(map[key]*ScenarioMetrics),
		suites:     make(map[string][]key),
		suiteSeen:  make(map[string]bool),
		targetSeen: make(map[string]bool),
		targetDown: make(map[string]bool),
	}
	if reg != nil {
		reg.MustRegister(&snapshotGroup{mu: &m.mu, cs: append([]prometheus.Collector{
			m.suiteRunning, m.suiteLastStart, m.suiteLastPassed, m.suiteLastFinish,
		}, m.vecs.win.collectors()...)})
		// loadcron_build_info{version, revision, branch, goversion, goos,
		// goarch, tags}, read from prometheus/common/version (set at link
		// time): the same labels as every Prometheus component's.
		reg.MustRegister(versioncollector.NewCollector(Namespace))
	}
	return m
}

// RegisterRuntime registers the standard Go runtime and process collectors
// on reg (go_* and process_* metrics). The daemon calls it next to New.
func RegisterRuntime(reg prometheus.Registerer) error {
	return errors.Join(
		reg.Register(collectors.NewGoCollector()),
		reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})),
	)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// unixSeconds is t as fractional Unix seconds.
func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
