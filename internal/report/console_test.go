package report

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/stats"
)

func TestConsoleProgress(t *testing.T) {
	tests := []struct {
		name string
		live bool
		want string
	}{
		// terminal: the line is rewritten in place and ended once
		{"live", true, "\rProgress: 1/5 requests completed\rProgress: 3/5 requests completed\rProgress: 5/5 requests completed\n\n"},
		// not a terminal: only the final line, as in the guide
		{"not live", false, "Progress: 5/5 requests completed\n\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			c := &Console{W: &buf, Live: tc.live}
			for _, n := range []int64{1, 3} {
				if err := c.Progress(n, 5); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.ProgressDone(5, 5); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tc.want {
				t.Errorf("output %q, want %q", got, tc.want)
			}
		})
	}
	var buf bytes.Buffer
	c := &Console{W: &buf}
	if err := c.ProgressDone(42, 0); err != nil || buf.String() != "Progress: 42 requests completed\n\n" {
		t.Errorf("unknown total: %q, %v", buf.String(), err)
	}
}

func TestConsoleHeaderAndHealth(t *testing.T) {
	var buf bytes.Buffer
	c := &Console{W: &buf}
	steps := []func() error{
		func() error { return c.Header("Chat API") },
		func() error { return c.HealthStart("http://localhost:8003") },
		func() error { return c.HealthResult(HealthCheck{Healthy: true}) },
		func() error { return c.HealthStart("http://127.0.0.1:9") },
		func() error { return c.HealthResult(HealthCheck{Target: "x", Error: "connection refused"}) },
		func() error { return c.HealthResult(HealthCheck{Target: "y", StatusCode: 503}) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	want := strings.Repeat("=", 70) + "\n Chat API Load Testing Suite\n" + strings.Repeat("=", 70) + "\n\n" +
		"Checking server health at http://localhost:8003...\n✅ Server is healthy\n\n" +
		"Checking server health at http://127.0.0.1:9...\n❌ Server is unhealthy (target x): connection refused\n\n" +
		"❌ Server is unhealthy (target y): status 503\n\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestConsoleScenarioStart(t *testing.T) {
	tests := []struct {
		name string
		info ScenarioInfo
		want string
	}{
		// the guide's closed model with a request count
		{"closed", ScenarioInfo{Name: "Baseline: Single User", Users: 1, RequestsPerUser: 5},
			"Concurrent users: 1\nRequests per user: 5\nTotal requests: 5\n\n"},
		// closed model bounded by time
		{"timed", ScenarioInfo{Name: "Soak", Users: 8, Duration: 90 * time.Second},
			"Concurrent users: 8\nDuration: 1m30s\n\n"},
		// open model
		{"open", ScenarioInfo{Name: "Rate", Rate: 2.5, Duration: time.Minute},
			"Rate: 2.5 req/s\nDuration: 1m0s\nPlanned requests: 150\n\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := (&Console{W: &buf}).ScenarioStart(tc.info); err != nil {
				t.Fatal(err)
			}
			head := rule + "\nRunning: " + tc.info.Name + "\n" + rule + "\n"
			if got := buf.String(); got != head+tc.want {
				t.Errorf("got %q, want %q", got, head+tc.want)
			}
		})
	}
}

