// Package runner executes one run of a suite: a pre-flight health check of
// each target, then every scenario in order, then the report. It is what
// `loadcron run` does once and what the daemon does on every schedule
// tick.
package runner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/loadgen"
	"github.com/loadcron/loadcron/internal/metrics"
	"github.com/loadcron/loadcron/internal/report"
	"github.com/loadcron/loadcron/internal/result"
	"github.com/loadcron/loadcron/internal/stats"
)

// Runner runs suites of one configuration.
type Runner struct {
	// Config is the configuration the suite belongs to (grades, safety,
	// targets). Required.
	Config *config.Config
	// UserAgent is sent with every request ("loadcron/<version>").
	UserAgent string
	// Version is the loadcron version recorded in the report
	// (loadcron_version); empty leaves it out.
	Version string
	// Logger receives the run's log lines; nil discards them.
	Logger *slog.Logger
	// Metrics, if set, receives live and per-run figures.
	Metrics *metrics.Metrics
	// Console, if set, prints the guide-shaped console report as the run
	// goes (but not the final summary: the caller prints that with the
	// report path).
	Console *report.Console
	// ProgressInterval is how often a live console redraws its progress
	// line. Default 200ms.
	ProgressInterval time.Duration
	// Segment is this replica's share of the load (zero: all of it).
	// Scenarios of which it has no share are left out of its report.
	Segment Segment
}

// NewRunID returns a new run id: UTC start time plus 6 random hex digits,
// sortable and unique enough for one daemon's history.
func NewRunID(t time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// Run runs suite once and returns its finalized report. It never returns
// nil. When ctx ends early, or the run outlasts safety.max_run_duration,
// in-flight requests are canceled, scenarios not started are reported as
// errors, and the report is marked partial.
func (r *Runner) Run(ctx context.Context, suite *config.Suite, runID, trigger string) *report.Report {
	started := time.Now()
	rep := report.New(suite.Name, runID, started)
	rep.Trigger = trigger
	rep.Segment = r.Segment.String()
	log := r.logger().With("suite", suite.Name, "run", runID)
	log.Info("suite run started", "trigger", trigger, "scenarios", len(suite.Scenarios))

	if max := r.Config.Safety.MaxRunDuration; max > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, max)
		defer cancel()
	}
	if r.Console != nil {
		_ = r.Console.Header(suite.Name)
	}

	unhealthy := r.healthChecks(ctx, suite, runID, rep, log)
	// left is what safety.max_requests_per_run leaves for the rest of
	// the run (0 in config means no cap, for runners built in code).
	capped := r.Config.Safety.MaxRequestsPerRun > 0
	left := int64(r.Config.Safety.MaxRequestsPerRun)
	for _, whole := range suite.Scenarios {
		sc, userOffset, mine := r.Segment.apply(whole)
		if !mine {
			log.Info("scenario skipped: this segment has no share of it", "scenario", whole.Name, "segment", r.Segment.String())
			continue
		}
		info := report.InfoFromConfig(sc)
		scLog := log.With("scenario", sc.Name)
		var sr report.ScenarioResult
		switch {
		case ctx.Err() != nil:
			sr = report.ScenarioFromError(info, "not run: "+cancelReason(ctx))
			rep.Partial = true
		case unhealthy[sc.Target] != "":
			sr = report.ScenarioFromError(info, unhealthy[sc.Target])
		case capped && left <= 0:
			sr = report.ScenarioFromError(info, fmt.Sprintf("not run: safety.max_requests_per_run (%d) reached by the scenarios before it", r.Config.Safety.MaxRequestsPerRun))
		default:
			var sent int64
			sr, sent = r.runScenario(ctx, suite, sc, info, userOffset, runID, left, scLog)
			left -= sent
			if ctx.Err() != nil {
				rep.Partial = true
			}
		}
		if sr.Status == stats.StatusError {
			if m := r.scenarioMetrics(suite, sc); m != nil {
				m.SetError(time.Now())
			}
			scLog.Warn("scenario error", "reason", sr.Error)
		}
		rep.Add(sr)
		if r.Console != nil {
			_ = r.Console.ScenarioResult(sr)
		}
	}
	rep.Version = r.Version
	rep.FinishedAt = time.Now()
	rep.Finalize()
	log.Info("suite run finished", "status", rep.Status, "partial", rep.Partial,
		"duration", time.Since(started).Round(time.Millisecond))
	return rep
}

