package report

import (
	"strconv"
	"time"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/result"
	"github.com/loadcron/loadcron/internal/stats"
)

// Load models, the values of ScenarioResult.Model.
const (
	ModelClosed = "closed"
	ModelOpen   = "open"
)

// ScenarioInfo is what a report says about a scenario before it runs: its
// name, target, criticality and load profile.
type ScenarioInfo struct {
	Name     string
	Target   string
	Critical bool
	// Closed model: Users virtual users, RequestsPerUser each (0 when the
	// run is bounded by Duration instead).
	Users           int
	RequestsPerUser int
	// Open model: Rate requests per second for Duration (with stages, the
	// mean rate over their sum).
	Rate     float64
	Duration time.Duration
	// RampUp and Stages shape the load over time (config.Scenario).
	RampUp time.Duration
	Stages []config.Stage
}

// InfoFromConfig describes a configured scenario.
func InfoFromConfig(sc *config.Scenario) ScenarioInfo {
	info := ScenarioInfo{
		Name:     sc.Name,
		Target:   sc.Target,
		Critical: sc.IsCritical(),
		Duration: sc.Length(),
		RampUp:   sc.RampUp,
		Stages:   sc.Stages,
	}
	switch {
	case sc.IsOpen() && len(sc.Stages) > 0:
		info.Rate = float64(sc.PlannedOpenRequests()) / sc.Length().Seconds()
	case sc.IsOpen():
		info.Rate = sc.Rate
	default:
		info.Users = sc.PeakUsers()
		info.RequestsPerUser = sc.RequestsPerUser
	}
	return info
}

// Open reports whether the scenario uses the open (rate) model.
func (i ScenarioInfo) Open() bool { return i.Rate > 0 }

// Planned is the number of requests the profile plans: users × requests
// per user (closed), rate × duration (open), or 0 when unknown in advance
// (closed model bounded by duration).
func (i ScenarioInfo) Planned() int64 {
	switch {
	case i.Open():
		return int64(i.Rate*i.Duration.Seconds() + 0.5)
	case i.RequestsPerUser > 0:
		return int64(i.Users) * int64(i.RequestsPerUser)
	default:
		return 0
	}
}

// ScenarioResult is one entry of test_results. The first fields carry the
// guide's names; the rest are loadcron's additions (README.md documents
// each). Latencies are milliseconds rounded to 3 decimals, rates exact
// ratios 0–1.
type ScenarioResult struct {
	Scenario        string  `json:"scenario"`
	TotalRequests   int64   `json:"total_requests"`
	Successful      int64   `json:"successful"`
	Failed          int64   `json:"failed"`
	SuccessRate     float64 `json:"success_rate"`
	CachedResponses int64   `json:"cached_responses"`
	CacheHitRate    float64 `json:"cache_hit_rate"`
	AvgLatencyMs    float64 `json:"avg_latency_ms"`
	MedianLatencyMs float64 `json:"median_latency_ms"`
	P95LatencyMs    float64 `json:"p95_latency_ms"`
	P99LatencyMs    float64 `json:"p99_latency_ms"`

	MinLatencyMs float64 `json:"min_latency_ms"`
	MaxLatencyMs float64 `json:"max_latency_ms"`
	// CacheMisses counts successful responses whose signal said miss.
	CacheMisses int64 `json:"cache_misses"`
	// ErrorRate is Failed / TotalRequests.
	ErrorRate float64 `json:"error_rate"`
	// TotalTimeS is the scenario's wall-clock time in seconds.
	TotalTimeS    float64 `json:"total_time_s"`
	ThroughputRPS float64 `json:"throughput_rps"`

	Target   string       `json:"target"`
	Critical bool         `json:"critical"`
	Status   stats.Status `json:"status"`
	// Grade is empty when Status is error.
	Grade stats.Grade `json:"grade"`

	// Model is "closed" or "open"; the load fields that do not apply to it
	// are left out.
	Model           string  `json:"model"`
	Users           int     `json:"users,omitempty"`
	RequestsPerUser int     `json:"requests_per_user,omitempty"`
	Rate            float64 `json:"rate,omitempty"`
	DurationS       float64 `json:"duration_s,omitempty"`
	// RampUpS and Stages are the ramping profile, when there is one
	// (closed model ramp_up; stages of users or rates); LoadTimeline then
	// samples its planned against its actual load over the run.
	RampUpS      float64     `json:"ramp_up_s,omitempty"`
	Stages       []StageInfo `json:"stages,omitempty"`
	LoadTimeline []LoadPoint `json:"load_timeline,omitempty"`

	// Errors counts failures by kind; every kind is present.
	Errors map[string]int64 `json:"errors"`
	// Dropped counts open-model requests not sent (in-flight cap reached).
	Dropped int64 `json:"dropped"`
	// MaxLatenessMs is the largest open-model send delay.
	MaxLatenessMs float64 `json:"max_lateness_ms"`
	// LatenessP50Ms and LatenessP99Ms are the median and 99th percentile
	// of the open model's send delays (pacer lateness); absent in the
	// closed model.
	LatenessP50Ms float64 `json:"lateness_p50_ms,omitempty"`
	LatenessP99Ms float64 `json:"lateness_p99_ms,omitempty"`
	// Thresholds lists each configured threshold, in check order.
	Thresholds []stats.ThresholdResult `json:"thresholds"`
	// Violations says why the status is not passed: each missed threshold
	// (and pseudo-threshold) with value, limit, comparison and whether it
	// fails the suite. Empty when passed.
	Violations []stats.Violation `json:"violations"`
	// StatusCodes counts completed requests by HTTP status ("200": 54);
	// "error" counts requests that got no response.
	StatusCodes map[string]int64 `json:"status_codes"`
	// ErrorCauses are the distinct causes of the failures, most frequent
	// first, at most stats.MaxCauses; ErrorCausesOmitted counts failures
	// whose cause is not listed.
	ErrorCauses        []stats.Cause `json:"error_causes"`
	ErrorCausesOmitted int64         `json:"error_causes_omitted"`
	// CacheLatency splits the latency of successful responses by cache
	// signal.
	CacheLatency CacheLatency `json:"cache_latency"`

	EstimatedCost    float64 `json:"estimated_cost"`
	EstimatedSavings float64 `json:"estimated_savings"`

	// Streaming holds the figures of streamed responses (stream.go);
	// absent when the scenario read none.
	Streaming *Streaming `json:"streaming,omitempty"`
	// SlowestRequests are the scenario's slowest requests, slowest first,
	// with their trace ids (stream.go); absent when none completed.
	SlowestRequests []SlowRequest `json:"slowest_requests,omitempty"`

	// Aborted is true when the abort rule (or a cancellation) stopped the
	// scenario early; Error then says why.
	Aborted bool `json:"aborted"`
	// Error is why the scenario could not run (status error) or was
	// aborted; empty otherwise.
	Error string `json:"error,omitempty"`
}

