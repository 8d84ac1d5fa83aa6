package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/loadcron/loadcron/internal/result"
	"github.com/loadcron/loadcron/internal/stats"
)

// rule is the guide's 70-character separator line.
var rule = strings.Repeat("=", 70)

// Console prints a run in the shape of the guide's "Expected Output", one
// piece at a time as the run goes: Header, HealthStart/HealthResult,
// then per scenario ScenarioStart, Progress…, ProgressDone,
// ScenarioResult, and finally Summary.
//
// Every method returns the first write error; once a write has failed,
// later calls write nothing and return that error again. A Console is not
// safe for concurrent use.
type Console struct {
	// W receives the output.
	W io.Writer
	// Live rewrites a progress line in place (with \r) on every Progress
	// call. Set it only when W is a terminal (os.ModeCharDevice); otherwise
	// only ProgressDone prints, once per scenario.
	Live bool
	// Title is the banner's title; default "<suite> Load Testing Suite".
	Title string

	err error
}

// printf writes unless a previous write failed, and remembers the first
// error.
func (c *Console) printf(format string, args ...any) {
	if c.err != nil {
		return
	}
	if _, err := fmt.Fprintf(c.W, format, args...); err != nil {
		c.err = fmt.Errorf("write console report: %w", err)
	}
}

func (c *Console) banner(title string) {
	c.printf("%s\n%s\n%s\n", rule, title, rule)
}

// Header prints the suite's banner.
func (c *Console) Header(suite string) error {
	title := c.Title
	if title == "" {
		title = suite + " Load Testing Suite"
	}
	c.banner(" " + title)
	c.printf("\n")
	return c.err
}

// HealthStart announces the pre-flight check of url (pass a SafeURL).
func (c *Console) HealthStart(url string) error {
	c.printf("Checking server health at %s...\n", url)
	return c.err
}

// HealthResult prints the outcome of the check HealthStart announced.
func (c *Console) HealthResult(h HealthCheck) error {
	if h.Healthy {
		c.printf("✅ Server is healthy\n\n")
		return c.err
	}
	reason := h.Error
	if reason == "" {
		reason = fmt.Sprintf("status %d", h.StatusCode)
	}
	c.printf("❌ Server is unhealthy (target %s): %s\n\n", h.Target, reason)
	return c.err
}

// ScenarioStart prints the "Running:" block of a scenario.
func (c *Console) ScenarioStart(info ScenarioInfo) error {
	c.banner("Running: " + info.Name)
	switch {
	case info.Open():
		c.printf("Rate: %s req/s\nDuration: %s\nPlanned requests: %d\n",
			formatFloat(info.Rate), info.Duration, info.Planned())
	case info.RequestsPerUser > 0:
		c.printf("Concurrent users: %d\nRequests per user: %d\nTotal requests: %d\n",
			info.Users, info.RequestsPerUser, info.Planned())
	default:
		c.printf("Concurrent users: %d\nDuration: %s\n", info.Users, info.Duration)
	}
	c.printf("\n")
	return c.err
}

// Progress rewrites the live progress line; it prints nothing unless Live.
// total <= 0 means the total is not known in advance.
func (c *Console) Progress(done, total int64) error {
	if c.Live {
		c.printf("\r%s", progressLine(done, total))
	}
	return c.err
}

// ProgressDone prints the scenario's final progress line (ending the live
// line when Live).
func (c *Console) ProgressDone(done, total int64) error {
	if c.Live {
		c.printf("\r")
	}
	c.printf("%s\n\n", progressLine(done, total))
	return c.err
}

func progressLine(done, total int64) string {
	if total > 0 {
		return fmt.Sprintf("Progress: %d/%d requests completed", done, total)
	}
	return fmt.Sprintf("Progress: %d requests completed", done)
}

// ScenarioResult prints the "Results:" block of a finished scenario.
func (c *Console) ScenarioResult(s ScenarioResult) error {
	c.banner("Results: " + s.Scenario)
	c.printf("\n")
	if s.Status == stats.StatusError {
		c.printf("  ❌ Error: %s\n\n", s.Error)
		return c.err
	}

	c.printf("Overall Performance:\n")
	c.printf("  Total requests: %d\n", s.TotalRequests)
	c.printf("  Successful: %d (%s)\n", s.Successful, percent(s.SuccessRate))
	c.printf("  Failed: %d\n", s.Failed)
	if s.Failed > 0 {
		c.printf("  Errors: %s\n", errorList(s.Errors))
	}
	if s.Dropped > 0 {
		c.printf("  Dropped: %d (in-flight cap reached)\n", s.Dropped)
	}
	if s.MaxLatenessMs > 0 {
		c.printf("  Send lateness: p50 %s, p99 %s, max %s\n",
			millis(s.LatenessP50Ms), millis(s.LatenessP99Ms), millis(s.MaxLatenessMs))
	}
	c.printf("  Total time: %.2fs\n", s.TotalTimeS)
	c.printf("  Throughput: %.2f req/s\n", s.ThroughputRPS)
	if s.Aborted {
		c.printf("  ⚠️  Aborted: %s\n", s.Error)
	}

	c.printf("\nCache Performance:\n")
	c.printf("  Cache hits: %d\n", s.CachedResponses)
	c.printf("  Hit rate: %s\n", percent(s.CacheHitRate))
	if s.EstimatedCost > 0 || s.EstimatedSavings > 0 {
		c.printf("  Estimated cost: %s\n", formatFloat(s.EstimatedCost))
		c.printf("  Estimated savings: %s\n", formatFloat(s.EstimatedSavings))
	}

	c.printf("\nLatency Metrics:\n")
	c.printf("  Average: %s\n", millis(s.AvgLatencyMs))
	c.printf("  Median: %s\n", millis(s.MedianLatencyMs))
	c.printf("  P95: %s\n", millis(s.P95LatencyMs))
	c.printf("  P99: %s\n", millis(s.P99LatencyMs))
	c.printf("  Min: %s\n", millis(s.MinLatencyMs))
	c.printf("  Max: %s\n", millis(s.MaxLatencyMs))
	c.slowest(s.SlowestRequests)
	c.streaming(s.Streaming)

	c.printf("\n  Performance Grade: %s %s\n", s.Grade, gradeMark(s.Grade))
	if len(s.Thresholds) > 0 {
		c.printf("\n  Thresholds:\n")
		for _, t := range s.Thresholds {
			c.printf("    %s %s: %s\n", passMark(t.Passed), t.Name, thresholdText(t))
		}
	}
	c.printf("\n")
	return c.err
}

