package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// healthyRuns is how many consecutive passing runs the healthy phase
// waits for: enough for "no alert fires" to cover several runs, and for
// the latency baseline to hold mostly healthy samples.
const healthyRuns = 4

// healthyPhase: every run passes, the rules evaluate without error, no
// alert fires, and every dashboard query returns data.
func healthyPhase(t *testing.T, s *stack) {
	var runs []runReport
	eventually(t, 60*time.Second, fmt.Sprintf("%d runs", healthyRuns), func() (bool, string) {
		var err error
		runs, err = loadcronRuns(s.lc, e2eSuite)
		return err == nil && len(runs) >= healthyRuns, fmt.Sprintf("%d runs, %v", len(runs), err)
	})
	for _, r := range runs {
		if r.Status != "passed" || len(r.TestResults) != len(e2eScenarios) {
			t.Errorf("run %s (%s): status %s with %d scenarios, want passed with %d", r.RunID, r.Trigger, r.Status, len(r.TestResults), len(e2eScenarios))
		}
		for _, sc := range r.TestResults {
			if sc.Status != "passed" {
				t.Errorf("run %s: scenario %s %s (p95 %.1fms, cache %.2f, errors %v %s)", r.RunID, sc.Scenario, sc.Status, sc.P95LatencyMS, sc.CacheHitRate, sc.Errors, sc.Error)
			}
		}
	}
	lastRun := runs[0].FinishedAt

	// A few evaluation cycles of every group after Prometheus has the
	// last run's figures.
	eventually(t, 30*time.Second, "Prometheus has every scenario's last run", func() (bool, string) {
		v, err := promVector(s.prom, `count(loadcron_last_run_passed == 1)`)
		return err == nil && len(v) == 1 && v[0].value() == fmt.Sprint(len(e2eScenarios)), fmt.Sprint(v, err)
	})
	evaluatedAfter(t, s.prom, lastRun.Add(3*time.Second))

	firing, err := promFiring(s.prom)
	if err != nil {
		t.Fatal(err)
	}
	if len(firing) > 0 {
		t.Errorf("healthy stack: Prometheus has alerts firing: %v", firing)
	}
	alerts, err := amAlerts(s.am)
	if err != nil {
		t.Fatal(err)
	}
	if got := summarize(alerts); got != "" {
		t.Errorf("healthy stack: Alertmanager has alerts: %s", got)
	}

	checkDashboardQueries(t, s.prom, s.inst)
}

// evaluatedAfter waits until every rule group was evaluated after t0, and
// checks that every rule is healthy.
func evaluatedAfter(t *testing.T, prom string, t0 time.Time) {
	t.Helper()
	var groups []promRuleGroup
	eventually(t, 30*time.Second, "rule evaluation after "+t0.Format(time.TimeOnly), func() (bool, string) {
		var err error
		groups, err = promRules(prom)
		if err != nil || len(groups) == 0 {
			return false, fmt.Sprint("no rule groups ", err)
		}
		for _, g := range groups {
			if !g.LastEvaluation.After(t0) {
				return false, fmt.Sprintf("group %s last evaluated %s", g.Name, g.LastEvaluation.Format(time.TimeOnly))
			}
		}
		return true, ""
	})
	for _, g := range groups {
		for _, r := range g.Rules {
			if r.Health != "ok" {
				t.Errorf("rule %s (group %s): health %q, %s", r.Name, g.Name, r.Health, r.LastError)
			}
		}
	}
}

// cacheOffPhase: with the cache off every reply is uncached (slow), so the
// cache-hit, P95, failed-scenario, regression, throughput and dropped-
// request alerts arrive; a reset resolves them.
func cacheOffPhase(t *testing.T, s *stack) {
	t0 := time.Now()
	s.sim.faults(`{"cache_off": true}`)
	r := s.waitRun(t, t0, "a run with the cache off")
	for _, sc := range r.TestResults {
		if sc.CacheHitRate != 0 || sc.P95LatencyMS <= 300 || sc.Status == "passed" {
			t.Errorf("cache off: scenario %s: cache hit rate %.2f, p95 %.0fms, status %s; want 0, > 300ms, not passed", sc.Scenario, sc.CacheHitRate, sc.P95LatencyMS, sc.Status)
		}
	}
	awaitAlerts(t, s.am, []wantAlert{
		{"LoadcronCacheHitRatioLow", "critical", perScenario, e2eScenarios},
		{"LoadcronCacheHitRatioBelowMinimum", "warning", perScenario, e2eScenarios},
		{"LoadcronP95AboveThreshold", "warning", perScenario, e2eScenarios},
		{"LoadcronCriticalScenarioFailed", "critical", perScenario, critical},
		{"LoadcronLatencyRegression", "warning", perScenario, e2eScenarios},
		{"LoadcronDroppedRequests", "warning", perScenario, []string{"open"}},
	}, 90*time.Second)
	// The shipped routing delivers them to the right receivers.
	eventually(t, 30*time.Second, "notifications to pager and ticket", func() (bool, string) {
		return s.hook.seen("pager", "firing", "LoadcronCacheHitRatioLow") &&
			s.hook.seen("ticket", "firing", "LoadcronP95AboveThreshold"), "not yet"
	})

	s.recover(t)
	eventually(t, 30*time.Second, "resolved notification", func() (bool, string) {
		return s.hook.seen("pager", "resolved", "LoadcronCacheHitRatioLow"), "not yet"
	})
}