// CacheLatency is the guide's cache story: latency of cache hits against
// misses (successful responses only) and the speed-up.
type CacheLatency struct {
	Hit  LatencyFigures `json:"hit"`
	Miss LatencyFigures `json:"miss"`
	// Speedup is miss avg ÷ hit avg (the guide's "5x improvement"); 0
	// when either side had no response.
	Speedup float64 `json:"speedup"`
}

// LatencyFigures are the latency figures of one class of responses, in
// milliseconds (3 decimals), from the class's own histogram.
type LatencyFigures struct {
	Count           int64   `json:"count"`
	AvgLatencyMs    float64 `json:"avg_latency_ms"`
	MedianLatencyMs float64 `json:"median_latency_ms"`
	P95LatencyMs    float64 `json:"p95_latency_ms"`
}

func latencyFigures(l stats.LatencySplit) LatencyFigures {
	return LatencyFigures{Count: l.Count, AvgLatencyMs: ms(l.Avg), MedianLatencyMs: ms(l.P50), P95LatencyMs: ms(l.P95)}
}

// CodeNoResponse is the status_codes key of requests that got no response
// (the code label of loadcron_requests_total uses the same word).
const CodeNoResponse = "error"

// ScenarioFromSummary is the report entry of a scenario that ran, from its
// Summary and Verdict. Callers set Aborted and Error when the scenario was
// stopped early.
func ScenarioFromSummary(info ScenarioInfo, s stats.Summary, v stats.Verdict) ScenarioResult {
	sr := newScenario(info)
	sr.Status = v.Status
	sr.Grade = v.Grade
	if len(v.Thresholds) > 0 {
		sr.Thresholds = append(sr.Thresholds, v.Thresholds...)
	}
	sr.TotalRequests = s.Total
	sr.Successful = s.Successful
	sr.Failed = s.Failed
	sr.Dropped = s.Dropped
	sr.SuccessRate = s.SuccessRate
	sr.ErrorRate = s.ErrorRate
	sr.CachedResponses = s.CacheHits
	sr.CacheMisses = s.CacheMisses
	sr.CacheHitRate = s.CacheHitRate
	sr.AvgLatencyMs = ms(s.Avg)
	sr.MedianLatencyMs = ms(s.Median)
	sr.P95LatencyMs = ms(s.P95)
	sr.P99LatencyMs = ms(s.P99)
	sr.MinLatencyMs = ms(s.Min)
	sr.MaxLatencyMs = ms(s.Max)
	sr.MaxLatenessMs = ms(s.MaxLateness)
	sr.LatenessP50Ms = ms(s.LatenessP50)
	sr.LatenessP99Ms = ms(s.LatenessP99)
	sr.TotalTimeS = round(s.Elapsed.Seconds(), 3)
	sr.ThroughputRPS = round(s.Throughput, 3)
	sr.EstimatedCost = round(s.EstimatedCost, 6)
	sr.EstimatedSavings = round(s.EstimatedSavings, 6)
	for _, k := range result.ErrorKinds() {
		sr.Errors[k.String()] = s.Errors[k]
	}
	sr.Streaming = streamingFrom(s.Stream)
	sr.SlowestRequests = slowestFrom(s.Slowest)
	sr.Violations = append(sr.Violations, v.Violations...)
	for _, c := range s.StatusCodes {
		key := CodeNoResponse
		if c.Code != 0 {
			key = strconv.Itoa(c.Code)
		}
		sr.StatusCodes[key] = c.Count
	}
	sr.ErrorCauses = append(sr.ErrorCauses, s.Causes...)
	sr.ErrorCausesOmitted = s.CausesOmitted
	sr.CacheLatency = CacheLatency{
		Hit: latencyFigures(s.Hit), Miss: latencyFigures(s.Miss), Speedup: round(s.CacheSpeedup, 3),
	}
	return sr
}

