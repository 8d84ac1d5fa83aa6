package report

import (
	"fmt"
	"io"
	"slices"
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
	if !s.Ran() {
		c.printf("  ❌ Error: %s\n\n", s.Error)
		return c.err
	}

	c.printf("Overall Performance:\n")
	c.printf("  Total requests: %d\n", s.TotalRequests)
	c.printf("  Successful: %d (%s)", s.Successful, percent(s.SuccessRate))
	if s.TotalRequests > 0 {
		c.printf(" — %s", bandText(stats.SuccessBand(s.SuccessRate)))
	}
	c.printf("\n  Failed: %d\n", s.Failed)
	if len(s.StatusCodes) > 0 {
		c.printf("  Status codes: %s\n", CodeList(s.StatusCodes))
	}
	if s.Failed > 0 {
		if list := errorList(s.Errors); list != "" {
			c.printf("  Errors: %s\n", list)
		}
		c.causes(s, consoleCauses)
	}
	if s.Dropped > 0 {
		c.printf("  Dropped: %d (in-flight cap reached)\n", s.Dropped)
	}
	if s.MaxLatenessMs > 0 {
		c.printf("  Send lateness: p50 %s, p99 %s, max %s\n",
			Millis(s.LatenessP50Ms), Millis(s.LatenessP99Ms), Millis(s.MaxLatenessMs))
	}
	c.printf("  Total time: %.2fs\n", s.TotalTimeS)
	c.printf("  Throughput: %.2f req/s\n", s.ThroughputRPS)
	if s.Aborted {
		c.printf("  ⚠️  Aborted: %s\n", s.Error)
	}

	c.printf("\nCache Performance:\n")
	c.printf("  Cache hits: %d\n", s.CachedResponses)
	c.printf("  Hit rate: %s", percent(s.CacheHitRate))
	if s.CachedResponses+s.CacheMisses > 0 {
		c.printf(" — %s", bandText(stats.CacheHitBand(s.CacheHitRate)))
	} else if s.Successful > 0 {
		c.printf(" (no response carried a cache signal)")
	}
	c.printf("\n")
	cl := s.CacheLatency
	if cl.Hit.Count > 0 || cl.Miss.Count > 0 {
		c.printf("  Hit latency: %s\n", latencyLine(cl.Hit))
		c.printf("  Miss latency: %s\n", latencyLine(cl.Miss))
		if cl.Speedup > 0 {
			c.printf("  Speed-up: %.1fx (miss avg ÷ hit avg)\n", cl.Speedup)
		}
	}
	if s.EstimatedCost > 0 || s.EstimatedSavings > 0 {
		c.printf("  Estimated cost: %s\n", formatFloat(s.EstimatedCost))
		c.printf("  Estimated savings: %s\n", formatFloat(s.EstimatedSavings))
	}

	c.printf("\nLatency Metrics:\n")
	c.printf("  Average: %s\n", Millis(s.AvgLatencyMs))
	c.printf("  Median: %s\n", Millis(s.MedianLatencyMs))
	c.printf("  P95: %s\n", Millis(s.P95LatencyMs))
	c.printf("  P99: %s\n", Millis(s.P99LatencyMs))
	c.printf("  Min: %s\n", Millis(s.MinLatencyMs))
	c.printf("  Max: %s\n", Millis(s.MaxLatencyMs))
	c.slowest(s.SlowestRequests)
	c.streaming(s.Streaming)

	c.printf("\n  Performance Grade: %s %s\n", s.Grade, gradeMark(s.Grade))
	if lines := thresholdLines(s); len(lines) > 0 {
		c.printf("\n  Thresholds:\n")
		for _, l := range lines {
			c.printf("    %s\n", l)
		}
	}
	c.printf("\n")
	return c.err
}

// consoleCauses is how many causes a Results block lists; the summary
// names the top one, the JSON report has them all.
const consoleCauses = 5

// causes prints up to n causes of s under its Errors line, each with its
// example when that adds something.
func (c *Console) causes(s ScenarioResult, n int) {
	for i, cs := range s.ErrorCauses {
		if i == n {
			break
		}
		c.printf("    %d× %s: %s\n", cs.Count, cs.Kind, cs.Cause)
		if cs.Example != "" && cs.Example != cs.Cause {
			c.printf("       e.g. %s\n", cs.Example)
		}
	}
	if len(s.ErrorCauses) > n || s.ErrorCausesOmitted > 0 {
		c.printf("    … %d more failures of other causes (the JSON report lists up to %d causes)\n", s.OtherFailures(n), stats.MaxCauses)
	}
}

// thresholdLines lists each configured threshold (✅ met, ❌ missed and
// critical, ⚠️ missed and not critical) and then the violations that are
// not configured thresholds (no successful request, a POOR grade).
func thresholdLines(s ScenarioResult) []string {
	var lines []string
	configured := map[string]bool{}
	for _, t := range s.Thresholds {
		configured[t.Name] = true
		mark := "✅"
		if !t.Passed {
			mark = "❌"
			if !s.Critical {
				mark = "⚠️"
			}
		}
		lines = append(lines, fmt.Sprintf("%s %s: %s", mark, t.Name, thresholdText(t)))
	}
	for _, v := range s.Violations {
		if !configured[v.Threshold] {
			lines = append(lines, fmt.Sprintf("%s %s", violationMark(v), ViolationText(v)))
		}
	}
	return lines
}

