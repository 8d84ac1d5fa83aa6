package daemon

import (
	"slices"
	"time"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/metrics"
	"github.com/loadcron/loadcron/internal/report"
	"github.com/loadcron/loadcron/internal/stats"
)

// restoreWindows fills every configured scenario's run windows (the
// recent_runs and window_* gauges the alert rules judge) from the run
// history, so that a restart continues the judgement where it stopped:
// an alert firing before the restart fires again at once instead of
// resolving until enough new runs come, and one that was quiet stays so.
func (d *Daemon) restoreWindows(cfg *config.Config) {
	type scenario struct{ name, target string }
	for _, suite := range cfg.SuiteNames() {
		// One pass over the suite's history, oldest first.
		runs := map[scenario][]metrics.RunRecord{}
		reports := d.history.List(suite, 0) // newest first
		for _, rep := range slices.Backward(reports) {
			for _, sr := range rep.TestResults {
				k := scenario{sr.Scenario, sr.Target}
				runs[k] = append(runs[k], runRecord(rep, sr))
			}
		}
		for _, sc := range cfg.Suites[suite].Scenarios {
			if r := runs[scenario{sc.Name, sc.Target}]; len(r) > 0 {
				d.metrics.Scenario(suite, sc.Name, sc.Target).RestoreRuns(r)
			}
		}
	}
}

// runRecord is the window record of one scenario result of a stored
// report.
func runRecord(rep *report.Report, sr report.ScenarioResult) metrics.RunRecord {
	if sr.Status == stats.StatusError && sr.TotalRequests == 0 {
		down := false
		for _, hc := range rep.HealthChecks {
			down = down || (hc.Target == sr.Target && !hc.Healthy)
		}
		return metrics.RunRecord{Status: sr.Status, TargetDown: down}
	}
	r := metrics.RunRecord{
		Status: sr.Status, Measured: true,
		Requests: sr.TotalRequests, Successful: sr.Successful, Failed: sr.Failed,
		HTTP5xx:   sr.Errors["http_5xx"],
		CacheHits: sr.CachedResponses, CacheMisses: sr.CacheMisses, Dropped: sr.Dropped,
		P95: msDuration(sr.P95LatencyMs), P99: msDuration(sr.P99LatencyMs),
	}
	if st := sr.Streaming; st != nil {
		r.Streamed = true
		r.FirstEventP95, r.EventGapP95 = msDuration(st.FirstEvent.P95), msDuration(st.EventGap.P95)
	}
	return r
}

func msDuration(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }
