package runner

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/loadcron/loadcron/internal/chatsim"
	"github.com/loadcron/loadcron/internal/chatsim/chatsimtest"
	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/metrics"
	"github.com/loadcron/loadcron/internal/report"
	"github.com/loadcron/loadcron/internal/stats"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startChatsim runs a fast simulated chat API on loopback.
func startChatsim(t *testing.T, faults chatsim.Faults) (*chatsim.Server, string) {
	t.Helper()
	return chatsimtest.Start(t, chatsimtest.WithFaults(faults))
}

// shippedConfig loads config/loadcron.yaml pointed at url.
func shippedConfig(t *testing.T, url string) *config.Config {
	t.Helper()
	data, err := os.ReadFile("../../config/loadcron.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(data, "config/loadcron.yaml", config.LoadOptions{
		Overrides: map[string]any{"targets.chat.url": url},
	})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestGuideSuiteAgainstChatsim(t *testing.T) {
	sim, url := startChatsim(t, chatsim.Faults{})
	cfg := shippedConfig(t, url)
	var out bytes.Buffer
	r := &Runner{Config: cfg, UserAgent: "loadcron/test", Version: "1.2.3", Console: &report.Console{W: &out}}
	rep := r.Run(context.Background(), cfg.Suites["chat"], "run-guide", "manual")

	if rep.Status != stats.StatusPassed || !rep.Passed || rep.Partial {
		t.Fatalf("status %s passed %v partial %v\n%s", rep.Status, rep.Passed, rep.Partial, out.String())
	}
	// The report names the version, not the User-Agent (issue 8 §7).
	if rep.Version != "1.2.3" {
		t.Errorf("loadcron_version %q, want 1.2.3", rep.Version)
	}
	// The guide's five scenarios with their planned request counts.
	want := []struct {
		name  string
		total int64
	}{
		{"Baseline: Single User", 5},
		{"Light Load: 5 Concurrent Users", 20},
		{"Medium Load: 10 Concurrent Users", 30},
		{"Heavy Load: 20 Concurrent Users", 60},
		{"Stress Test: 50 Concurrent Users", 100},
	}
	if len(rep.TestResults) != len(want) {
		t.Fatalf("%d scenarios, want %d", len(rep.TestResults), len(want))
	}
	var total, hits, misses int64
	for i, w := range want {
		sr := rep.TestResults[i]
		if sr.Scenario != w.name || sr.TotalRequests != w.total || sr.Successful != w.total {
			t.Errorf("scenario %d: %s total %d ok %d, want %s %d", i, sr.Scenario, sr.TotalRequests, sr.Successful, w.name, w.total)
		}
		total += sr.TotalRequests
		hits += sr.CachedResponses
		misses += sr.CacheMisses
	}
	// Two distinct queries: the first two requests of the run miss, every
	// other one hits; and loadcron's figures equal what chatsim served.
	st := sim.Stats()
	if st.Received != uint64(total) || st.Hits != uint64(hits) || st.Misses != uint64(misses) {
		t.Errorf("chatsim received %d hits %d misses %d; report total %d hits %d misses %d",
			st.Received, st.Hits, st.Misses, total, hits, misses)
	}
	if misses != 2 || hits != total-2 {
		t.Errorf("hits %d misses %d, want %d and 2", hits, misses, total-2)
	}
	if rep.TestResults[0].CacheHitRate != 0.6 {
		t.Errorf("baseline cache hit rate %v, want 0.6 (3 of 5)", rep.TestResults[0].CacheHitRate)
	}
	if err := r.Console.Summary(rep, "data/x.json"); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, s := range []string{
		"Checking server health at " + url,
		"✅ Server is healthy",
		"Results: Baseline: Single User",
		"Load Testing Summary",
		"✅ PASS - Stress Test: 50 Concurrent Users",
		"✅ All critical load tests PASSED!",
	} {
		if !strings.Contains(text, s) {
			t.Errorf("console output lacks %q", s)
		}
	}
}

