package main

import (
	"github.com/loadcron/loadcron/internal/report"
	"github.com/loadcron/loadcron/internal/stats"
)

// Exit codes of `loadcron run` beyond exitOK and exitUsage. When several
// apply, the highest in this order wins: 130 (interrupted) > 3 (could not
// complete) > 1 (critical threshold missed) > 0. Exit 2 (usage or config,
// including a --report path that cannot be written) happens before any
// load is sent, so it never meets the others.
const (
	// exitThresholds: a critical scenario missed a threshold (failed).
	// The guide's CI gate: any non-zero code fails the job.
	exitThresholds = 1
	// exitIncomplete: the run could not be completed: a target's health
	// check failed, a scenario could not run (status error), the abort
	// rule or safety.max_run_duration stopped one, or the report could
	// not be written after all.
	exitIncomplete = 3
	// exitInterrupted: SIGINT or SIGTERM stopped the run (128 + SIGINT,
	// as a shell reports Ctrl-C); the partial report is still written.
	exitInterrupted = 130
)

// rank orders run exit codes by precedence.
func rank(code int) int {
	switch code {
	case exitInterrupted:
		return 3
	case exitIncomplete:
		return 2
	case exitThresholds:
		return 1
	}
	return 0
}

// worse returns whichever of a and b takes precedence.
func worse(a, b int) int {
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// reportExitCode is the exit code one suite's report calls for, read from
// the report's data: its partial flag, its health checks, and each
// scenario's status and aborted flag.
func reportExitCode(rep *report.Report) int {
	if incomplete(rep) {
		return exitIncomplete
	}
	for _, sr := range rep.TestResults {
		// Only a critical scenario that missed a threshold is failed; a
		// non-critical one is a warning, which passes.
		if sr.Status == stats.StatusFailed {
			return exitThresholds
		}
	}
	return exitOK
}

// incomplete reports whether any part of the run could not be carried
// out as configured.
func incomplete(rep *report.Report) bool {
	if rep.Partial {
		return true
	}
	for _, hc := range rep.HealthChecks {
		if !hc.Healthy {
			return true
		}
	}
	for _, sr := range rep.TestResults {
		if sr.Status == stats.StatusError || sr.Aborted {
			return true
		}
	}
	return false
}