// Summary prints the "Load Testing Summary" of a finalized report and the
// final verdict. reportPath, when not empty, is named as the saved JSON.
func (c *Console) Summary(r *Report, reportPath string) error {
	c.banner(" Load Testing Summary")
	for _, s := range r.TestResults {
		c.printf("%s%s\n", statusLabel(s.Status), s.Scenario)
		if s.Status == stats.StatusError {
			c.printf("      Error: %s\n\n", s.Error)
			continue
		}
		c.printf("      Success rate: %s\n", percent(s.SuccessRate))
		c.printf("      Avg latency: %s\n", millis(s.AvgLatencyMs))
		c.printf("      Cache hit rate: %s\n\n", percent(s.CacheHitRate))
	}
	c.printf("%s\n", rule)
	if r.Partial {
		c.printf("⚠️  The run was cut short: this report is partial.\n\n")
	}
	switch r.Status {
	case stats.StatusPassed:
		c.printf("✅ All critical load tests PASSED!\n")
	case stats.StatusFailed:
		c.printf("❌ Critical load tests FAILED\n")
	default:
		c.printf("❌ Load tests could not run\n")
	}
	c.printf("\nAverage cache hit rate: %s\n\n", percent(r.Summary.AverageCacheHitRate))
	switch r.Status {
	case stats.StatusPassed:
		c.printf("System is ready for production deployment at tested load levels.\n")
	case stats.StatusFailed:
		c.printf("Do NOT proceed to production until the critical tests pass.\n")
	default:
		c.printf("No verdict: fix the errors above and run again.\n")
	}
	if reportPath != "" {
		c.printf("\nDetailed report saved to: %s\n", reportPath)
	}
	return c.err
}

// NewConsoleReporter renders a whole finalized report in the console shape,
// as `loadcron run` would have printed it (progress lines in their final,
// non-live form). title overrides the banner title when not empty.
func NewConsoleReporter(r *Report, title, reportPath string) Reporter {
	return func(w io.Writer) error {
		c := &Console{W: w, Title: title}
		_ = c.Header(r.Suite) // errors are sticky: the last call returns them
		for _, h := range r.HealthChecks {
			where := h.URL
			if where == "" {
				where = "target " + h.Target
			}
			_ = c.HealthStart(where)
			_ = c.HealthResult(h)
		}
		for _, s := range r.TestResults {
			if s.Status != stats.StatusError {
				info := s.Info()
				_ = c.ScenarioStart(info)
				_ = c.ProgressDone(s.TotalRequests, info.Planned())
			}
			_ = c.ScenarioResult(s)
		}
		return c.Summary(r, reportPath)
	}
}

func statusLabel(s stats.Status) string {
	switch s {
	case stats.StatusPassed:
		return "✅ PASS - "
	case stats.StatusWarning:
		return "⚠️  WARNING - "
	case stats.StatusFailed:
		return "❌ FAIL - "
	default:
		return "❌ ERROR - "
	}
}

func gradeMark(g stats.Grade) string {
	switch g {
	case stats.GradeExcellent, stats.GradeGood:
		return "✅"
	case stats.GradeAcceptable:
		return "⚠️"
	default:
		return "❌"
	}
}

func passMark(ok bool) string {
	if ok {
		return "✅"
	}
	return "❌"
}

// thresholdText shows a threshold's value against its limit, rates as
// percentages and latencies (seconds in the report) as milliseconds.
func thresholdText(t stats.ThresholdResult) string {
	op, value, limit := "≤", "", ""
	if strings.HasPrefix(t.Name, "min_") {
		op = "≥"
	}
	if strings.HasSuffix(t.Name, "_rate") {
		value, limit = percent(t.Value), percent(t.Limit)
	} else {
		value, limit = millis(t.Value*1000), millis(t.Limit*1000)
	}
	return fmt.Sprintf("%s (limit %s %s)", value, op, limit)
}

// errorList is "timeout=10, http_5xx=2": the non-zero kinds in the stable
// order of result.ErrorKinds.
func errorList(errs map[string]int64) string {
	var parts []string
	for _, k := range result.ErrorKinds() {
		if n := errs[k.String()]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", k, n))
		}
	}
	return strings.Join(parts, ", ")
}

// percent formats a ratio as the guide does: "96.7%".
func percent(ratio float64) string { return fmt.Sprintf("%.1f%%", ratio*100) }

// millis formats milliseconds as the guide does ("1690ms"), keeping two
// decimals below 10 ms so loopback latencies do not all read "0ms".
func millis(v float64) string {
	if v >= 10 || v == 0 {
		return fmt.Sprintf("%.0fms", v)
	}
	return fmt.Sprintf("%.2fms", v)
}

// formatFloat prints v with at most 6 decimals and no trailing zeros
// ("0.72", "50").
func formatFloat(v float64) string { return strconv.FormatFloat(round(v, 6), 'f', -1, 64) }
