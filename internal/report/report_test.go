package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/result"
	"github.com/loadcron/loadcron/internal/stats"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func ptr[T any](v T) *T { return &v }

func msd(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }

// guideScenario is one scenario of the guide with its success criteria.
type guideScenario struct {
	info    ScenarioInfo
	summary stats.Summary
	th      config.Thresholds
}

// criteria builds the guide's "Success Criteria" row as thresholds.
func criteria(success float64, avg time.Duration, cache float64) config.Thresholds {
	return config.Thresholds{MinSuccessRate: ptr(success), MaxAvgLatency: ptr(avg), MinCacheHitRate: ptr(cache)}
}

// guideSummary fills a Summary with figures from the guide. The guide's
// rates are used as printed (its hit rates are not always a whole number
// of successful responses, e.g. 85 % of 58); costs use its 0.06 per
// uncached request.
func guideSummary(total, ok, hits int64, hitRate float64, elapsed, avg, med, p95, p99, minL, maxL time.Duration) stats.Summary {
	s := stats.Summary{
		Total: total, Successful: ok, Failed: total - ok,
		CacheHits: hits, CacheMisses: ok - hits,
		Elapsed: elapsed,
		Avg:     avg, Median: med, P95: p95, P99: p99, Min: minL, Max: maxL,
		SuccessRate:  float64(ok) / float64(total),
		ErrorRate:    float64(total-ok) / float64(total),
		CacheHitRate: hitRate,
		Throughput:   float64(total) / elapsed.Seconds(),
	}
	s.EstimatedCost = float64(ok-hits) * 0.06
	s.EstimatedSavings = float64(hits) * 0.06
	return s
}

// guideReport is the guide's example run: its five scenarios with the
// figures of "Expected Output" and "Load Testing Summary".
func guideReport() *Report {
	scenarios := []guideScenario{
		{ScenarioInfo{Name: "Baseline: Single User", Target: "chat", Critical: true, Users: 1, RequestsPerUser: 5},
			guideSummary(5, 5, 3, 0.6, 8450*time.Millisecond, msd(1690), msd(1200), msd(3000), msd(3000), msd(98), msd(3000)),
			criteria(0.95, 3*time.Second, 0.5)},
		{ScenarioInfo{Name: "Light Load: 5 Concurrent Users", Target: "chat", Critical: true, Users: 5, RequestsPerUser: 4},
			guideSummary(20, 20, 15, 0.75, 9360*time.Millisecond, msd(2340), msd(2100), msd(4200), msd(4500), msd(95), msd(4500)),
			criteria(0.95, 4*time.Second, 0.7)},
		{ScenarioInfo{Name: "Medium Load: 10 Concurrent Users", Target: "chat", Critical: true, Users: 10, RequestsPerUser: 3},
			guideSummary(30, 30, 24, 0.8, 10350*time.Millisecond, msd(3450), msd(3100), msd(6900), msd(7800), msd(102), msd(7800)),
			criteria(0.95, 5*time.Second, 0.75)},
		{ScenarioInfo{Name: "Heavy Load: 20 Concurrent Users", Target: "chat", Critical: true, Users: 20, RequestsPerUser: 3},
			guideSummary(60, 58, 49, 0.85, 20340*time.Millisecond, msd(6780), msd(6200), msd(13500), msd(15800), msd(110), msd(15800)),
			criteria(0.90, 10*time.Second, 0.8)},
		{ScenarioInfo{Name: "Stress Test: 50 Concurrent Users", Target: "chat", Critical: false, Users: 50, RequestsPerUser: 2},
			guideSummary(100, 88, 79, 0.9, 24680*time.Millisecond, msd(12340), msd(11000), msd(25000), msd(29500), msd(120), msd(30000)),
			criteria(0.80, 30*time.Second, 0.85)},
	}
	scenarios[3].summary.Errors[result.KindTimeout] = 2
	scenarios[4].summary.Errors[result.KindTimeout] = 10
	scenarios[4].summary.Errors[result.KindHTTP5xx] = 2
	// The baseline's five latencies: hits 98, 1153, 1200 ms; misses 2999,
	// 3000 ms (average 1690 ms as in the guide).
	b := &scenarios[0].summary
	b.Hit = stats.LatencySplit{Count: 3, Avg: msd(817), P50: msd(1153), P95: msd(1200), Min: msd(98), Max: msd(1200)}
	b.Miss = stats.LatencySplit{Count: 2, Avg: msd(2999.5), P50: msd(2999), P95: msd(3000), Min: msd(2999), Max: msd(3000)}
	b.CacheSpeedup = 2999.5 / 817
	b.StatusCodes = []stats.CodeCount{{Code: 200, Count: 5}}
	st := &scenarios[4].summary
	st.StatusCodes = []stats.CodeCount{{Code: 0, Count: 10}, {Code: 200, Count: 88}, {Code: 503, Count: 2}}
	st.Causes = []stats.Cause{
		{Kind: "timeout", Cause: "context deadline exceeded", Count: 10, Example: "context deadline exceeded — POST /chat"},
		{Kind: "http_5xx", Cause: "503 POST /chat", Count: 2, Example: `503 POST /chat: {"detail":"overloaded"}`},
	}

	r := New("Chat API", "20251113T114000-1a2b3c", time.Date(2025, 11, 13, 11, 40, 0, 0, time.UTC))
	r.Trigger = "manual"
	r.Version = "v0.1.0"
	r.AddHealthCheck(HealthCheck{Target: "chat", URL: "http://localhost:8003", Healthy: true, StatusCode: 200, DurationSeconds: 0.012})
	for _, g := range scenarios {
		v := stats.Evaluate(g.summary, g.th, config.Grades{}, g.info.Critical)
		r.Add(ScenarioFromSummary(g.info, g.summary, v))
	}
	r.FinishedAt = time.Date(2025, 11, 13, 11, 45, 0, 0, time.UTC)
	r.Finalize()
	return r
}