func TestUnhealthyTargetIsError(t *testing.T) {
	sim, url := startChatsim(t, chatsim.Faults{Unhealthy: true})
	cfg := shippedConfig(t, url)
	rep := (&Runner{Config: cfg}).Run(context.Background(), cfg.Suites["chat"], "run-x", "manual")
	if rep.Status != stats.StatusError || rep.Passed {
		t.Errorf("status %s, want error", rep.Status)
	}
	for _, sr := range rep.TestResults {
		if sr.Status != stats.StatusError || !strings.Contains(sr.Error, "unhealthy") {
			t.Errorf("%s: status %s error %q", sr.Scenario, sr.Status, sr.Error)
		}
	}
	if st := sim.Stats(); st.Received != 0 {
		t.Errorf("an unhealthy target got %d chat requests", st.Received)
	}
}

func TestCriticalFailureFailsSuite(t *testing.T) {
	// Every chat request fails: critical scenarios miss min_success_rate.
	_, url := startChatsim(t, chatsim.Faults{ErrorRatio: 1})
	cfg := shippedConfig(t, url)
	rep := (&Runner{Config: cfg}).Run(context.Background(), cfg.Suites["chat"], "run-y", "manual")
	if rep.Status != stats.StatusFailed || rep.Passed {
		t.Fatalf("status %s, want failed", rep.Status)
	}
	sr := rep.TestResults[0]
	if sr.Status != stats.StatusFailed || sr.Errors["http_5xx"] != 5 {
		t.Errorf("baseline: status %s errors %v", sr.Status, sr.Errors)
	}
}

func TestPercentilesAgainstKnownDelays(t *testing.T) {
	// Request n (0-based) is answered after (n+1)×10 ms: 10 … 200 ms.
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := time.Duration(n.Add(1)) * 10 * time.Millisecond
		time.Sleep(d)
		fmt.Fprint(w, "{}")
	}))
	defer srv.Close()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
targets:
  t: {url: %q, health_check: {enabled: false}}
suites:
  s:
    scenarios:
      - {name: delays, target: t, users: 1, requests_per_user: 20, request: {path: /}}
`, srv.URL)), "inline.yaml", config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep := (&Runner{Config: cfg}).Run(context.Background(), cfg.Suites["s"], "run-d", "manual")
	sr := rep.TestResults[0]
	// Latency can only exceed the server's delay; the slack bounds what a
	// busy machine adds. Rank rule: P95 of 20 is the 19th value, P99 the
	// 20th, the median the 10th.
	const slack = 250.0 // ms
	for _, c := range []struct {
		name string
		got  float64
		want float64
	}{
		{"min", sr.MinLatencyMs, 10}, {"median", sr.MedianLatencyMs, 100},
		{"p95", sr.P95LatencyMs, 190}, {"p99", sr.P99LatencyMs, 200}, {"max", sr.MaxLatencyMs, 200},
		{"avg", sr.AvgLatencyMs, 105},
	} {
		if c.got < c.want*0.999 || c.got > c.want+slack {
			t.Errorf("%s = %.3f ms, want %.0f ms (+ up to %.0f ms)", c.name, c.got, c.want, slack)
		}
	}
}

func TestCanceledRunIsPartial(t *testing.T) {
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(hang)
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
targets:
  t: {url: %q, health_check: {enabled: false}}
suites:
  s:
    scenarios:
      - {name: one, target: t, users: 3, requests_per_user: 2, request: {path: /}}
      - {name: two, target: t, users: 1, requests_per_user: 1, request: {path: /}}
`, srv.URL)), "inline.yaml", config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	rep := (&Runner{Config: cfg}).Run(ctx, cfg.Suites["s"], "run-c", "manual")
	if !rep.Partial || rep.Passed {
		t.Fatalf("partial %v passed %v, want a partial, unpassed report", rep.Partial, rep.Passed)
	}
	one, two := rep.TestResults[0], rep.TestResults[1]
	if !one.Aborted || one.Errors["canceled"] != 3 || one.Status != stats.StatusError {
		t.Errorf("one: aborted %v canceled %d status %s", one.Aborted, one.Errors["canceled"], one.Status)
	}
	if two.Status != stats.StatusError || !strings.HasPrefix(two.Error, "not run") {
		t.Errorf("two: status %s error %q", two.Status, two.Error)
	}
}

