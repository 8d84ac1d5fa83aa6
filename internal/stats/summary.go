package stats

import (
	"time"

	"github.com/loadcron/loadcron/internal/result"
)

// Summary is the exact account of one scenario run: the figures of the
// guide's "Results:" block and of one test_results entry of the report.
type Summary struct {
	Total      int64 // requests completed (success + failure); dropped ones excluded
	Successful int64
	Failed     int64
	// Dropped counts open-model requests that were due but could not be
	// sent because max_in_flight were outstanding.
	Dropped int64

	CacheHits   int64 // successful responses whose signal said hit
	CacheMisses int64 // successful responses whose signal said miss
	// Errors counts failures by kind, indexed by result.Kind (index 0,
	// KindNone, stays 0).
	Errors [result.NumKinds]int64

	// Elapsed is the scenario's wall-clock time.
	Elapsed time.Duration

	// Latency figures over all completed requests (successes and failures
	// alike). Min, Max and Avg are exact; percentiles come from an HDR
	// histogram with 3 significant digits (error ≤ 0.1 %), never above Max.
	Avg, Median, P95, P99, Min, Max time.Duration

	// MaxLateness is the largest open-model send delay against the
	// intended send time (pacer lateness); LatenessP50 and LatenessP99 are
	// its median and 99th percentile (zero in the closed model).
	MaxLateness, LatenessP50, LatenessP99 time.Duration

	SuccessRate  float64 // Successful / Total (0 when Total is 0)
	ErrorRate    float64 // Failed / Total
	CacheHitRate float64 // CacheHits / Successful
	Throughput   float64 // Total / Elapsed, requests per second

	// EstimatedCost is (Successful - CacheHits) × cost per uncached
	// request; EstimatedSavings is CacheHits × the same cost (guide, "Cost
	// Estimate Under Load").
	EstimatedCost    float64
	EstimatedSavings float64

	// Stream is the account of the streamed responses (stream.go); nil
	// when the scenario read no response as a stream.
	Stream *StreamSummary
	// Slowest are the scenario's SlowestKept slowest requests, slowest
	// first, with their trace ids (slowest.go); nil when none completed.
	Slowest []SlowRequest
}

// Status is a scenario's verdict (SPEC §3).
type Status string

// Scenario statuses.
const (
	StatusPassed  Status = "passed"
	StatusWarning Status = "warning"
	StatusFailed  Status = "failed"
	StatusError   Status = "error"
)

// Grade is the performance grade on average latency.
type Grade string

// Grades, best first. Their lower-case forms are metric label values.
const (
	GradeExcellent  Grade = "EXCELLENT"
	GradeGood       Grade = "GOOD"
	GradeAcceptable Grade = "ACCEPTABLE"
	GradePoor       Grade = "POOR"
)

// ThresholdResult is one configured threshold checked against its value.
// Latency limits and values are in seconds, rates as ratios 0–1.
type ThresholdResult struct {
	Name   string  `json:"name"` // min_success_rate, max_avg_latency, max_p95_latency, max_p99_latency, min_cache_hit_rate, max_p95_first_event, max_p95_event_gap
	Limit  float64 `json:"limit"`
	Value  float64 `json:"value"`
	Passed bool    `json:"passed"`
}

// Verdict is the outcome of evaluating a Summary against a scenario's
// thresholds and the grade bounds.
type Verdict struct {
	Status     Status
	Grade      Grade
	Thresholds []ThresholdResult
}
