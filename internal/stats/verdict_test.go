package stats

import (
	"reflect"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/config"
)

func ptr[T any](v T) *T { return &v }

func TestGradeOf(t *testing.T) {
	custom := config.Grades{Excellent: 100 * time.Millisecond, Good: 200 * time.Millisecond, Acceptable: 300 * time.Millisecond}
	tests := []struct {
		avg  time.Duration
		g    config.Grades
		want Grade
	}{
		{0, config.Grades{}, GradeExcellent},                                         // zero bounds take the defaults
		{2999 * time.Millisecond, config.Grades{}, GradeExcellent},                   // just under 3s
		{3 * time.Second, config.Grades{}, GradeGood},                                // bounds are exclusive
		{4999 * time.Millisecond, config.Grades{}, GradeGood},                        // just under 5s
		{5 * time.Second, config.Grades{}, GradeAcceptable},                          // at 5s
		{9999 * time.Millisecond, config.Grades{}, GradeAcceptable},                  // just under 10s
		{10 * time.Second, config.Grades{}, GradePoor},                               // at 10s
		{12340 * time.Millisecond, config.Grades{}, GradePoor},                       // the guide's stress test
		{150 * time.Millisecond, custom, GradeGood},                                  // configured bounds
		{300 * time.Millisecond, custom, GradePoor},                                  // at the configured acceptable bound
		{4 * time.Second, config.Grades{Excellent: 5 * time.Second}, GradeExcellent}, // partial config: others default
	}
	for _, tc := range tests {
		if got := GradeOf(tc.avg, tc.g); got != tc.want {
			t.Errorf("GradeOf(%v, %+v) = %s, want %s", tc.avg, tc.g, got, tc.want)
		}
	}
}

// guideStress is the guide's stress-test figures: 100 requests, 88 %
// success, 12.34 s average, 90 % cache hit rate.
var guideStress = Summary{
	Total: 100, Successful: 88, Failed: 12, CacheHits: 79,
	SuccessRate: 0.88, CacheHitRate: 0.9,
	Avg: 12340 * time.Millisecond, P95: 20 * time.Second, P99: 25 * time.Second,
}

// healthy is a scenario comfortably inside every threshold below.
var healthy = Summary{
	Total: 20, Successful: 20, CacheHits: 15,
	SuccessRate: 1, CacheHitRate: 0.75,
	Avg: 2340 * time.Millisecond, P95: 3 * time.Second, P99: 4 * time.Second,
}

// all configures every threshold.
var all = config.Thresholds{
	MinSuccessRate:  ptr(0.95),
	MaxAvgLatency:   ptr(4 * time.Second),
	MaxP95Latency:   ptr(5 * time.Second),
	MaxP99Latency:   ptr(6 * time.Second),
	MinCacheHitRate: ptr(0.7),
}

