package metrics

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/result"
	"github.com/loadcron/loadcron/internal/stats"
)

// streamConfig has a streamed scenario (with both streaming thresholds)
// and a plain one.
func streamConfig() *config.Config {
	return &config.Config{
		Targets: map[string]*config.Target{"chatsim": {Name: "chatsim"}},
		Suites: map[string]*config.Suite{
			"chat": {Name: "chat", Scenarios: []*config.Scenario{
				{Name: "tokens", Target: "chatsim",
					Request: config.Request{Stream: config.StreamSSE},
					Thresholds: config.Thresholds{
						MaxP95FirstEvent: ptr(1500 * time.Millisecond),
						MaxP95EventGap:   ptr(250 * time.Millisecond),
					}},
				{Name: "plain", Target: "chatsim"},
			}},
		},
	}
}

func TestStreamMetricsValues(t *testing.T) {
	m, reg := newTestMetrics(t, Options{})
	m.SetConfig(streamConfig())
	labels := `scenario="tokens",suite="chat",target="chatsim"`

	// Configured: the threshold gauges, and the stream series at zero for
	// the streamed scenario only.
	compare(t, reg, `
# HELP loadcron_threshold_max_p95_first_event_seconds Configured maximum P95 time to first event of streamed responses; present only where configured.
# TYPE loadcron_threshold_max_p95_first_event_seconds gauge
loadcron_threshold_max_p95_first_event_seconds{`+labels+`} 1.5
# HELP loadcron_threshold_max_p95_event_gap_seconds Configured maximum P95 gap between events of streamed responses; present only where configured.
# TYPE loadcron_threshold_max_p95_event_gap_seconds gauge
loadcron_threshold_max_p95_event_gap_seconds{`+labels+`} 0.25
# HELP loadcron_stream_events_total Events received in streamed responses (end events excluded).
# TYPE loadcron_stream_events_total counter
loadcron_stream_events_total{`+labels+`} 0
`, "loadcron_threshold_max_p95_first_event_seconds", "loadcron_threshold_max_p95_event_gap_seconds", "loadcron_stream_events_total")

	s := m.Scenario("chat", "tokens", "chatsim")
	rec := s.Recorder()
	// Two streams: first events at 0.25s and 2s, gaps 0.0625, 0.125, 0.5.
	rec.(result.GapRecorder).RecordGaps([]time.Duration{62500 * time.Microsecond, 125 * time.Millisecond})
	rec.Record(&result.Result{Latency: time.Second, Code: 200, Streamed: true,
		Stream: result.Stream{FirstEvent: 250 * time.Millisecond, Events: 3, Ended: true}})
	rec.(result.GapRecorder).RecordGaps([]time.Duration{500 * time.Millisecond})
	rec.Record(&result.Result{Latency: 3 * time.Second, Code: 200, Streamed: true,
		Stream: result.Stream{FirstEvent: 2 * time.Second, Events: 2, Ended: true}})
	// A stream cut before its first event: counted as a stream, no first event.
	rec.Record(&result.Result{Latency: time.Second, Code: 200, Kind: result.KindBody, Streamed: true})

	compare(t, reg, `
# HELP loadcron_stream_events_total Events received in streamed responses (end events excluded).
# TYPE loadcron_stream_events_total counter
loadcron_stream_events_total{`+labels+`} 5
# HELP loadcron_stream_first_event_seconds Time from the (intended) send time to the first event of a streamed response (for a chat API, the first token).
# TYPE loadcron_stream_first_event_seconds histogram
`+histSeries("loadcron_stream_first_event_seconds", labels, 0.25, 2)+`# HELP loadcron_stream_event_gap_seconds Time between consecutive events of a streamed response.
# TYPE loadcron_stream_event_gap_seconds histogram
`+gapSeries(labels, 0.0625, 0.125, 0.5),
		"loadcron_stream_events_total", "loadcron_stream_first_event_seconds", "loadcron_stream_event_gap_seconds")

	s.SetRun(stats.Summary{Total: 3, Successful: 2, Failed: 1,
		Stream: &stats.StreamSummary{Streams: 3, Ended: 2, Events: 5,
			FirstEvent: stats.Distribution{Count: 2, P50: 250 * time.Millisecond, P95: 2 * time.Second, P99: 2 * time.Second, Max: 2 * time.Second},
			EventGap:   stats.Distribution{Count: 3, P50: 125 * time.Millisecond, P95: 500 * time.Millisecond, P99: 500 * time.Millisecond, Max: 500 * time.Millisecond},
		}}, stats.Verdict{Status: stats.StatusFailed, Grade: stats.GradeExcellent}, t0)
	compare(t, reg, `
# HELP loadcron_last_run_stream_first_event_seconds Exact time-to-first-event statistic of the last finished run's streamed responses.
# TYPE loadcron_last_run_stream_first_event_seconds gauge
loadcron_last_run_stream_first_event_seconds{scenario="tokens",stat="max",suite="chat",target="chatsim"} 2
loadcron_last_run_stream_first_event_seconds{scenario="tokens",stat="p50",suite="chat",target="chatsim"} 0.25
loadcron_last_run_stream_first_event_seconds{scenario="tokens",stat="p95",suite="chat",target="chatsim"} 2
loadcron_last_run_stream_first_event_seconds{scenario="tokens",stat="p99",suite="chat",target="chatsim"} 2
# HELP loadcron_last_run_stream_event_gap_seconds Exact inter-event gap statistic of the last finished run's streamed responses.
# TYPE loadcron_last_run_stream_event_gap_seconds gauge
loadcron_last_run_stream_event_gap_seconds{scenario="tokens",stat="max",suite="chat",target="chatsim"} 0.5
loadcron_last_run_stream_event_gap_seconds{scenario="tokens",stat="p50",suite="chat",target="chatsim"} 0.125
loadcron_last_run_stream_event_gap_seconds{scenario="tokens",stat="p95",suite="chat",target="chatsim"} 0.5
loadcron_last_run_stream_event_gap_seconds{scenario="tokens",stat="p99",suite="chat",target="chatsim"} 0.5
`, "loadcron_last_run_stream_first_event_seconds", "loadcron_last_run_stream_event_gap_seconds")

	// The plain scenario has no stream series; the names lint clean.
	if n := countSeries(t, reg, `scenario="plain"`, "loadcron_stream_"); n != 0 {
		t.Errorf("plain scenario has %d stream series", n)
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}

	// A reload that stops streaming drops the series and thresholds.
	cfg := streamConfig()
	sc := cfg.Suites["chat"].Scenarios[0]
	sc.Request.Stream, sc.Thresholds = "", config.Thresholds{}
	m.SetConfig(cfg)
	if n := countSeries(t, reg, `scenario="tokens"`, "loadcron_stream_", "loadcron_threshold_max_p95_"); n != 0 {
		t.Errorf("%d stream series left after the reload", n)
	}
}