// healthChecks checks each target the suite uses, once, in scenario order,
// and returns the reason per unhealthy target.
func (r *Runner) healthChecks(ctx context.Context, suite *config.Suite, runID string, rep *report.Report, log *slog.Logger) map[string]string {
	unhealthy := map[string]string{}
	seen := map[string]bool{}
	for _, sc := range suite.Scenarios {
		if seen[sc.Target] {
			continue
		}
		seen[sc.Target] = true
		t := r.Config.Targets[sc.Target]
		if r.Console != nil && t.HealthCheck.IsEnabled() {
			_ = r.Console.HealthStart(report.SafeURL(t.URL))
		}
		h := loadgen.CheckHealth(ctx, t, r.Config.Safety.AllowedHosts, r.UserAgent, runID)
		hc := report.HealthCheck{
			Target: t.Name, URL: report.SafeURL(h.URL), Healthy: h.Healthy,
			StatusCode: h.Code, Error: h.Error, DurationSeconds: h.Duration.Seconds(),
		}
		rep.AddHealthCheck(hc)
		if r.Console != nil && t.HealthCheck.IsEnabled() {
			_ = r.Console.HealthResult(hc)
		}
		if r.Metrics != nil && t.HealthCheck.IsEnabled() {
			r.Metrics.SetTargetHealth(t.Name, h.Healthy, h.Duration)
		}
		if !h.Healthy {
			unhealthy[t.Name] = fmt.Sprintf("target %s unhealthy: %s", t.Name, h.Error)
			log.Warn("target unhealthy", "target", t.Name, "url", hc.URL, "err", h.Error)
		}
	}
	return unhealthy
}

func (r *Runner) scenarioMetrics(suite *config.Suite, sc *config.Scenario) *metrics.ScenarioMetrics {
	if r.Metrics == nil {
		return nil
	}
	return r.Metrics.Scenario(suite.Name, sc.Name, sc.Target)
}

// runScenario runs one scenario and turns its figures into a report entry.
// maxRequests is what safety.max_requests_per_run leaves for it (0: no
// cap); it also returns how many requests it sent.
func (r *Runner) runScenario(ctx context.Context, suite *config.Suite, sc *config.Scenario, info report.ScenarioInfo, userOffset int, runID string, maxRequests int64, log *slog.Logger) (report.ScenarioResult, int64) {
	target := r.Config.Targets[sc.Target]
	workers := sc.PeakUsers()
	if sc.IsOpen() {
		workers = sc.MaxInFlight
	}
	col := stats.NewCollector(workers,
		stats.WithSecrets(secretValues(target, sc)...),
		// Once per new cause per scenario run, so the log says why
		// requests fail without a line per request.
		stats.OnNewCause(func(c stats.Cause) {
			log.Warn("new error cause", "kind", c.Kind, "cause", c.Cause, "example", c.Example)
		}))
	sm := r.scenarioMetrics(suite, sc)
	progress := &loadgen.Progress{}
	hooks := loadgen.Hooks{Progress: progress}
	if sm != nil {
		sm.BeginRun(runID) // exemplars name this run, and its own slow requests
		hooks.InFlight = sm.InFlight()
		hooks.Users = sm.VirtualUsers()
		hooks.Recorder = func(w int) result.Recorder { return result.Tee{col.Recorder(w), sm.Recorder()} }
		hooks.Dropped = func(n int64) { col.AddDropped(n); sm.AddDropped(n) }
		if sc.IsOpen() {
			hooks.PlannedRate = sm.PlannedRate()
		} else {
			hooks.PlannedUsers = sm.PlannedUsers()
		}
	} else {
		hooks.Recorder = col.Recorder
		hooks.Dropped = col.AddDropped
	}

	if r.Console != nil {
		_ = r.Console.ScenarioStart(info)
	}
	log.Info("scenario started", "target", sc.Target, "users", sc.PeakUsers(), "rate", sc.Rate,
		"stages", len(sc.Stages), "ramp_up", sc.RampUp)
	stopProgress := r.showProgress(progress, info.Planned())
	out, err := loadgen.Run(ctx, &loadgen.Spec{
		Suite: suite.Name, RunID: runID, UserAgent: r.UserAgent, Target: target, Scenario: sc,
		UserOffset: userOffset, AllowedHosts: r.Config.Safety.AllowedHosts, MaxRequests: maxRequests,
	}, hooks)
	stopProgress()
	if err != nil {
		return report.ScenarioFromError(info, err.Error()), 0
	}
	if r.Console != nil {
		_ = r.Console.ProgressDone(progress.Done.Load(), max(info.Planned(), progress.Done.Load()))
	}

	sum := col.Summary(out.Elapsed, target.CostPerUncachedRequest)
	v := stats.Evaluate(sum, sc.Thresholds, r.Config.Grades, sc.IsCritical())
	switch {
	case out.Aborted, out.Canceled:
		v.Status = stats.StatusError
	case out.Refused != "":
		// Load was meant to go where it may not (or was not valid HTTP):
		// whatever the thresholds say, this run did not test what the
		// config describes.
		v.Status = stats.StatusError
	}
	sr := report.ScenarioFromSummary(info, sum, v)
	sr.LoadTimeline = report.Timeline(out.Timeline, sc.IsOpen())
	switch {
	case out.Aborted:
		sr.Aborted, sr.Error = true, out.AbortReason
	case out.Canceled:
		sr.Aborted, sr.Error = true, "canceled: "+cancelReason(ctx)
	case out.Refused != "":
		sr.Error = fmt.Sprintf("%d requests refused before sending (error kind disallowed), the first: %s",
			sum.Errors[result.KindDisallowed], out.Refused)
		log.Warn("requests refused by the safety checks", "refused", sum.Errors[result.KindDisallowed], "first", out.Refused)
	}
	if sm != nil {
		sm.SetRun(sum, v, time.Now())
	}
	for _, viol := range v.Violations {
		log.Warn("threshold violated", violationAttrs(viol)...)
	}
	level := slog.LevelInfo
	if v.Status != stats.StatusPassed {
		level = slog.LevelWarn
	}
	attrs := []any{"status", v.Status, "grade", v.Grade, "violations", len(v.Violations),
		"requests", sum.Total, "failed", sum.Failed, "success_rate", sum.SuccessRate,
		"avg_ms", millis(sum.Avg), "p95_ms", millis(sum.P95), "cache_hit_rate", sum.CacheHitRate,
		"throughput_rps", sum.Throughput, "dropped", sum.Dropped}
	if st := sum.Stream; st != nil {
		attrs = append(attrs, "streams", st.Streams, "streams_ended", st.Ended,
			"first_event_p95_ms", millis(st.FirstEvent.P95), "event_gap_p95_ms", millis(st.EventGap.P95))
	}
	if len(sum.Slowest) > 0 && !sum.Slowest[0].TraceID.IsZero() {
		attrs = append(attrs, "slowest_ms", millis(sum.Slowest[0].Latency), "slowest_trace_id", sum.Slowest[0].TraceID.String())
	}
	log.Log(ctx, level, "scenario finished", attrs...)
	return sr, out.Sent
}

