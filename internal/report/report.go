// Package report builds, writes and renders the report of one suite run:
// the console output in the shape of the load-testing guide, and the
// versioned JSON document (schema in README.md) that `loadcron run` writes
// and the daemon keeps as history.
package report

import (
	"math"
	"net/url"
	"time"

	"github.com/loadcron/loadcron/internal/stats"
)

// SchemaVersion is the version of the JSON schema this package writes
// (README.md lists what each version changed). Decode reads this version
// and older ones.
const SchemaVersion = 2

// Report is the report of one suite run. Build it with New, add health
// checks and scenarios as they finish (AddHealthCheck, Add), then call
// Finalize before writing it.
type Report struct {
	// SchemaVersion is SchemaVersion when written by this package.
	SchemaVersion int `json:"schema_version"`
	// RunID identifies the run (also sent to the target as X-Loadcron-Run).
	RunID string `json:"run_id"`
	// Suite is the suite's name from the config.
	Suite string `json:"suite"`
	// Trigger says what started the run: "schedule", "manual" (loadcron
	// run), "api", "startup". Optional.
	Trigger string `json:"trigger,omitempty"`
	// Segment is "i/n" when the run was replica i's share of a load split
	// over n processes (loadcron --segment); absent for the whole load.
	Segment string `json:"segment,omitempty"`
	// Version is the loadcron version that produced the report. Optional.
	Version string `json:"loadcron_version,omitempty"`
	// Timestamp is the guide's timestamp: when the run finished (equal to
	// FinishedAt; set by Finalize).
	Timestamp time.Time `json:"timestamp"`
	// StartedAt and FinishedAt bound the run (UTC after Finalize).
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// DurationSeconds is FinishedAt − StartedAt.
	DurationSeconds float64 `json:"duration_seconds"`
	// Partial is true when the run was cut short (shutdown, cancellation,
	// max run duration): scenarios may be missing or incomplete.
	Partial bool `json:"partial"`
	// Status is the suite's status: passed, failed or error (see Finalize).
	Status stats.Status `json:"status"`
	// Passed is Status == passed: the CI gate.
	Passed bool `json:"passed"`
	// HealthChecks holds the pre-flight check of each target the suite
	// uses, in the order they ran.
	HealthChecks []HealthCheck `json:"health_checks"`
	// TestResults holds one entry per scenario, in suite order.
	TestResults []ScenarioResult `json:"test_results"`
	// Summary aggregates TestResults (set by Finalize).
	Summary Summary `json:"summary"`
}

// HealthCheck is the outcome of one target's pre-flight health check.
type HealthCheck struct {
	// Target is the target's name from the config.
	Target string `json:"target"`
	// URL is the checked URL without credentials, query or fragment (see
	// SafeURL). Optional.
	URL string `json:"url,omitempty"`
	// Healthy reports whether the check answered an expected status.
	Healthy bool `json:"healthy"`
	// StatusCode is the HTTP status, 0 when no response arrived.
	StatusCode int `json:"status_code"`
	// Error says why the check failed; empty when healthy. Callers must
	// keep secrets out of it.
	Error string `json:"error,omitempty"`
	// DurationSeconds is how long the check took.
	DurationSeconds float64 `json:"duration_seconds"`
}

// Summary aggregates a run's scenarios: the guide's summary object plus
// counts by status and request totals.
type Summary struct {
	TotalScenarios  int `json:"total_scenarios"`
	ScenariosPassed int `json:"scenarios_passed"`
	// AverageCacheHitRate is the mean of the cache_hit_rate of every
	// scenario that ran (status not error), rounded to 6 decimals; 0 when
	// none ran.
	AverageCacheHitRate float64 `json:"average_cache_hit_rate"`
	ScenariosWarning    int     `json:"scenarios_warning"`
	ScenariosFailed     int     `json:"scenarios_failed"`
	ScenariosError      int     `json:"scenarios_error"`
	// TotalRequests and TotalFailed sum total_requests and failed.
	TotalRequests int64 `json:"total_requests"`
	TotalFailed   int64 `json:"total_failed"`
	// Passed repeats the report's passed.
	Passed bool `json:"passed"`
}