// failedReport has a failed critical scenario, an aborted one, an open-model
// one and one that could not run; it was cut short.
func failedReport() *Report {
	r := New("chat", "run-2", time.Date(2025, 11, 13, 12, 0, 0, 0, time.UTC))
	r.Partial = true
	r.AddHealthCheck(HealthCheck{Target: "chat", URL: "http://127.0.0.1:8003/health", Healthy: true, StatusCode: 200, DurationSeconds: 0.002})
	r.AddHealthCheck(HealthCheck{Target: "search", URL: "http://127.0.0.1:8004/health", StatusCode: 503, DurationSeconds: 0.003})

	// A target that answers 404 to some requests and 500 to others, and
	// whose port sometimes refuses: codes, causes and violations.
	slow := stats.Summary{
		Total: 40, Successful: 30, Failed: 10, CacheHits: 6, CacheMisses: 24,
		Elapsed: 4 * time.Second, Avg: msd(4.5), Median: msd(3.25), P95: msd(9.5), P99: msd(12), Min: msd(0.42), Max: msd(12),
		SuccessRate: 0.75, ErrorRate: 0.25, CacheHitRate: 0.2, Throughput: 10,
		Hit:          stats.LatencySplit{Count: 6, Avg: msd(0.6), P50: msd(0.55), P95: msd(0.9), Min: msd(0.42), Max: msd(0.9)},
		Miss:         stats.LatencySplit{Count: 24, Avg: msd(5.1), P50: msd(4.8), P95: msd(9.5), Min: msd(2), Max: msd(12)},
		CacheSpeedup: 8.5,
		StatusCodes:  []stats.CodeCount{{Code: 0, Count: 3}, {Code: 200, Count: 30}, {Code: 404, Count: 4}, {Code: 500, Count: 3}},
		Causes: []stats.Cause{
			{Kind: "http_4xx", Cause: "404 GET /chat/unknown", Count: 4, Example: `404 GET /chat/unknown: {"detail":"Not Found"}`},
			{Kind: "http_5xx", Cause: "500 POST /chat", Count: 2, Example: "500 POST /chat: internal error"},
			{Kind: "connection", Cause: "dial tcp 127.0.0.1:8005: connect: connection refused", Count: 2,
				Example: "dial tcp 127.0.0.1:8005: connect: connection refused — POST /chat"},
		},
		CausesOmitted: 2,
	}
	slow.Errors[result.KindHTTP4xx] = 4
	slow.Errors[result.KindHTTP5xx] = 3
	slow.Errors[result.KindConnection] = 3
	th := config.Thresholds{MinSuccessRate: ptr(0.95), MaxP95Latency: ptr(5 * time.Millisecond), MinCacheHitRate: ptr(0.1)}
	info := ScenarioInfo{Name: "Checkout", Target: "chat", Critical: true, Users: 4, RequestsPerUser: 10}
	r.Add(ScenarioFromSummary(info, slow, stats.Evaluate(slow, th, config.Grades{}, true)))

	open := stats.Summary{
		Total: 95, Successful: 95, Dropped: 5, CacheHits: 50, CacheMisses: 45,
		Elapsed: 10 * time.Second, Avg: msd(1.2), Median: msd(1), P95: msd(2), P99: msd(3), Min: msd(0.3), Max: msd(3.5),
		MaxLateness: msd(2.5), LatenessP50: msd(0.04), LatenessP99: msd(0.9), SuccessRate: 1, CacheHitRate: 50.0 / 95, Throughput: 9.5,
	}
	openInfo := ScenarioInfo{Name: "Steady rate", Target: "chat", Critical: false, Rate: 10, Duration: 10 * time.Second}
	sr := ScenarioFromSummary(openInfo, open, stats.Evaluate(open, config.Thresholds{}, config.Grades{}, false))
	sr.Aborted = true
	sr.Error = "run canceled: shutting down"
	r.Add(sr)

	r.Add(ScenarioFromError(ScenarioInfo{Name: "Search", Target: "search", Critical: true, Users: 2, Duration: 30 * time.Second}, "target search unhealthy: status 503"))
	r.FinishedAt = time.Date(2025, 11, 13, 12, 0, 14, 500_000_000, time.UTC)
	r.Finalize()
	return r
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (run with -update after checking):\n--- got ---\n%s", path, got)
	}
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name   string
		report func() *Report
		title  string
		path   string
	}{
		// the guide's expected output and JSON
		{"guide", guideReport, "Chat API Load Testing Suite", "data/load_test_results.json"},
		// failures, errors, an open-model scenario, a partial run, default title
		{"failed", failedReport, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.report()
			var console, js bytes.Buffer
			if err := NewConsoleReporter(r, tc.title, tc.path)(&console); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name+".console.golden", console.Bytes())
			if err := NewJSONReporter(r)(&js); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name+".json.golden", js.Bytes())
		})
	}
}