func with(s Summary, f func(*Summary)) Summary { f(&s); return s }

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name       string
		s          Summary
		th         config.Thresholds
		critical   bool
		wantStatus Status
		wantGrade  Grade
		wantMissed []string // names of thresholds that did not pass
		wantCount  int      // number of thresholds listed
	}{
		// nothing configured, fast: passed
		{"no thresholds", healthy, config.Thresholds{}, true, StatusPassed, GradeExcellent, nil, 0},
		// every threshold configured and met
		{"all met", healthy, all, true, StatusPassed, GradeExcellent, nil, 5},
		// the guide's stress test: all met (≥80 %, ≤30 s, ≥85 %) but POOR, non-critical
		{"guide stress non-critical", guideStress, config.Thresholds{
			MinSuccessRate: ptr(0.80), MaxAvgLatency: ptr(30 * time.Second), MinCacheHitRate: ptr(0.85),
		}, false, StatusWarning, GradePoor, nil, 3},
		// all met but POOR stays a warning even when critical
		{"poor but met, critical", guideStress, config.Thresholds{MinSuccessRate: ptr(0.80)}, true, StatusWarning, GradePoor, nil, 1},
		// a minimum passes at exactly its limit
		{"success rate at limit", with(healthy, func(s *Summary) { s.SuccessRate = 0.95 }), config.Thresholds{MinSuccessRate: ptr(0.95)}, true, StatusPassed, GradeExcellent, nil, 1},
		// a maximum passes at exactly its limit
		{"avg at limit", healthy, config.Thresholds{MaxAvgLatency: ptr(2340 * time.Millisecond)}, true, StatusPassed, GradeExcellent, nil, 1},
		// critical scenario under its success rate: failed
		{"success rate missed critical", with(healthy, func(s *Summary) { s.SuccessRate = 0.9 }), all, true, StatusFailed, GradeExcellent, []string{ThresholdMinSuccessRate}, 5},
		// the same miss on a non-critical scenario: warning
		{"success rate missed non-critical", with(healthy, func(s *Summary) { s.SuccessRate = 0.9 }), all, false, StatusWarning, GradeExcellent, []string{ThresholdMinSuccessRate}, 5},
		// avg over its limit
		{"avg missed", with(healthy, func(s *Summary) { s.Avg = 4001 * time.Millisecond }), all, true, StatusFailed, GradeGood, []string{ThresholdMaxAvgLatency}, 5},
		// only P95 configured and over it
		{"p95 missed", with(healthy, func(s *Summary) { s.P95 = 5*time.Second + 1 }), config.Thresholds{MaxP95Latency: ptr(5 * time.Second)}, true, StatusFailed, GradeExcellent, []string{ThresholdMaxP95Latency}, 1},
		// P99 over on a non-critical scenario
		{"p99 missed non-critical", with(healthy, func(s *Summary) { s.P99 = 7 * time.Second }), all, false, StatusWarning, GradeExcellent, []string{ThresholdMaxP99Latency}, 5},
		// cache hit rate under its minimum
		{"cache missed", with(healthy, func(s *Summary) { s.CacheHitRate = 0.5 }), all, true, StatusFailed, GradeExcellent, []string{ThresholdMinCacheHitRate}, 5},
		// several misses plus POOR on a critical scenario
		{"many missed and poor", with(guideStress, func(s *Summary) {}), all, true, StatusFailed, GradePoor,
			[]string{ThresholdMinSuccessRate, ThresholdMaxAvgLatency, ThresholdMaxP95Latency, ThresholdMaxP99Latency}, 5},
		// no request completed, critical: failed and POOR even with no thresholds
		{"empty critical", Summary{}, config.Thresholds{}, true, StatusFailed, GradePoor, nil, 0},
		// no request completed, non-critical: warning
		{"empty non-critical", Summary{}, config.Thresholds{MaxAvgLatency: ptr(time.Second)}, false, StatusWarning, GradePoor, nil, 1},
		// every request failed fast: nothing proven, failed
		{"all failed", Summary{Total: 10, Failed: 10, ErrorRate: 1, Avg: time.Millisecond}, config.Thresholds{}, true, StatusFailed, GradePoor, nil, 0},
		// no successes, success-rate threshold listed as missed
		{"empty with success threshold", Summary{}, config.Thresholds{MinSuccessRate: ptr(0.5)}, true, StatusFailed, GradePoor, []string{ThresholdMinSuccessRate}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := Evaluate(tc.s, tc.th, config.Grades{}, tc.critical)
			if v.Status != tc.wantStatus || v.Grade != tc.wantGrade {
				t.Errorf("status/grade = %s/%s, want %s/%s", v.Status, v.Grade, tc.wantStatus, tc.wantGrade)
			}
			if len(v.Thresholds) != tc.wantCount {
				t.Errorf("%d thresholds listed, want %d: %+v", len(v.Thresholds), tc.wantCount, v.Thresholds)
			}
			var missed []string
			for _, r := range v.Thresholds {
				if !r.Passed {
					missed = append(missed, r.Name)
				}
			}
			if !reflect.DeepEqual(missed, tc.wantMissed) {
				t.Errorf("missed = %v, want %v", missed, tc.wantMissed)
			}
			// Every verdict but passed carries its reason.
			if (v.Status == StatusPassed) != (len(v.Violations) == 0) {
				t.Errorf("status %s with violations %+v", v.Status, v.Violations)
			}
		})
	}
}