// violationAttrs are the log attributes of a violation: threshold, value,
// limit (latencies in milliseconds, keys value_ms and limit_ms), the
// condition that failed and whether it fails the suite.
func violationAttrs(v stats.Violation) []any {
	value, limit, suffix := v.Value, v.Limit, ""
	if v.Unit == stats.UnitSeconds {
		value, limit, suffix = v.Value*1000, v.Limit*1000, "_ms"
	}
	return []any{
		"threshold", v.Threshold, "value" + suffix, round3(value), "limit" + suffix, round3(limit),
		"comparison", v.Comparison, "critical", v.Critical,
	}
}

// millis is d in milliseconds with 3 decimals, for log attributes named
// *_ms.
func millis(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// secretValues are the values a failure's cause must never show: every
// target header value (all are secrets, see config.Redacted) and the
// static values of the scenario's secret-named request headers.
func secretValues(t *config.Target, sc *config.Scenario) []string {
	var out []string
	for _, v := range t.Headers {
		out = append(out, v)
	}
	for name, v := range sc.Request.Headers {
		if config.IsSecret(name) {
			out = append(out, v)
		}
	}
	return out
}

// showProgress redraws the console's live progress line until stopped.
func (r *Runner) showProgress(p *loadgen.Progress, planned int64) (stop func()) {
	if r.Console == nil || !r.Console.Live {
		return func() {}
	}
	every := r.ProgressInterval
	if every <= 0 {
		every = 200 * time.Millisecond
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_ = r.Console.Progress(p.Done.Load(), planned)
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

// cancelReason says why ctx ended.
func cancelReason(ctx context.Context) string {
	if cause := context.Cause(ctx); cause != nil && cause != ctx.Err() {
		return cause.Error()
	}
	if ctx.Err() == context.DeadlineExceeded {
		return "safety.max_run_duration reached"
	}
	return "run canceled"
}