// errorPhase: half the chat requests answer 500, so the error-ratio and
// 5xx alerts arrive; a reset resolves them (the 5xx ratio once its window
// has no 5xx left).
func errorPhase(t *testing.T, s *stack) {
	t0 := time.Now()
	s.sim.faults(`{"error_ratio": 0.5}`)
	r := s.waitRun(t, t0, "a run with errors injected")
	var failed int
	for _, sc := range r.TestResults {
		failed += sc.Errors["http_5xx"]
	}
	if failed == 0 {
		t.Errorf("error ratio 0.5: run %s has no http_5xx error", r.RunID)
	}
	awaitAlerts(t, s.am, []wantAlert{
		{"LoadcronErrorRatioHigh", "critical", perScenario, e2eScenarios},
		{"LoadcronHTTP5xxRatioHigh", "critical", perScenario, e2eScenarios},
	}, 90*time.Second)
	s.recover(t)
}

// targetDownPhase: chatsim stops, its health check fails, so the
// target-down alert arrives; runs that could not start count towards no
// scenario alert, and the scenario alerts there are (info) are inhibited
// by it (the shipped inhibit rule); a restart resolves them.
func targetDownPhase(t *testing.T, s *stack) {
	s.sim.stop(t)
	awaitAlerts(t, s.am, []wantAlert{
		{"LoadcronTargetDown", "critical", perTarget, nil},
	}, 90*time.Second)
	eventually(t, 30*time.Second, "scenario alerts inhibited by LoadcronTargetDown", func() (bool, string) {
		alerts, err := amAlerts(s.am)
		if err != nil {
			return false, err.Error()
		}
		var bad []string
		for _, a := range alerts {
			if a.Labels["scenario"] != "" && (a.Status.State != "suppressed" || len(a.Status.InhibitedBy) == 0) {
				bad = append(bad, alertKey(a)+" "+a.Status.State)
			}
		}
		return len(bad) == 0, "not inhibited: " + strings.Join(bad, ", ")
	})

	s.sim.start()
	s.recover(t)
}

// daemonPhase: a config file that does not load makes the reload fail;
// restoring it resolves the alert. Then loadcron stops: its scrape fails
// and its series disappear; a restart on the same address resolves both.
func daemonPhase(t *testing.T, s *stack) {
	good, err := os.ReadFile(s.lcCfg)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Dir(s.lcCfg), filepath.Base(s.lcCfg), string(good)+"\nno_such_key: 1\n")
	if code, body, err := httpDo("POST", s.lc+"/-/reload", nil); err != nil || code != 500 {
		t.Errorf("reload of a bad config: %d %s %v, want 500", code, body, err)
	}
	awaitAlerts(t, s.am, []wantAlert{{"LoadcronConfigReloadFailed", "warning", perDaemon, nil}}, 60*time.Second)
	writeFile(t, filepath.Dir(s.lcCfg), filepath.Base(s.lcCfg), string(good))
	mustDo(t, "POST", s.lc+"/-/reload", "")
	awaitNoAlerts(t, s.am, s.prom, 60*time.Second)

	s.lproc.stop(t)
	awaitAlerts(t, s.am, []wantAlert{
		{"LoadcronDaemonDown", "critical", perDaemon, nil},
	}, 60*time.Second)
	s.lproc = s.lproc.restart(t)
	waitReady(t, s.lproc, s.lc+"/-/ready")
	awaitNoAlerts(t, s.am, s.prom, 60*time.Second)
}