func TestEvaluateViolations(t *testing.T) {
	tests := []struct {
		name     string
		s        Summary
		th       config.Thresholds
		critical bool
		want     []Violation
	}{
		// a critical miss: value, limit, the condition that failed, critical
		{"p95 over", with(healthy, func(s *Summary) { s.P95 = 9500 * time.Millisecond }), config.Thresholds{MaxP95Latency: ptr(5 * time.Second)}, true,
			[]Violation{{ThresholdMaxP95Latency, 9.5, 5, "<=", UnitSeconds, true}}},
		// a minimum missed on a non-critical scenario
		{"success under", with(healthy, func(s *Summary) { s.SuccessRate = 0.75 }), all, false,
			[]Violation{{ThresholdMinSuccessRate, 0.75, 0.95, ">=", UnitRatio, false}}},
		// POOR grade: the average against grades.acceptable, never critical
		{"poor", guideStress, config.Thresholds{}, true,
			[]Violation{{ThresholdGrade, 12.34, 10, "<", UnitSeconds, false}}},
		// nothing succeeded: the pseudo-threshold, after the configured one
		{"nothing succeeded", Summary{Total: 4, Failed: 4, ErrorRate: 1, Avg: time.Millisecond}, config.Thresholds{MinSuccessRate: ptr(0.9)}, true,
			[]Violation{
				{ThresholdMinSuccessRate, 0, 0.9, ">=", UnitRatio, true},
				{ThresholdMinSuccessful, 0, 1, ">=", UnitRequests, true},
			}},
		// all met: no violation
		{"passed", healthy, all, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := Evaluate(tc.s, tc.th, config.Grades{}, tc.critical)
			if !reflect.DeepEqual(v.Violations, tc.want) {
				t.Errorf("violations = %+v\nwant %+v", v.Violations, tc.want)
			}
		})
	}
}

func TestBands(t *testing.T) {
	// The guide's "Interpreting Results" ranges, at and around their edges.
	success := []struct {
		rate float64
		want string
	}{
		{1, "System is stable"},
		{0.999, "Acceptable, investigate failures"},
		{0.95, "Acceptable, investigate failures"},
		{0.949, "Critical issues, system not production-ready"},
		{0, "Critical issues, system not production-ready"},
	}
	for _, tc := range success {
		if got := SuccessBand(tc.rate).Label; got != tc.want {
			t.Errorf("SuccessBand(%v) = %q, want %q", tc.rate, got, tc.want)
		}
	}
	hit := []struct {
		rate float64
		want string
	}{
		{0.49, "Cache configuration issues"},
		{0.5, "Good, but can be improved"},
		{0.69, "Good, but can be improved"},
		{0.7, "Excellent"},
		{0.85, "Excellent"},
		{0.86, "Outstanding (may indicate limited query diversity)"},
	}
	for _, tc := range hit {
		if got := CacheHitBand(tc.rate).Label; got != tc.want {
			t.Errorf("CacheHitBand(%v) = %q, want %q", tc.rate, got, tc.want)
		}
	}
}

func TestEvaluateThresholdValues(t *testing.T) {
	// Order, units (seconds, ratios) and values of every threshold.
	v := Evaluate(healthy, all, config.Grades{}, true)
	want := []ThresholdResult{
		{ThresholdMinSuccessRate, 0.95, 1, true},
		{ThresholdMaxAvgLatency, 4, 2.34, true},
		{ThresholdMaxP95Latency, 5, 3, true},
		{ThresholdMaxP99Latency, 6, 4, true},
		{ThresholdMinCacheHitRate, 0.7, 0.75, true},
	}
	if !reflect.DeepEqual(v.Thresholds, want) {
		t.Errorf("thresholds = %+v\nwant %+v", v.Thresholds, want)
	}
}

func TestErrorVerdict(t *testing.T) {
	v := ErrorVerdict()
	if v.Status != StatusError || v.Grade != "" || v.Thresholds != nil {
		t.Errorf("ErrorVerdict() = %+v", v)
	}
}

func TestSuiteStatus(t *testing.T) {
	p := ScenarioStatus{StatusPassed, true}
	w := ScenarioStatus{StatusWarning, false}
	f := ScenarioStatus{StatusFailed, true}
	ec := ScenarioStatus{StatusError, true}
	en := ScenarioStatus{StatusError, false}
	tests := []struct {
		name string
		in   []ScenarioStatus
		want Status
	}{
		{"no scenarios", nil, StatusError},                                               // nothing ran
		{"all passed", []ScenarioStatus{p, p}, StatusPassed},                             // the happy path
		{"guide: four pass, one warning", []ScenarioStatus{p, p, p, p, w}, StatusPassed}, // warnings do not fail
		{"one failed", []ScenarioStatus{p, f, w}, StatusFailed},                          // any failure fails the suite
		{"critical error", []ScenarioStatus{p, ec}, StatusFailed},                        // a critical scenario that could not run fails
		{"non-critical error", []ScenarioStatus{p, en}, StatusPassed},                    // a non-critical one does not
		{"all error", []ScenarioStatus{ec, en}, StatusError},                             // target unhealthy: nothing measured
		{"failed and error", []ScenarioStatus{f, ec}, StatusFailed},                      // a measured failure wins over error
	}
	for _, tc := range tests {
		if got := SuiteStatus(tc.in); got != tc.want {
			t.Errorf("%s: SuiteStatus = %s, want %s", tc.name, got, tc.want)
		}
	}
}