func TestGuideFigures(t *testing.T) {
	// The guide's summary: 5 scenarios, 4 passed, 1 warning, 78 % average
	// hit rate, suite passed.
	r := guideReport()
	want := Summary{
		TotalScenarios: 5, ScenariosPassed: 4, ScenariosWarning: 1,
		AverageCacheHitRate: 0.78, TotalRequests: 215, TotalFailed: 14, Passed: true,
	}
	if r.Summary != want {
		t.Errorf("summary = %+v\nwant %+v", r.Summary, want)
	}
	if r.Status != stats.StatusPassed || !r.Passed {
		t.Errorf("status = %s passed=%v, want passed", r.Status, r.Passed)
	}
	wantStatus := []stats.Status{stats.StatusPassed, stats.StatusPassed, stats.StatusPassed, stats.StatusPassed, stats.StatusWarning}
	wantGrade := []stats.Grade{stats.GradeExcellent, stats.GradeExcellent, stats.GradeGood, stats.GradeAcceptable, stats.GradePoor}
	for i, s := range r.TestResults {
		if s.Status != wantStatus[i] || s.Grade != wantGrade[i] {
			t.Errorf("%s: %s/%s, want %s/%s", s.Scenario, s.Status, s.Grade, wantStatus[i], wantGrade[i])
		}
	}
	b := r.TestResults[0]
	if b.AvgLatencyMs != 1690 || b.MedianLatencyMs != 1200 || b.P95LatencyMs != 3000 || b.MinLatencyMs != 98 ||
		b.SuccessRate != 1 || b.CachedResponses != 3 || b.CacheHitRate != 0.6 || b.ThroughputRPS != 0.592 ||
		b.EstimatedCost != 0.12 || b.EstimatedSavings != 0.18 {
		t.Errorf("baseline = %+v", b)
	}
	if r.DurationSeconds != 300 || !r.Timestamp.Equal(r.FinishedAt) {
		t.Errorf("duration/timestamp = %v/%v", r.DurationSeconds, r.Timestamp)
	}
}

func TestFinalize(t *testing.T) {
	sc := func(st stats.Status, critical bool, hit float64) ScenarioResult {
		return ScenarioResult{Status: st, Critical: critical, CacheHitRate: hit, TotalRequests: 10, Failed: 1}
	}
	tests := []struct {
		name       string
		partial    bool
		in         []ScenarioResult
		wantStatus stats.Status
		wantAvgHit float64
		wantCounts [4]int // passed, warning, failed, error
	}{
		// no scenarios at all
		{"empty", false, nil, stats.StatusError, 0, [4]int{}},
		// every scenario passed
		{"all passed", false, []ScenarioResult{sc(stats.StatusPassed, true, 0.5), sc(stats.StatusPassed, true, 1)}, stats.StatusPassed, 0.75, [4]int{2, 0, 0, 0}},
		// a critical failure fails the suite
		{"failed", false, []ScenarioResult{sc(stats.StatusPassed, true, 0.5), sc(stats.StatusFailed, true, 0.1)}, stats.StatusFailed, 0.3, [4]int{1, 0, 1, 0}},
		// errors are left out of the average hit rate; non-critical error passes
		{"non-critical error", false, []ScenarioResult{sc(stats.StatusWarning, false, 0.4), sc(stats.StatusError, false, 0)}, stats.StatusPassed, 0.4, [4]int{0, 1, 0, 1}},
		// a critical scenario that could not run fails the suite
		{"critical error", false, []ScenarioResult{sc(stats.StatusPassed, true, 0.4), sc(stats.StatusError, true, 0)}, stats.StatusFailed, 0.4, [4]int{1, 0, 0, 1}},
		// nothing could run
		{"all error", false, []ScenarioResult{sc(stats.StatusError, true, 0)}, stats.StatusError, 0, [4]int{0, 0, 0, 1}},
		// a partial run never passes
		{"partial passed", true, []ScenarioResult{sc(stats.StatusPassed, true, 0.5)}, stats.StatusError, 0.5, [4]int{1, 0, 0, 0}},
		// a partial run keeps its failure
		{"partial failed", true, []ScenarioResult{sc(stats.StatusFailed, true, 0.5)}, stats.StatusFailed, 0.5, [4]int{0, 0, 1, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600))
			r := New("s", "id", start)
			r.Partial = tc.partial
			for _, s := range tc.in {
				r.Add(s)
			}
			r.FinishedAt = start.Add(1500 * time.Millisecond)
			r.Finalize()
			if r.Status != tc.wantStatus || r.Passed != (tc.wantStatus == stats.StatusPassed) || r.Summary.Passed != r.Passed {
				t.Errorf("status = %s passed=%v/%v, want %s", r.Status, r.Passed, r.Summary.Passed, tc.wantStatus)
			}
			got := [4]int{r.Summary.ScenariosPassed, r.Summary.ScenariosWarning, r.Summary.ScenariosFailed, r.Summary.ScenariosError}
			if got != tc.wantCounts || r.Summary.TotalScenarios != len(tc.in) {
				t.Errorf("counts = %v of %d, want %v of %d", got, r.Summary.TotalScenarios, tc.wantCounts, len(tc.in))
			}
			if r.Summary.AverageCacheHitRate != tc.wantAvgHit {
				t.Errorf("average hit rate = %v, want %v", r.Summary.AverageCacheHitRate, tc.wantAvgHit)
			}
			if r.Summary.TotalRequests != int64(10*len(tc.in)) || r.Summary.TotalFailed != int64(len(tc.in)) {
				t.Errorf("totals = %d/%d", r.Summary.TotalRequests, r.Summary.TotalFailed)
			}
			if r.DurationSeconds != 1.5 || r.StartedAt.Location() != time.UTC || !r.Timestamp.Equal(r.FinishedAt) {
				t.Errorf("times: duration %v, start %v, timestamp %v", r.DurationSeconds, r.StartedAt, r.Timestamp)
			}
		})
	}
}

func TestScenarioFromSummary(t *testing.T) {
	s := stats.Summary{
		Total: 3, Successful: 2, Failed: 1, Avg: 1234567 * time.Nanosecond, Elapsed: 1500 * time.Millisecond,
		EstimatedCost: 0.7200000000000001, Throughput: 2,
	}
	s.Errors[result.KindDNS] = 1
	th := []stats.ThresholdResult{{Name: stats.ThresholdMaxAvgLatency, Limit: 1, Value: 0.001234567, Passed: true}}
	sr := ScenarioFromSummary(ScenarioInfo{Name: "n", Target: "t", Critical: true, Users: 3, RequestsPerUser: 1},
		s, stats.Verdict{Status: stats.StatusPassed, Grade: stats.GradeExcellent, Thresholds: th})
	if sr.AvgLatencyMs != 1.235 || sr.TotalTimeS != 1.5 || sr.EstimatedCost != 0.72 {
		t.Errorf("rounding: avg %v ms, time %v s, cost %v", sr.AvgLatencyMs, sr.TotalTimeS, sr.EstimatedCost)
	}
	if len(sr.Errors) != result.NumKinds-1 || sr.Errors["dns"] != 1 || sr.Errors["timeout"] != 0 {
		t.Errorf("errors = %v, want every kind with dns=1", sr.Errors)
	}
	if sr.Model != ModelClosed || sr.Users != 3 || sr.Rate != 0 || len(sr.Thresholds) != 1 {
		t.Errorf("load/thresholds = %s %d %v %v", sr.Model, sr.Users, sr.Rate, sr.Thresholds)
	}
	th[0].Passed = false
	if !sr.Thresholds[0].Passed {
		t.Error("ScenarioFromSummary shares the verdict's threshold slice")
	}

	e := ScenarioFromError(ScenarioInfo{Name: "o", Rate: 5, Duration: time.Minute, Users: 9}, "unhealthy")
	if e.Status != stats.StatusError || e.Error != "unhealthy" || e.Model != ModelOpen || e.Users != 0 || e.Rate != 5 ||
		e.DurationS != 60 || e.Thresholds == nil || len(e.Errors) != result.NumKinds-1 {
		t.Errorf("error scenario = %+v", e)
	}
}