// TestRecordStreamDoesNotAllocate: a streamed result and a batch of gaps
// cost no allocation once the recorder has its handles.
func TestRecordStreamDoesNotAllocate(t *testing.T) {
	m, _ := newTestMetrics(t, Options{NativeHistograms: true})
	m.SetConfig(streamConfig())
	rec := m.Scenario("chat", "tokens", "chatsim").Recorder()
	res := &result.Result{Latency: time.Second, Code: 200, Streamed: true, Stream: result.Stream{FirstEvent: time.Second, Events: 9, Ended: true}}
	gaps := []time.Duration{time.Millisecond, 2 * time.Millisecond}
	rec.Record(res)
	if n := testing.AllocsPerRun(200, func() {
		rec.(result.GapRecorder).RecordGaps(gaps)
		rec.Record(res)
	}); n != 0 {
		t.Errorf("%v allocations per streamed result", n)
	}
}

// gapSeries renders one histogram series over GapBuckets.
func gapSeries(labels string, obs ...float64) string {
	var b strings.Builder
	sum := 0.0
	for _, o := range obs {
		sum += o
	}
	for _, le := range GapBuckets {
		n := 0
		for _, o := range obs {
			if o <= le {
				n++
			}
		}
		fmt.Fprintf(&b, "loadcron_stream_event_gap_seconds_bucket{%s,le=\"%g\"} %d\n", labels, le, n)
	}
	fmt.Fprintf(&b, "loadcron_stream_event_gap_seconds_bucket{%s,le=\"+Inf\"} %d\n", labels, len(obs))
	fmt.Fprintf(&b, "loadcron_stream_event_gap_seconds_sum{%s} %g\n", labels, sum)
	fmt.Fprintf(&b, "loadcron_stream_event_gap_seconds_count{%s} %d\n", labels, len(obs))
	return b.String()
}

// countSeries counts the series whose family name starts with one of
// prefixes and whose labels contain match (`name="value"`).
func countSeries(t *testing.T, g prometheus.Gatherer, match string, prefixes ...string) int {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	name, value, _ := strings.Cut(match, "=")
	value = strings.Trim(value, `"`)
	n := 0
	for _, mf := range mfs {
		ok := false
		for _, p := range prefixes {
			ok = ok || strings.HasPrefix(mf.GetName(), p)
		}
		if !ok {
			continue
		}
		for _, mt := range mf.GetMetric() {
			for _, lp := range mt.GetLabel() {
				if lp.GetName() == name && lp.GetValue() == value {
					n++
				}
			}
		}
	}
	return n
}

// TestStreamRunWindow: the second largest streaming P95s of the last 3
// measured runs that streamed, for the 2-of-3 streaming alert; absent
// before two such runs.
func TestStreamRunWindow(t *testing.T) {
	m, reg := newTestMetrics(t, Options{})
	m.SetConfig(streamConfig())
	s := m.Scenario("chat", "tokens", "chatsim")
	run := func(first, gap time.Duration) {
		s.SetRun(stats.Summary{Total: 10, Successful: 10, Stream: &stats.StreamSummary{
			FirstEvent: stats.Distribution{P95: first}, EventGap: stats.Distribution{P95: gap}}},
			stats.Verdict{Status: stats.StatusPassed}, t0)
	}
	base := []string{"scenario", "tokens"}
	run(time.Second, 100*time.Millisecond)
	if n := countSeries(t, reg, `scenario="tokens"`, "loadcron_recent_runs_stream_seconds"); n != 0 {
		t.Errorf("%d window series after one run", n)
	}
	run(3*time.Second, 50*time.Millisecond)
	run(2*time.Second, 400*time.Millisecond)
	if got := value(t, reg, "loadcron_recent_runs_stream_seconds", base, "stat", "first_event_p95"); got != 2 {
		t.Errorf("first event window %v, want 2 (second largest of 1, 3, 2)", got)
	}
	if got := value(t, reg, "loadcron_recent_runs_stream_seconds", base, "stat", "event_gap_p95"); got != 0.1 {
		t.Errorf("gap window %v, want 0.1 (second largest of .1, .05, .4)", got)
	}
	// A run that read no stream does not count, and pushes the oldest out
	// of the last 3: 3s and 2s remain.
	s.SetRun(stats.Summary{Total: 10, Successful: 10}, stats.Verdict{Status: stats.StatusPassed}, t0)
	if got := value(t, reg, "loadcron_recent_runs_stream_seconds", base, "stat", "first_event_p95"); got != 2 {
		t.Errorf("first event window %v, want 2 (second largest of 3, 2)", got)
	}
}