// ScenarioFromError is the report entry of a scenario that could not run:
// status error, every figure zero, reason in Error.
func ScenarioFromError(info ScenarioInfo, reason string) ScenarioResult {
	sr := newScenario(info)
	sr.Status = stats.StatusError
	sr.Error = reason
	return sr
}

// Ran reports whether the scenario sent load (its figures mean
// something): not an error before the first request.
func (s ScenarioResult) Ran() bool {
	return s.Status != stats.StatusError || s.TotalRequests > 0 || s.Aborted
}

// OtherFailures counts the failures not explained by the first top error
// causes: those of the causes listed after them plus ErrorCausesOmitted.
// The views that show only the top causes (console, status page) name it.
func (s ScenarioResult) OtherFailures(top int) int64 {
	n := s.ErrorCausesOmitted
	for _, c := range s.ErrorCauses[min(top, len(s.ErrorCauses)):] {
		n += c.Count
	}
	return n
}

// Info recovers the scenario's description from its report entry.
func (s ScenarioResult) Info() ScenarioInfo {
	return ScenarioInfo{
		Name:            s.Scenario,
		Target:          s.Target,
		Critical:        s.Critical,
		Users:           s.Users,
		RequestsPerUser: s.RequestsPerUser,
		Rate:            s.Rate,
		Duration:        time.Duration(s.DurationS * float64(time.Second)),
		RampUp:          time.Duration(s.RampUpS * float64(time.Second)),
		Stages:          stagesConfig(s.Stages),
	}
}

func newScenario(info ScenarioInfo) ScenarioResult {
	sr := ScenarioResult{
		Scenario:        info.Name,
		Target:          info.Target,
		Critical:        info.Critical,
		Model:           ModelClosed,
		Users:           info.Users,
		RequestsPerUser: info.RequestsPerUser,
		DurationS:       round(info.Duration.Seconds(), 3),
		RampUpS:         round(info.RampUp.Seconds(), 3),
		Stages:          stagesInfo(info.Stages),
		Errors:          make(map[string]int64, result.NumKinds-1),
		Thresholds:      []stats.ThresholdResult{},
		Violations:      []stats.Violation{},
		StatusCodes:     map[string]int64{},
		ErrorCauses:     []stats.Cause{},
	}
	if info.Open() {
		sr.Model = ModelOpen
		sr.Users, sr.RequestsPerUser = 0, 0
		sr.Rate = info.Rate
	}
	for _, k := range result.ErrorKinds() {
		sr.Errors[k.String()] = 0
	}
	return sr
}

// ms converts d to milliseconds rounded to 3 decimals (whole microseconds).
func ms(d time.Duration) float64 {
	return round(float64(d)/float64(time.Millisecond), 3)
}

// fillEmpty gives the list and map fields their empty values where a
// decoded report lacks them (written by schema version 1), so every
// reader sees [] and {} rather than null.
func (s *ScenarioResult) fillEmpty() {
	if s.Errors == nil {
		s.Errors = map[string]int64{}
	}
	if s.Thresholds == nil {
		s.Thresholds = []stats.ThresholdResult{}
	}
	if s.Violations == nil {
		s.Violations = []stats.Violation{}
	}
	if s.StatusCodes == nil {
		s.StatusCodes = map[string]int64{}
	}
	if s.ErrorCauses == nil {
		s.ErrorCauses = []stats.Cause{}
	}
}