// Summary prints the "Load Testing Summary" of a finalized report and the
// final verdict. reportPath, when not empty, is named as the saved JSON.
func (c *Console) Summary(r *Report, reportPath string) error {
	c.banner(" Load Testing Summary")
	for _, s := range r.TestResults {
		c.printf("%s%s\n", statusLabel(s.Status), s.Scenario)
		if !s.Ran() {
			c.printf("      Error: %s\n\n", s.Error)
			continue
		}
		c.printf("      Success rate: %s\n", percent(s.SuccessRate))
		c.printf("      Avg latency: %s\n", Millis(s.AvgLatencyMs))
		c.printf("      Cache hit rate: %s\n", percent(s.CacheHitRate))
		if s.Aborted {
			c.printf("      Aborted: %s\n", s.Error)
		}
		for _, v := range s.Violations {
			c.printf("      %s %s\n", violationMark(v), ViolationText(v))
		}
		if len(s.ErrorCauses) > 0 {
			cs := s.ErrorCauses[0]
			c.printf("      Top error cause: %d× %s: %s\n", cs.Count, cs.Kind, cs.Cause)
		}
		c.printf("\n")
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
		_ = c.ReplayHeader(r) // errors are sticky: the last call returns them
		for _, s := range r.TestResults {
			_ = c.ReplayScenario(s)
		}
		return c.Summary(r, reportPath)
	}
}

// ReplayHeader prints a finished report's banner and health checks as
// `loadcron run` printed them.
func (c *Console) ReplayHeader(r *Report) error {
	_ = c.Header(r.Suite)
	for _, h := range r.HealthChecks {
		where := h.URL
		if where == "" {
			where = "target " + h.Target
		}
		_ = c.HealthStart(where)
		_ = c.HealthResult(h)
	}
	return c.err
}

// ReplayScenario prints one finished scenario as `loadcron run` printed
// it: its start and final progress line (when it ran), then its result.
func (c *Console) ReplayScenario(s ScenarioResult) error {
	if s.Ran() {
		info := s.Info()
		_ = c.ScenarioStart(info)
		_ = c.ProgressDone(s.TotalRequests, info.Planned())
	}
	return c.ScenarioResult(s)
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

// violationMark is ❌ for a violation that fails the suite, ⚠️ for one
// that only warns.
func violationMark(v stats.Violation) string {
	if v.Critical {
		return "❌"
	}
	return "⚠️"
}

// thresholdText shows a threshold's value against its limit, rates as
// percentages and latencies (seconds in the report) as milliseconds.
func thresholdText(t stats.ThresholdResult) string {
	op, unit := "<=", stats.UnitSeconds
	if strings.HasPrefix(t.Name, "min_") {
		op = ">="
	}
	if strings.HasSuffix(t.Name, "_rate") {
		unit = stats.UnitRatio
	}
	return fmt.Sprintf("%s (limit %s %s)", FormatValue(t.Value, unit), comparisonSign(op), FormatValue(t.Limit, unit))
}

// ViolationText is one violation as people read it everywhere (console,
// status and run pages): "max_p95_latency: 9.50ms (limit ≤ 5.00ms)",
// "grade: avg 12340.00ms is POOR (limit < 10000.00ms)".
func ViolationText(v stats.Violation) string {
	value := FormatValue(v.Value, v.Unit)
	switch v.Threshold {
	case stats.ThresholdGrade:
		value = "avg " + value + " is POOR"
	case stats.ThresholdMinSuccessful:
		value = "no successful request"
	}
	return fmt.Sprintf("%s: %s (limit %s %s)", v.Threshold, value, comparisonSign(v.Comparison), FormatValue(v.Limit, v.Unit))
}

// FormatValue formats a threshold figure by its unit: ratios as percent,
// seconds as milliseconds, counts as integers.
func FormatValue(v float64, unit string) string {
	switch unit {
	case stats.UnitRatio:
		return percent(v)
	case stats.UnitSeconds:
		return Millis(v * 1000)
	default:
		return formatFloat(v)
	}
}

func comparisonSign(op string) string {
	switch op {
	case ">=":
		return "≥"
	case "<=":
		return "≤"
	default:
		return op
	}
}

// bandText is a guide band as the console shows it: "System is stable ✅".
func bandText(b stats.Band) string { return b.Label + " " + b.Mark }

// latencyLine is "avg 98.00ms, P50 95.00ms, P95 120.00ms (3 responses)".
func latencyLine(l LatencyFigures) string {
	if l.Count == 0 {
		return "none"
	}
	return fmt.Sprintf("avg %s, P50 %s, P95 %s (%d responses)",
		Millis(l.AvgLatencyMs), Millis(l.MedianLatencyMs), Millis(l.P95LatencyMs), l.Count)
}

// CodeList is "200=54, 404=6, no response=3": status codes ascending, then
// the requests that got no response.
func CodeList(codes map[string]int64) string {
	keys := make([]string, 0, len(codes))
	for k := range codes {
		if k != CodeNoResponse {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys) // three-digit codes sort as numbers
	parts := make([]string, 0, len(codes))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, codes[k]))
	}
	if n, ok := codes[CodeNoResponse]; ok {
		parts = append(parts, fmt.Sprintf("no response=%d", n))
	}
	return strings.Join(parts, ", ")
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

// Millis formats milliseconds with the one precision every millisecond
// figure of the console uses, two decimals ("1690.00ms", "0.42ms"):
// loopback latencies stay readable and no figure reads "0ms" by rounding.
func Millis(v float64) string { return fmt.Sprintf("%.2fms", v) }

// formatFloat prints v with at most 6 decimals and no trailing zeros
// ("0.72", "50").
func formatFloat(v float64) string { return strconv.FormatFloat(round(v, 6), 'f', -1, 64) }