func TestConsoleStatusLines(t *testing.T) {
	// Each summary line and final verdict, by status.
	tests := []struct {
		status   stats.Status
		wantLine string
		verdict  string
	}{
		{stats.StatusPassed, "✅ PASS - s\n", "✅ All critical load tests PASSED!"},       // passed
		{stats.StatusWarning, "⚠️  WARNING - s\n", "✅ All critical load tests PASSED!"}, // a warning still passes
		{stats.StatusFailed, "❌ FAIL - s\n", "❌ Critical load tests FAILED"},            // failed
		{stats.StatusError, "❌ ERROR - s\n", "❌ Load tests could not run"},              // error
	}
	for _, tc := range tests {
		r := New("suite", "id", time.Unix(0, 0))
		r.Add(ScenarioResult{Scenario: "s", Status: tc.status, Critical: false, Error: "boom"})
		r.FinishedAt = time.Unix(1, 0)
		r.Finalize()
		var buf bytes.Buffer
		if err := (&Console{W: &buf}).Summary(r, ""); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if !strings.Contains(out, tc.wantLine) || !strings.Contains(out, tc.verdict) {
			t.Errorf("%s: output lacks %q or %q:\n%s", tc.status, tc.wantLine, tc.verdict, out)
		}
		if strings.Contains(out, "Detailed report saved") {
			t.Errorf("%s: names a report path although none was given", tc.status)
		}
	}
}

func TestConsoleWriteErrors(t *testing.T) {
	// A failed write is returned, and every later call returns it too
	// without writing.
	w := &failWriter{n: 200}
	c := &Console{W: w}
	if err := c.Header("x"); err != nil {
		t.Fatalf("the header fits in 200 bytes: %v", err)
	}
	err := c.ScenarioResult(guideReport().TestResults[0])
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("ScenarioResult error = %v, want disk full", err)
	}
	w.n = 1 << 20
	if err := c.Summary(guideReport(), "p"); !errors.Is(err, errDiskFull) {
		t.Errorf("later call error = %v, want the first error again", err)
	}
	if w.n != 1<<20 {
		t.Errorf("a call after the error still wrote %d bytes", 1<<20-w.n)
	}
	if err := NewConsoleReporter(guideReport(), "", "p")(&failWriter{n: 500}); !errors.Is(err, errDiskFull) {
		t.Errorf("reporter error = %v, want disk full", err)
	}
}

func TestMillis(t *testing.T) {
	// One precision for every millisecond figure.
	tests := []struct {
		in   float64
		want string
	}{
		{1690, "1690.00ms"}, // guide figure
		{98, "98.00ms"},     // guide figure
		{9.996, "10.00ms"},  // rounds like any other
		{0.42, "0.42ms"},    // loopback latency
		{0.004, "0.00ms"},   // below the precision
		{0, "0.00ms"},       // nothing measured
		{12.345, "12.35ms"}, // not 12ms beside a 9.50ms elsewhere
	}
	for _, tc := range tests {
		if got := Millis(tc.in); got != tc.want {
			t.Errorf("Millis(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestViolationText(t *testing.T) {
	tests := []struct {
		v    stats.Violation
		want string
	}{
		{stats.Violation{Threshold: "max_p95_latency", Value: 0.0095, Limit: 0.005, Comparison: "<=", Unit: stats.UnitSeconds},
			"max_p95_latency: 9.50ms (limit ≤ 5.00ms)"},
		{stats.Violation{Threshold: "min_success_rate", Value: 0.75, Limit: 0.95, Comparison: ">=", Unit: stats.UnitRatio},
			"min_success_rate: 75.0% (limit ≥ 95.0%)"},
		{stats.Violation{Threshold: stats.ThresholdGrade, Value: 12.34, Limit: 10, Comparison: "<", Unit: stats.UnitSeconds},
			"grade: avg 12340.00ms is POOR (limit < 10000.00ms)"},
		{stats.Violation{Threshold: stats.ThresholdMinSuccessful, Value: 0, Limit: 1, Comparison: ">=", Unit: stats.UnitRequests},
			"min_successful_requests: no successful request (limit ≥ 1)"},
	}
	for _, tc := range tests {
		if got := ViolationText(tc.v); got != tc.want {
			t.Errorf("ViolationText(%+v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestCodeList(t *testing.T) {
	got := CodeList(map[string]int64{"500": 4, "200": 54, CodeNoResponse: 3, "404": 6})
	if want := "200=54, 404=6, 500=4, no response=3"; got != want {
		t.Errorf("CodeList = %q, want %q", got, want)
	}
}