func TestSegmentsAddUpToTheSuite(t *testing.T) {
	sim, url := startChatsim(t, chatsim.Faults{})
	cfg := shippedConfig(t, url)
	var total int64
	for i := range 3 {
		r := &Runner{Config: cfg, Segment: Segment{Index: i, Count: 3}}
		rep := r.Run(context.Background(), cfg.Suites["chat"], fmt.Sprintf("seg-%d", i), "manual")
		for _, sr := range rep.TestResults {
			total += sr.TotalRequests
		}
		// the 1-user baseline belongs to replica 0 only
		if has := rep.TestResults[0].Scenario == "Baseline: Single User"; has != (i == 0) {
			t.Errorf("replica %d: first scenario %q", i, rep.TestResults[0].Scenario)
		}
	}
	if total != 215 || sim.Stats().Received != 215 {
		t.Errorf("segments sent %d (chatsim received %d), want the suite's 215", total, sim.Stats().Received)
	}
}

func TestSegmentWithNoSharePasses(t *testing.T) {
	_, url := startChatsim(t, chatsim.Faults{})
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
targets:
  t: {url: %q}
suites:
  s:
    scenarios:
      - {name: one, target: t, users: 1, requests_per_user: 2, request: {path: /api/chat, body: '{"message": "x"}'}}
`, url)), "inline.yaml", config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Replica 2 of 3 has no share of a one-user scenario.
	rep := (&Runner{Config: cfg, Segment: Segment{Index: 2, Count: 3}}).Run(context.Background(), cfg.Suites["s"], "seg-idle", "manual")
	if len(rep.TestResults) != 0 || rep.Status != stats.StatusPassed || !rep.Passed || rep.Segment != "2/3" {
		t.Errorf("idle replica: %d results, status %s, passed %v, segment %q", len(rep.TestResults), rep.Status, rep.Passed, rep.Segment)
	}
}

// TestRampingScenarioReport: a closed-model stages scenario and an open
// one, loaded from YAML, run through the runner: the report states each
// plan (stages) and its planned against actual load over time, and the
// metrics carry the planned load.
func TestRampingScenarioReport(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"cached":true}`)
	}))
	defer srv.Close()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
targets:
  t: {url: %q, health_check: {enabled: false}}
suites:
  s:
    scenarios:
      - name: users
        target: t
        stages: [{duration: 300ms, users: 4}, {duration: 200ms, users: 4}]
      - name: rate
        target: t
        stages: [{duration: 300ms, rate: 100}, {duration: 200ms, rate: 100}]