func TestInfo(t *testing.T) {
	no := false
	tests := []struct {
		sc          config.Scenario
		wantPlanned int64
		wantOpen    bool
	}{
		{config.Scenario{Name: "a", Target: "t", Users: 20, RequestsPerUser: 3}, 60, false},             // closed, counted
		{config.Scenario{Name: "b", Users: 5, Duration: time.Minute, Critical: &no}, 0, false},          // closed, timed: unknown total
		{config.Scenario{Name: "c", Rate: 12.5, Duration: 10 * time.Second, Users: 7}, 125, true},       // open: rate × duration
		{config.Scenario{Name: "d", Rate: 0.3, Duration: 5 * time.Second, RequestsPerUser: 4}, 2, true}, // open, rounded
		// closed stages: the peak users, timed by the stages' sum
		{config.Scenario{Name: "e", Stages: []config.Stage{{Duration: time.Second, Users: ptr(4)}, {Duration: time.Second, Users: ptr(8)}}}, 0, false},
		// open stages: 0→10/s over 2 s, 10/s for 1 s = 20 requests (mean rate 20/3 s)
		{config.Scenario{Name: "f", Stages: []config.Stage{{Duration: 2 * time.Second, Rate: ptr(10.0)}, {Duration: time.Second, Rate: ptr(10.0)}}}, 20, true},
		// ramp_up is kept
		{config.Scenario{Name: "g", Users: 10, RequestsPerUser: 2, RampUp: time.Second}, 20, false},
	}
	for _, tc := range tests {
		info := InfoFromConfig(&tc.sc)
		if info.Planned() != tc.wantPlanned || info.Open() != tc.wantOpen || info.Name != tc.sc.Name ||
			info.Critical != tc.sc.IsCritical() {
			t.Errorf("%s: info %+v planned %d, want planned %d open %v", tc.sc.Name, info, info.Planned(), tc.wantPlanned, tc.wantOpen)
		}
		if tc.wantOpen && (info.Users != 0 || info.RequestsPerUser != 0) {
			t.Errorf("%s: open info keeps closed fields: %+v", tc.sc.Name, info)
		}
		sr := ScenarioFromError(info, "x")
		if back := sr.Info(); !reflect.DeepEqual(back, info) {
			t.Errorf("%s: Info() = %+v, want %+v", tc.sc.Name, back, info)
		}
	}
}

func TestSafeURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://localhost:8003", "http://localhost:8003"},                                   // unchanged
		{"https://user:s3cret@api.example/health?token=abc#x", "https://api.example/health"}, // credentials, query, fragment gone
		{"http://h/p?", "http://h/p"},                                                        // bare "?" gone
		{"://bad", ""},                                                                       // unparsable: nothing shown
	}
	for _, tc := range tests {
		if got := SafeURL(tc.in); got != tc.want {
			t.Errorf("SafeURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestOtherFailures(t *testing.T) {
	s := ScenarioResult{ErrorCauses: []stats.Cause{{Count: 5}, {Count: 3}, {Count: 2}}, ErrorCausesOmitted: 4}
	for _, tc := range []struct {
		top  int
		want int64
	}{
		{0, 14}, // every listed cause and the omitted ones
		{1, 9},  // the second and third causes and the omitted ones
		{3, 4},  // only the omitted ones
		{5, 4},  // top beyond the list
	} {
		if got := s.OtherFailures(tc.top); got != tc.want {
			t.Errorf("OtherFailures(%d) = %d, want %d", tc.top, got, tc.want)
		}
	}
}
