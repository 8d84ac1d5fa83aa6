package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/loadcron/loadcron/internal/config"
)

// SetConfig makes the exported series follow cfg (call it at start-up and
// after every successful reload):
//
//   - each configured scenario gets its live series (at zero) and one
//     loadcron_threshold_* gauge per configured threshold (latencies in
//     seconds); thresholds no longer configured lose their series;
//   - every series of a scenario (suite/scenario/target triple) that is no
//     longer configured is deleted, last_run_* and runs_total included;
//   - each configured suite gets suite_runs_total{status} and suite_running
//     at zero; every series of a suite no longer configured is deleted, and
//     so are target_up and the health-check duration of removed targets;
//   - loadcron_config_info{hash} is set to 1 for cfg.Hash and the old hash's
//     series is deleted;
//   - loadcron_links_info{external_url, grafana_url} follows
//     server.external_url and server.grafana_url (absent when neither is
//     set).
//
// From the first SetConfig on, suite, scenario and target calls for names
// that are not configured are ignored (a run that outlived a reload). The
// reload gauges are set by ReloadResult, not here.
func (m *Metrics) SetConfig(cfg *config.Config) {
	if cfg == nil {
		return
	}
	suites := make(map[string][]key, len(cfg.Suites))
	thresholds := make(map[key]config.Thresholds)
	streams := make(map[key]bool)
	open := make(map[key]bool)
	for name, su := range cfg.Suites {
		suites[name] = nil
		if su == nil {
			continue
		}
		for _, sc := range su.Scenarios {
			if sc == nil {
				continue
			}
			k := key{name, sc.Name, sc.Target}
			suites[name] = append(suites[name], k)
			thresholds[k] = sc.Thresholds
			streams[k] = sc.IsStream()
			open[k] = sc.IsOpen()
		}
	}
	targets := make(map[string]bool, len(cfg.Targets))
	for name := range cfg.Targets {
		targets[name] = true
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	m.configured = true
	m.suites = suites
	m.cfgTargets = targets

	for k, s := range m.scenarios {
		if _, ok := thresholds[k]; !ok {
			m.vecs.deleteScenario(k)
			s.detachLocked()
			delete(m.scenarios, k)
		}
	}
	for k, t := range thresholds {
		s := m.scenarioLocked(k)
		m.setThresholdsLocked(k, t)
		switch {
		case open[k] && s.dropped == nil:
			// An open-model scenario can drop requests: its counter is
			// there at 0 before the first drop.
			s.dropped = s.vecs.dropped.WithLabelValues(k.suite, k.scenario, k.target)
		case !open[k] && s.dropped != nil:
			s.vecs.dropped.DeleteLabelValues(k.suite, k.scenario, k.target)
			s.vecs.win.recentDropped.DeleteLabelValues(k.suite, k.scenario, k.target)
			s.dropped = nil
		}
		switch {
		case streams[k]:
			s.streamLocked()
		case s.stream != nil:
			// No longer streamed: its stream series go.
			s.dropStreamLocked()
		}
	}

	for name := range m.suiteSeen {
		if _, ok := suites[name]; !ok {
			m.deleteSuiteLocked(name)
		}
	}
	for name := range suites {
		m.suiteSeen[name] = true
		for _, st := range suiteRunStatuses {
			m.suiteRuns.WithLabelValues(name, st)
		}
		m.suiteRunning.WithLabelValues(name)
	}

	for name := range m.targetSeen {
		if !targets[name] {
			m.targetUp.DeleteLabelValues(name)
			m.targetHealthDuration.DeleteLabelValues(name)
			delete(m.targetSeen, name)
			delete(m.targetDown, name)
		}
	}

	hash := orUnknown(cfg.Hash)
	if m.hash != "" && m.hash != hash {
		m.configInfo.DeleteLabelValues(m.hash)
	}
	m.configInfo.WithLabelValues(hash).Set(1)
	m.hash = hash
	m.links.set(cfg.Server.ExternalURL, cfg.Server.GrafanaURL)
}

// setThresholdsLocked sets the configured thresholds of k and deletes the
// others. Callers hold m.mu.
func (m *Metrics) setThresholdsLocked(k key, t config.Thresholds) {
	vals := [numThresholds]*float64{
		thMinSuccess:  t.MinSuccessRate,
		thMaxAvg:      seconds(t.MaxAvgLatency),
		thMaxP95:      seconds(t.MaxP95Latency),
		thMaxP99:      seconds(t.MaxP99Latency),
		thMinCacheHit: t.MinCacheHitRate,

		thMaxP95FirstEvent: seconds(t.MaxP95FirstEvent),
		thMaxP95EventGap:   seconds(t.MaxP95EventGap),
	}
	for i, v := range vals {
		g := m.vecs.thresholds[i]
		if v == nil {
			g.DeleteLabelValues(k.suite, k.scenario, k.target)
			continue
		}
		g.WithLabelValues(k.suite, k.scenario, k.target).Set(*v)
	}
}

func seconds(d *time.Duration) *float64 {
	if d == nil {
		return nil
	}
	s := d.Seconds()
	return &s
}

func (m *Metrics) deleteSuiteLocked(name string) {
	m.suiteRuns.DeletePartialMatch(prometheus.Labels{LabelSuite: name})
	m.suiteNextRun.DeleteLabelValues(name)
	for _, g := range []*prometheus.GaugeVec{m.suiteRunning, m.suiteLastStart, m.suiteLastPassed, m.suiteLastFinish} {
		g.DeleteLabelValues(name)
	}
	delete(m.suiteSeen, name)
}

// suiteOKLocked reports whether suite may have series, and remembers it.
// Callers hold m.mu.
func (m *Metrics) suiteOKLocked(suite string) bool {
	if m.configured {
		if _, ok := m.suites[suite]; !ok {
			return false
		}
	}
	m.suiteSeen[suite] = true
	return true
}

// ReloadResult records the outcome of a configuration (re)load, the first
// load at start-up included: config_last_reload_successful = 1/0 and, on
// success, config_last_reload_success_timestamp_seconds = t.
func (m *Metrics) ReloadResult(ok bool, t time.Time) {
	m.reloadSuccessful.Set(boolFloat(ok))
	if ok {
		m.reloadSuccessfulSec.Set(unixSeconds(t))
	}
}

// SuiteRunStarted sets loadcron_suite_running{suite} to 1 and
// loadcron_suite_last_run_start_timestamp_seconds{suite} to t.
func (m *Metrics) SuiteRunStarted(suite string, t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.suiteOKLocked(suite) {
		m.suiteRunning.WithLabelValues(suite).Set(1)
		m.suiteLastStart.WithLabelValues(suite).Set(unixSeconds(t))
	}
}

// SuiteRunFinished records a finished suite run: suite_running 0,
// suite_runs_total{status} + 1 (status one of passed, failed, error), suite_last_run_passed 1/0 and suite_last_run_timestamp_seconds t.
// Per-scenario figures are set by ScenarioMetrics.SetRun/SetError.
func (m *Metrics) SuiteRunFinished(suite, status string, passed bool, t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.suiteOKLocked(suite) {
		return
	}
	m.suiteRuns.WithLabelValues(suite, status).Inc()
	m.suiteRunning.WithLabelValues(suite).Set(0)
	m.suiteLastPassed.WithLabelValues(suite).Set(boolFloat(passed))
	m.suiteLastFinish.WithLabelValues(suite).Set(unixSeconds(t))
}

// SuiteSkipped counts a scheduled run that was skipped because the
// previous run of the suite still ran: suite_runs_total{status="skipped"}
// and, for each configured scenario of the suite, runs_total{status=
// "skipped"}. Before any SetConfig only the suite counter moves.
func (m *Metrics) SuiteSkipped(suite string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.suiteOKLocked(suite) {
		return
	}
	m.suiteRuns.WithLabelValues(suite, StatusSkipped).Inc()
	for _, k := range m.suites[suite] {
		m.scenarioLocked(k).runs[StatusSkipped].Inc()
	}
}

// SetNextRun sets loadcron_suite_next_run_timestamp_seconds{suite} to t;
// the zero time deletes the series (nothing scheduled).
func (m *Metrics) SetNextRun(suite string, t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t.IsZero() {
		m.suiteNextRun.DeleteLabelValues(suite)
		return
	}
	if m.suiteOKLocked(suite) {
		m.suiteNextRun.WithLabelValues(suite).Set(unixSeconds(t))
	}
}

// SetTargetHealth records a target's pre-flight health check:
// loadcron_target_up 1/0 and its duration in seconds.
func (m *Metrics) SetTargetHealth(target string, up bool, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.configured && !m.cfgTargets[target] {
		return
	}
	m.targetSeen[target] = true
	m.targetDown[target] = !up
	m.targetUp.WithLabelValues(target).Set(boolFloat(up))
	m.targetHealthDuration.WithLabelValues(target).Set(d.Seconds())
}