// New starts the report of a run of suite with id runID, started at
// started.
func New(suite, runID string, started time.Time) *Report {
	return &Report{
		SchemaVersion: SchemaVersion,
		RunID:         runID,
		Suite:         suite,
		StartedAt:     started,
		HealthChecks:  []HealthCheck{},
		TestResults:   []ScenarioResult{},
	}
}

// AddHealthCheck appends a target's pre-flight check.
func (r *Report) AddHealthCheck(h HealthCheck) { r.HealthChecks = append(r.HealthChecks, h) }

// Add appends a finished scenario.
func (r *Report) Add(s ScenarioResult) { r.TestResults = append(r.TestResults, s) }

// Finalize fills in the derived fields: the schema version, times in UTC
// (FinishedAt defaults to now), Timestamp (= FinishedAt),
// DurationSeconds, Summary, Status and Passed. It may be called again
// after more scenarios were added.
//
// Status is stats.SuiteStatus of the scenarios (error when nothing was
// measured, failed when a scenario failed or a critical scenario could not
// run, passed otherwise), except that a Partial run never passes: a
// partial run whose scenarios all passed gets status error.
func (r *Report) Finalize() {
	r.SchemaVersion = SchemaVersion
	if r.FinishedAt.IsZero() {
		r.FinishedAt = time.Now()
	}
	// UTC() also strips the monotonic reading, so a report equals its
	// JSON round trip.
	r.StartedAt = r.StartedAt.UTC()
	r.FinishedAt = r.FinishedAt.UTC()
	r.Timestamp = r.FinishedAt
	r.DurationSeconds = round(r.FinishedAt.Sub(r.StartedAt).Seconds(), 3)
	if r.HealthChecks == nil {
		r.HealthChecks = []HealthCheck{}
	}
	if r.TestResults == nil {
		r.TestResults = []ScenarioResult{}
	}
	for i := range r.TestResults {
		r.TestResults[i].fillEmpty()
	}

	var (
		sum      Summary
		statuses = make([]stats.ScenarioStatus, 0, len(r.TestResults))
		hitRates float64
		ran      int
	)
	sum.TotalScenarios = len(r.TestResults)
	for _, s := range r.TestResults {
		statuses = append(statuses, stats.ScenarioStatus{Status: s.Status, Critical: s.Critical})
		switch s.Status {
		case stats.StatusPassed:
			sum.ScenariosPassed++
		case stats.StatusWarning:
			sum.ScenariosWarning++
		case stats.StatusFailed:
			sum.ScenariosFailed++
		case stats.StatusError:
			sum.ScenariosError++
		}
		if s.Status != stats.StatusError {
			hitRates += s.CacheHitRate
			ran++
		}
		sum.TotalRequests += s.TotalRequests
		sum.TotalFailed += s.Failed
	}
	if ran > 0 {
		sum.AverageCacheHitRate = round(hitRates/float64(ran), 6)
	}
	r.Status = stats.SuiteStatus(statuses)
	if len(statuses) == 0 && r.Segment != "" && !r.Partial {
		// This replica's share of every scenario was nothing (fewer users
		// than replicas): nothing to judge, nothing failed.
		r.Status = stats.StatusPassed
	}
	if r.Partial && r.Status == stats.StatusPassed {
		r.Status = stats.StatusError
	}
	r.Passed = r.Status == stats.StatusPassed
	sum.Passed = r.Passed
	r.Summary = sum
}

// SafeURL returns raw without user info, query and fragment, so it can be
// shown in reports and logs; "" when raw does not parse.
func SafeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	u.User = nil
	u.RawQuery = ""
	u.ForceQuery = false
	u.Fragment = ""
	u.RawFragment = ""
	return u.String()
}

// round rounds v to the given number of decimals.
func round(v float64, decimals int) float64 {
	p := math.Pow10(decimals)
	return math.Round(v*p) / p
}
