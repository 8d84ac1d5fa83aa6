// Package stats turns the results of one scenario run into its exact
// account: a Collector records every result.Result (sharded HDR
// histograms, exact counts, error causes, stream figures, the slowest
// requests) and merges them into a Summary; a Summary is weighed against
// the scenario's thresholds and grades into a Verdict with its violations
// (Evaluate), and the guide's rate bands label the figures.
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

	// Hit and Miss split the latency of successful responses by their
	// cache signal (the guide's "with caching" against "without"), each
	// from its own HDR histogram. CacheSpeedup is Miss.Avg / Hit.Avg (the
	// guide's "5x improvement"); 0 when either side has no response.
	Hit, Miss    LatencySplit
	CacheSpeedup float64

	// StatusCodes counts completed requests by HTTP status, ascending;
	// code 0 counts requests that got no response. Nil when Total is 0.
	StatusCodes []CodeCount
	// Causes are the distinct causes of the failures, most frequent first,
	// at most MaxCauses. CausesOmitted counts the failures whose cause is
	// not listed (more distinct causes than fit), so the counts of Causes
	// plus CausesOmitted add up to Failed.
	Causes        []Cause
	CausesOmitted int64
}

// LatencySplit is the latency of one class of responses: Count of them,
// exact Avg, Min and Max, and P50 and P95 from the class's own HDR
// histogram (same precision and rank rule as Summary's percentiles,
// clamped to [Min, Max]). All zero when Count is 0.
type LatencySplit struct {
	Count         int64
	Avg, P50, P95 time.Duration
	Min, Max      time.Duration
}

// CodeCount is one entry of Summary.StatusCodes.
type CodeCount struct {
	Code  int // HTTP status; 0 = no response
	Count int64
}

// Cause is one distinct reason why requests of a scenario failed: its
// error kind, a short text that identifies it (the same text means the
// same cause), how many failures it explains, and one full example.
//
// The text depends on the kind:
//   - http_4xx, http_5xx: status, method and path ("404 GET /chat"); the
//     example adds the first bytes of the body;
//   - timeout, connection, dns, tls, canceled: Go's error text with the
//     local address of the connection removed, so ephemeral ports do not
//     make every failure a new cause ("dial tcp 127.0.0.1:1: connect:
//     connection refused"); the example adds method and path;
//   - check: the check and what was found ("status 302 not in [200]",
//     "json_field reply missing", `body_contains "ok" not found`, or
//     "request_template: …"); the example adds the request and the body;
//   - body: the limit ("body over max_body_bytes 1024") or the read
//     error; the example says how many bytes were read.
//
// Query strings never appear, and the values of the target's headers and
// of secret-named request headers are replaced with <redacted>. Cause is
// at most MaxCauseBytes long, Example at most MaxExampleBytes.
type Cause struct {
	Kind    string `json:"kind"`
	Cause   string `json:"cause"`
	Count   int64  `json:"count"`
	Example string `json:"example"`
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

// Violation is one missed threshold: why a scenario is not passed. Value
// and Limit are in Unit; Comparison is the condition Value had to meet
// against Limit (">=" for a minimum, "<=" for a maximum, "<" for the
// grade). Critical is true when the violation fails the suite (the
// scenario is critical and the violation is not the grade's).
type Violation struct {
	Threshold  string  `json:"threshold"`
	Value      float64 `json:"value"`
	Limit      float64 `json:"limit"`
	Comparison string  `json:"comparison"`
	Unit       string  `json:"unit"`
	Critical   bool    `json:"critical"`
}

// Units of Violation.Unit.
const (
	UnitRatio    = "ratio"    // 0–1
	UnitSeconds  = "seconds"  // latencies
	UnitRequests = "requests" // counts
)

// Verdict is the outcome of evaluating a Summary against a scenario's
// thresholds and the grade bounds.
type Verdict struct {
	Status     Status
	Grade      Grade
	Thresholds []ThresholdResult
	// Violations lists why Status is not passed, in check order: every
	// missed threshold, then the pseudo-thresholds of Evaluate (no
	// successful request; grade POOR). Empty when the status is passed.
	Violations []Violation
}