`, srv.URL)), "inline.yaml", config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	m := metrics.New(reg, metrics.Options{})
	rep := (&Runner{Config: cfg, Metrics: m}).Run(context.Background(), cfg.Suites["s"], "run-r", "manual")
	if len(rep.TestResults) != 2 {
		t.Fatalf("%d results", len(rep.TestResults))
	}
	closed, open := rep.TestResults[0], rep.TestResults[1]
	if closed.Model != report.ModelClosed || closed.Users != 4 || len(closed.Stages) != 2 || closed.DurationS != 0.5 {
		t.Errorf("closed: model %s users %d stages %d duration %v", closed.Model, closed.Users, len(closed.Stages), closed.DurationS)
	}
	if open.Model != report.ModelOpen || open.TotalRequests+open.Dropped != 35 || len(open.Stages) != 2 {
		t.Errorf("open: model %s requests %d+%d stages %d, want 15+20 planned", open.Model, open.TotalRequests, open.Dropped, len(open.Stages))
	}
	for _, sr := range []report.ScenarioResult{closed, open} {
		if sr.Status != stats.StatusPassed || len(sr.LoadTimeline) < 3 {
			t.Fatalf("%s: status %s, %d timeline points", sr.Scenario, sr.Status, len(sr.LoadTimeline))
		}
	}
	for _, p := range closed.LoadTimeline {
		if p.PlannedUsers == nil || p.Users == nil || p.PlannedRate != nil || *p.PlannedUsers > 4 {
			t.Errorf("closed point %+v", p)
		}
	}
	if last := closed.LoadTimeline[len(closed.LoadTimeline)-1]; *last.PlannedUsers != 4 || *last.Users != 4 {
		t.Errorf("closed: last point planned %d running %d, want 4 and 4", *last.PlannedUsers, *last.Users)
	}
	for _, p := range open.LoadTimeline {
		if p.PlannedRate == nil || p.PlannedUsers != nil || *p.PlannedRate > 100 {
			t.Errorf("open point %+v", p)
		}
	}
	// after the run the plans are back at 0
	for _, name := range []string{"loadcron_planned_virtual_users", "loadcron_planned_request_rate"} {
		if n, err := testutil.GatherAndCount(reg, name); err != nil || n != 1 {
			t.Errorf("%s: %d series (%v), want 1", name, n, err)
		}
	}
}

// safety.max_requests_per_run bounds at run time what the config check
// cannot count: closed-model scenarios that run for a duration. The
// scenario that reaches the cap is stopped like the abort rule stops one
// (status error, aborted, the cap as the reason), the ones after it do
// not run, and the target receives exactly the cap.
func TestMaxRequestsPerRunStopsDurationScenarios(t *testing.T) {
	sim, url := startChatsim(t, chatsim.Faults{})
	yaml := `
targets:
  chat:
    url: ` + url + `
safety:
  max_requests_per_run: 40
suites:
  capped:
    scenarios:
      - name: first
        target: chat
        users: 2
        requests_per_user: 10
        request: {path: /api/chat, body: '{"message": "hi"}'}
      - name: timed
        target: chat
        users: 3
        duration: 1m
        request: {path: /api/chat, body: '{"message": "hi"}'}
      - name: after
        target: chat
        users: 1
        duration: 1m
        request: {path: /api/chat, body: '{"message": "hi"}'}
`
	cfg, err := config.Parse([]byte(yaml), "capped.yaml", config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep := (&Runner{Config: cfg}).Run(ctx, cfg.Suites["capped"], "run-cap", "manual")
	if got := sim.Stats().Received; got != 40 {
		t.Errorf("the target received %d chat requests, want the cap, 40", got)
	}
	first, timed, after := rep.TestResults[0], rep.TestResults[1], rep.TestResults[2]
	if first.Status != stats.StatusPassed || first.TotalRequests != 20 {
		t.Errorf("first: status %s, %d requests; want passed with 20", first.Status, first.TotalRequests)
	}
	if timed.Status != stats.StatusError || !timed.Aborted || timed.TotalRequests != 20 ||
		!strings.Contains(timed.Error, "safety.max_requests_per_run") {
		t.Errorf("timed: status %s aborted %v, %d requests, error %q; want error, aborted after 20 by the cap",
			timed.Status, timed.Aborted, timed.TotalRequests, timed.Error)
	}
	if after.Status != stats.StatusError || after.TotalRequests != 0 || !strings.Contains(after.Error, "not run: safety.max_requests_per_run (40)") {
		t.Errorf("after: status %s, %d requests, error %q; want not run", after.Status, after.TotalRequests, after.Error)
	}
	if ctx.Err() != nil {
		t.Error("the run was only ended by the test's deadline")
	}
}
