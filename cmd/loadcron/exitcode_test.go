package main

import (
	"testing"

	"github.com/loadcron/loadcron/internal/report"
	"github.com/loadcron/loadcron/internal/stats"
)

func TestReportExitCode(t *testing.T) {
	sc := func(status stats.Status, critical, aborted bool) report.ScenarioResult {
		return report.ScenarioResult{Status: status, Critical: critical, Aborted: aborted}
	}
	healthy := []report.HealthCheck{{Target: "chat", Healthy: true}}
	tests := []struct {
		name    string
		partial bool
		health  []report.HealthCheck
		results []report.ScenarioResult
		want    int
	}{
		// every critical scenario passed; a non-critical warning is allowed
		{"passed", false, healthy, []report.ScenarioResult{
			sc(stats.StatusPassed, true, false), sc(stats.StatusWarning, false, false)}, 0},
		// a critical threshold missed
		{"failed", false, healthy, []report.ScenarioResult{
			sc(stats.StatusPassed, true, false), sc(stats.StatusFailed, true, false)}, 1},
		// a health check failed: its scenarios could not run
		{"unhealthy", false, []report.HealthCheck{{Target: "chat"}}, []report.ScenarioResult{
			sc(stats.StatusError, true, false)}, 3},
		// a scenario could not run, even a non-critical one
		{"error", false, healthy, []report.ScenarioResult{
			sc(stats.StatusPassed, true, false), sc(stats.StatusError, false, false)}, 3},
		// the abort rule stopped a scenario
		{"aborted", false, healthy, []report.ScenarioResult{sc(stats.StatusError, true, true)}, 3},
		// cut short (safety.max_run_duration)
		{"partial", true, healthy, []report.ScenarioResult{sc(stats.StatusPassed, true, false)}, 3},
		// could not complete and missed a threshold: 3 wins over 1
		{"failed and aborted", false, healthy, []report.ScenarioResult{
			sc(stats.StatusFailed, true, false), sc(stats.StatusError, true, true)}, 3},
		// a replica with no share of any scenario has nothing to fail
		{"empty segment", false, nil, nil, 0},
	}
	for _, tt := range tests {
		rep := &report.Report{Partial: tt.partial, HealthChecks: tt.health, TestResults: tt.results}
		if got := reportExitCode(rep); got != tt.want {
			t.Errorf("%s: exit %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestExitCodePrecedence(t *testing.T) {
	// 130 > 3 > 1 > 0, whatever the order the suites produced them in.
	order := []int{exitOK, exitThresholds, exitIncomplete, exitInterrupted}
	for i, a := range order {
		for j, b := range order {
			want := order[max(i, j)]
			if got := worse(a, b); got != want {
				t.Errorf("worse(%d, %d) = %d, want %d", a, b, got, want)
			}
		}
	}
}
