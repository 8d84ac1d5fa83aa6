package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.uber.org/goleak"

	"github.com/loadcron/loadcron/internal/chatsim"
	"github.com/loadcron/loadcron/internal/chatsim/chatsimtest"
	"github.com/loadcron/loadcron/internal/report"
	"github.com/loadcron/loadcron/internal/testtools"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startChatsim runs a simulated chat API on loopback.
func startChatsim(t *testing.T, latency time.Duration) (*chatsim.Server, string) {
	t.Helper()
	opts := chatsimtest.Options()
	opts.UncachedLatency, opts.CachedLatency = latency, latency/5+time.Millisecond
	return chatsimtest.Start(t, opts)
}

// suiteYAML is a two-scenario suite against url on schedule.
func suiteYAML(url, schedule, extra string) string {
	return fmt.Sprintf(`
targets:
  chat:
    url: %q
    cost_per_uncached_request: 0.25
suites:
  chat:
    schedule: %q
    scenarios:
      - name: baseline
        target: chat
        users: 1
        requests_per_user: 4
        request: &req
          path: /api/chat
          body: '{"message": {{json .Query}}}'
          queries: ["refund policy", "reset password"]
        thresholds:
          min_success_rate: 0.95
          max_avg_latency: 3s
          max_p95_latency: 5s
          max_p99_latency: 8s
          min_cache_hit_rate: 0.25
      - name: light
        target: chat
        users: 3
        requests_per_user: 2
        critical: false
        request: *req
        thresholds:
          min_success_rate: 0.9
%s`, url, schedule, extra)
}

type testDaemon struct {
	addr   string
	file   string
	dir    string
	cancel context.CancelFunc
	done   chan error
}

// start runs a daemon on 127.0.0.1:0 with cfg written to a file in dir.
func start(t *testing.T, dir, cfg string) *testDaemon {
	t.Helper()
	file := filepath.Join(dir, "loadcron.yaml")
	if err := os.WriteFile(file, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &testDaemon{addr: "http://" + ln.Addr().String(), file: file, dir: dir, cancel: cancel, done: make(chan error, 1)}
	go func() {
		d.done <- Run(ctx, Options{
			ConfigFile: file, Listener: ln, WatchInterval: -1, NativeHistograms: true,
			Overrides: map[string]any{"history.dir": filepath.Join(dir, "data")},
		})
	}()
	waitFor(t, "ready", func() bool { return get(t, d.addr+"/-/ready") == 200 })
	t.Cleanup(func() { d.stop(t) })
	return d
}

func (d *testDaemon) stop(t *testing.T) {
	if d.cancel == nil {
		return
	}
	d.cancel()
	d.cancel = nil
	select {
	case err := <-d.done:
		if err != nil {
			t.Errorf("daemon: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("daemon did not stop")
	}
}

func get(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func do(t *testing.T, method, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func runs(t *testing.T, addr string) []*report.Report {
	t.Helper()
	resp, err := http.Get(addr + "/api/v1/runs?limit=1000")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Runs []*report.Report `json:"runs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Runs
}

func scrape(t *testing.T, addr string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return mfs
}

// value sums the samples of name whose labels include want.
func value(mfs map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	mf, ok := mfs[name]
	if !ok {
		return 0, false
	}
	sum, found := 0.0, false
next:
	for _, m := range mf.Metric {
		have := map[string]string{}
		for _, lp := range m.Label {
			have[lp.GetName()] = lp.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		case m.Untyped != nil:
			sum += m.Untyped.GetValue()
		}
	}
	return sum, found
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestScheduledRunsMatchMetrics(t *testing.T) {
	sim, url := startChatsim(t, 5*time.Millisecond)
	d := start(t, t.TempDir(), suiteYAML(url, "@every 1s", ""))
	waitFor(t, "two scheduled runs", func() bool { return len(runs(t, d.addr)) >= 2 })

	// Quiesce: a reload to a yearly schedule stops new runs, then wait for
	// the running one to finish, so metrics and reports describe the same
	// set of runs.
	os.WriteFile(d.file, []byte(suiteYAML(url, "0 0 1 1 *", "")), 0o644)
	if code, body := do(t, "POST", d.addr+"/-/reload", ""); code != 200 {
		t.Fatalf("reload: %d %s", code, body)
	}
	waitFor(t, "suite idle", func() bool {
		v, _ := value(scrape(t, d.addr), "loadcron_suite_running", map[string]string{"suite": "chat"})
		return v == 0
	})
	reps := runs(t, d.addr)
	mfs := scrape(t, d.addr)
	if len(reps) < 2 {
		t.Fatalf("%d runs", len(reps))
	}
	for _, r := range reps {
		if r.Trigger != "schedule" || r.Status != "passed" {
			t.Errorf("run %s: trigger %q status %s", r.RunID, r.Trigger, r.Status)
		}
	}
	latest := reps[0]
	var served int64
	for _, sc := range []string{"baseline", "light"} {
		lbl := map[string]string{"suite": "chat", "scenario": sc, "target": "chat"}
		var total, hits, failed int64
		for _, r := range reps {
			for _, tr := range r.TestResults {
				if tr.Scenario == sc {
					total += tr.TotalRequests
					hits += tr.CachedResponses
					failed += tr.Failed
				}
			}
		}
		served += total
		check := func(name string, extra map[string]string, want float64) {
			t.Helper()
			l := map[string]string{}
			for k, v := range lbl {
				l[k] = v
			}
			for k, v := range extra {
				l[k] = v
			}
			got, ok := value(mfs, name, l)
			if !ok || math.Abs(got-want) > 1e-6 {
				t.Errorf("%s%v = %v (found %v), want %v", name, l, got, ok, want)
			}
		}
		check("loadcron_requests_total", nil, float64(total))
		check("loadcron_request_duration_seconds", nil, float64(total))
		check("loadcron_cache_responses_total", map[string]string{"result": "hit"}, float64(hits))
		check("loadcron_request_errors_total", nil, float64(failed))
		check("loadcron_runs_total", map[string]string{"status": "passed"}, float64(len(reps)))

		var last report.ScenarioResult
		for _, tr := range latest.TestResults {
			if tr.Scenario == sc {
				last = tr
			}
		}
		check("loadcron_last_run_requests", nil, float64(last.TotalRequests))
		check("loadcron_last_run_success_ratio", nil, last.SuccessRate)
		check("loadcron_last_run_cache_hit_ratio", nil, last.CacheHitRate)
		for stat, ms := range map[string]float64{"avg": last.AvgLatencyMs, "p50": last.MedianLatencyMs,
			"p95": last.P95LatencyMs, "p99": last.P99LatencyMs, "min": last.MinLatencyMs, "max": last.MaxLatencyMs} {
			got, _ := value(mfs, "loadcron_last_run_latency_seconds", map[string]string{"scenario": sc, "stat": stat})
			// the report rounds milliseconds to 3 decimals
			if math.Abs(got*1000-ms) > 0.001 {
				t.Errorf("last_run_latency_seconds{%s,%s} = %v s, report %v ms", sc, stat, got, ms)
			}
		}
		check("loadcron_last_run_status", map[string]string{"status": string(last.Status)}, 1)
	}
	if st := sim.Stats(); st.Received != uint64(served) {
		t.Errorf("chatsim received %d, reports say %d", st.Received, served)
	}
	// thresholds as configured, in base units
	for name, want := range map[string]float64{
		"loadcron_threshold_min_success_ratio":       0.95,
		"loadcron_threshold_max_avg_latency_seconds": 3,
		"loadcron_threshold_max_p95_latency_seconds": 5,
		"loadcron_threshold_max_p99_latency_seconds": 8,
		"loadcron_threshold_min_cache_hit_ratio":     0.25,
	} {
		if got, ok := value(mfs, name, map[string]string{"scenario": "baseline"}); !ok || got != want {
			t.Errorf("%s = %v (%v), want %v", name, got, ok, want)
		}
	}
	if _, ok := value(mfs, "loadcron_threshold_max_p95_latency_seconds", map[string]string{"scenario": "light"}); ok {
		t.Error("light has no p95 threshold configured, but the series exists")
	}
	checkSpecNames(t, mfs)
}

// specMetrics is every metric name of SPEC §5 with the labels it must
// carry besides suite/scenario/target.
var specMetrics = map[string][]string{
	"loadcron_request_duration_seconds":                     {"suite", "scenario", "target", "outcome", "cache"},
	"loadcron_request_ttfb_seconds":                         {"suite", "scenario", "target"},
	"loadcron_requests_total":                               {"suite", "scenario", "target", "code"},
	"loadcron_request_errors_total":                         {"suite", "scenario", "target", "kind"},
	"loadcron_cache_responses_total":                        {"suite", "scenario", "target", "result"},
	"loadcron_requests_in_flight":                           {"suite", "scenario", "target"},
	"loadcron_virtual_users":                                {"suite", "scenario", "target"},
	"loadcron_dropped_requests_total":                       {"suite", "scenario", "target"},
	"loadcron_last_run_latency_seconds":                     {"suite", "scenario", "target", "stat"},
	"loadcron_last_run_success_ratio":                       {"suite", "scenario", "target"},
	"loadcron_last_run_cache_hit_ratio":                     {"suite", "scenario", "target"},
	"loadcron_last_run_error_ratio":                         {"suite", "scenario", "target"},
	"loadcron_last_run_throughput_rps":                      {"suite", "scenario", "target"},
	"loadcron_last_run_requests":                            {"suite", "scenario", "target"},
	"loadcron_last_run_duration_seconds":                    {"suite", "scenario", "target"},
	"loadcron_last_run_timestamp_seconds":                   {"suite", "scenario", "target"},
	"loadcron_last_run_passed":                              {"suite", "scenario", "target"},
	"loadcron_last_run_status":                              {"suite", "scenario", "target", "status"},
	"loadcron_last_run_grade":                               {"suite", "scenario", "target", "grade"},
	"loadcron_threshold_min_success_ratio":                  {"suite", "scenario", "target"},
	"loadcron_threshold_max_avg_latency_seconds":            {"suite", "scenario", "target"},
	"loadcron_threshold_max_p95_latency_seconds":            {"suite", "scenario", "target"},
	"loadcron_threshold_max_p99_latency_seconds":            {"suite", "scenario", "target"},
	"loadcron_threshold_min_cache_hit_ratio":                {"suite", "scenario", "target"},
	"loadcron_runs_total":                                   {"suite", "scenario", "target", "status"},
	"loadcron_suite_runs_total":                             {"suite", "status"},
	"loadcron_suite_last_run_passed":                        {"suite"},
	"loadcron_suite_last_run_timestamp_seconds":             {"suite"},
	"loadcron_suite_next_run_timestamp_seconds":             {"suite"},
	"loadcron_suite_running":                                {"suite"},
	"loadcron_target_up":                                    {"target"},
	"loadcron_target_health_check_duration_seconds":         {"target"},
	"loadcron_estimated_cost_total":                         {"suite", "scenario", "target"},
	"loadcron_estimated_savings_total":                      {"suite", "scenario", "target"},
	"loadcron_build_info":                                   {"version", "revision", "goversion"},
	"loadcron_config_info":                                  {"hash"},
	"loadcron_config_last_reload_successful":                nil,
	"loadcron_config_last_reload_success_timestamp_seconds": nil,
}

func checkSpecNames(t *testing.T, mfs map[string]*dto.MetricFamily) {
	t.Helper()
	for name, labels := range specMetrics {
		mf, ok := mfs[name]
		if !ok || len(mf.Metric) == 0 {
			t.Errorf("metric %s missing from the scrape", name)
			continue
		}
		have := map[string]bool{}
		for _, lp := range mf.Metric[0].Label {
			have[lp.GetName()] = true
		}
		for _, l := range labels {
			if !have[l] {
				t.Errorf("%s lacks label %q", name, l)
			}
		}
	}
}

func TestTriggerAPIAndRestart(t *testing.T) {
	_, url := startChatsim(t, 150*time.Millisecond)
	dir := t.TempDir()
	cfg := suiteYAML(url, "0 0 1 1 *", "server:\n  trigger_token: s3cret\n")
	d := start(t, dir, cfg)
	api := d.addr + "/api/v1/suites/chat/run"
	if code, _ := do(t, "POST", api, ""); code != 401 {
		t.Errorf("no token: %d, want 401", code)
	}
	if code, _ := do(t, "POST", api, "wrong"); code != 401 {
		t.Errorf("wrong token: %d, want 401", code)
	}
	code, body := do(t, "POST", api, "s3cret")
	if code != 202 {
		t.Fatalf("right token: %d %s, want 202", code, body)
	}
	var started struct {
		RunID string `json:"run_id"`
	}
	if err := json.Unmarshal([]byte(body), &started); err != nil || started.RunID == "" {
		t.Fatalf("202 body %q: %v", body, err)
	}
	if code, _ := do(t, "POST", api, "s3cret"); code != 409 {
		t.Errorf("while running: %d, want 409", code)
	}
	if code, _ := do(t, "POST", d.addr+"/api/v1/suites/nope/run", "s3cret"); code != 404 {
		t.Errorf("unknown suite: %d, want 404", code)
	}
	waitFor(t, "the triggered run in history", func() bool {
		rs := runs(t, d.addr)
		return len(rs) == 1 && rs[0].RunID == started.RunID && rs[0].Trigger == "api"
	})
	d.stop(t)

	// A second daemon on the same data directory serves the same history.
	d2 := start(t, dir, cfg)
	if code, body := do(t, "GET", d2.addr+"/api/v1/runs/"+started.RunID, ""); code != 200 || !strings.Contains(body, started.RunID) {
		t.Errorf("after restart: %d %s", code, body)
	}
}

func TestReload(t *testing.T) {
	_, url := startChatsim(t, 5*time.Millisecond)
	d := start(t, t.TempDir(), suiteYAML(url, "0 0 1 1 *", ""))
	mfs := scrape(t, d.addr)
	next1, _ := value(mfs, "loadcron_suite_next_run_timestamp_seconds", map[string]string{"suite": "chat"})
	if _, ok := value(mfs, "loadcron_threshold_min_success_ratio", map[string]string{"scenario": "light"}); !ok {
		t.Fatal("light's threshold missing before reload")
	}

	// A valid change: new threshold, new schedule, scenario "light" removed.
	changed := strings.Replace(suiteYAML(url, "*/5 * * * *", ""), "min_success_rate: 0.95", "min_success_rate: 0.5", 1)
	changed = changed[:strings.Index(changed, "      - name: light")]
	os.WriteFile(d.file, []byte(changed), 0o644)
	if code, body := do(t, "POST", d.addr+"/-/reload", ""); code != 200 {
		t.Fatalf("reload: %d %s", code, body)
	}
	mfs = scrape(t, d.addr)
	if v, _ := value(mfs, "loadcron_threshold_min_success_ratio", map[string]string{"scenario": "baseline"}); v != 0.5 {
		t.Errorf("threshold after reload = %v, want 0.5", v)
	}
	if _, ok := value(mfs, "loadcron_threshold_min_success_ratio", map[string]string{"scenario": "light"}); ok {
		t.Error("removed scenario's threshold still exported")
	}
	if _, ok := value(mfs, "loadcron_requests_total", map[string]string{"scenario": "light"}); ok {
		t.Error("removed scenario's series still exported")
	}
	next2, _ := value(mfs, "loadcron_suite_next_run_timestamp_seconds", map[string]string{"suite": "chat"})
	if next2 == next1 || next2-float64(time.Now().Unix()) > 301 {
		t.Errorf("next run %v → %v, want within 5 minutes", next1, next2)
	}
	if v, _ := value(mfs, "loadcron_config_last_reload_successful", nil); v != 1 {
		t.Errorf("reload successful = %v", v)
	}

	// An invalid change (a host not on allowed_hosts) changes nothing.
	bad := strings.Replace(changed, url, "http://staging.example.com", 1)
	os.WriteFile(d.file, []byte(bad), 0o644)
	code, body := do(t, "POST", d.addr+"/-/reload", "")
	if code != 500 || !strings.Contains(body, "allowed_hosts") {
		t.Errorf("bad reload: %d %s", code, body)
	}
	mfs = scrape(t, d.addr)
	if v, _ := value(mfs, "loadcron_config_last_reload_successful", nil); v != 0 {
		t.Errorf("reload successful = %v after a bad reload, want 0", v)
	}
	if v, _ := value(mfs, "loadcron_threshold_min_success_ratio", map[string]string{"scenario": "baseline"}); v != 0.5 {
		t.Errorf("threshold after a bad reload = %v, want 0.5 kept", v)
	}
	if v, _ := value(mfs, "loadcron_suite_next_run_timestamp_seconds", map[string]string{"suite": "chat"}); v != next2 {
		t.Errorf("next run changed by a bad reload: %v → %v", next2, v)
	}
}

func TestHostNotAllowedAtStart(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	os.WriteFile(file, []byte(suiteYAML("http://staging.example.com", "@hourly", "")), 0o644)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = Run(context.Background(), Options{ConfigFile: file, Listener: ln})
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "allowed_hosts") {
		t.Errorf("err = %v, want a config error naming allowed_hosts", err)
	}
}

func TestOverlappingTickIsSkipped(t *testing.T) {
	// Each run takes ≥ 1.5 s (3 sequential requests of 500 ms), the
	// schedule fires every second: ticks that find it running are skipped.
	sim, url := startChatsim(t, 5*time.Millisecond)
	sim.SetFaults(chatsim.Faults{CacheOff: true, ExtraLatency: 500 * time.Millisecond})
	cfg := fmt.Sprintf(`
targets:
  chat: {url: %q}
suites:
  chat:
    schedule: "@every 1s"
    scenarios:
      - {name: slow, target: chat, users: 1, requests_per_user: 3, request: {path: /api/chat, body: '{"message": "x"}'}}
`, url)
	d := start(t, t.TempDir(), cfg)
	waitFor(t, "a skipped tick", func() bool {
		v, _ := value(scrape(t, d.addr), "loadcron_suite_runs_total", map[string]string{"suite": "chat", "status": "skipped"})
		return v >= 1
	})
	mfs := scrape(t, d.addr)
	if v, _ := value(mfs, "loadcron_runs_total", map[string]string{"scenario": "slow", "status": "skipped"}); v < 1 {
		t.Errorf("runs_total{skipped} = %v, want ≥ 1", v)
	}
	// never two at once: chatsim never saw more than one request in flight
	if st := sim.Stats(); st.Received > 0 && st.InFlight > 1 {
		t.Errorf("%d requests in flight: the suite overlapped itself", st.InFlight)
	}
}

func TestFileChangeReload(t *testing.T) {
	_, url := startChatsim(t, 5*time.Millisecond)
	dir := t.TempDir()
	file := filepath.Join(dir, "loadcron.yaml")
	os.WriteFile(file, []byte(suiteYAML(url, "0 0 1 1 *", "")), 0o644)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{ConfigFile: file, Listener: ln, WatchInterval: 50 * time.Millisecond,
			Overrides: map[string]any{"history.dir": filepath.Join(dir, "data")}})
	}()
	defer func() { cancel(); <-done }()
	addr := "http://" + ln.Addr().String()
	waitFor(t, "ready", func() bool { return get(t, addr+"/-/ready") == 200 })
	threshold := func() float64 {
		v, _ := value(scrape(t, addr), "loadcron_threshold_min_success_ratio", map[string]string{"scenario": "baseline"})
		return v
	}

	// The file is replaced (a new inode, as editors and ConfigMaps do).
	tmp := file + ".new"
	os.WriteFile(tmp, []byte(strings.Replace(suiteYAML(url, "0 0 1 1 *", ""), "0.95", "0.75", 1)), 0o644)
	os.Rename(tmp, file)
	waitFor(t, "file-change reload", func() bool { return threshold() == 0.75 })
}

func TestSIGHUPReload(t *testing.T) {
	_, url := startChatsim(t, 5*time.Millisecond)
	d := start(t, t.TempDir(), suiteYAML(url, "0 0 1 1 *", "")) // file watching off
	os.WriteFile(d.file, []byte(strings.Replace(suiteYAML(url, "0 0 1 1 *", ""), "0.95", "0.5", 1)), 0o644)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "SIGHUP reload", func() bool {
		v, _ := value(scrape(t, d.addr), "loadcron_threshold_min_success_ratio", map[string]string{"scenario": "baseline"})
		return v == 0.5
	})
}

func TestPromtoolCheckMetricsOnLiveScrape(t *testing.T) {
	promtool := testtools.Need(t, "promtool")
	_, url := startChatsim(t, 5*time.Millisecond)
	d := start(t, t.TempDir(), suiteYAML(url, "0 0 1 1 *", "server: {run_on_start: true}\n"))
	waitFor(t, "one run", func() bool { return len(runs(t, d.addr)) >= 1 })
	resp, err := http.Get(d.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(string(body))
	out, err := cmd.CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

func TestBadWebConfigIsAConfigError(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	os.WriteFile(file, []byte(suiteYAML("http://127.0.0.1:1", "@hourly", "")), 0o644)
	webCfg := filepath.Join(dir, "web.yml")
	os.WriteFile(webCfg, []byte("basic_auth_users:\n  admin: not-a-bcrypt-hash\ntls_server_config: {cert_file: /nonexistent}\n"), 0o644)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = Run(context.Background(), Options{ConfigFile: file, Listener: ln, WebConfigFile: webCfg})
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "web.config.file") {
		t.Errorf("err = %v, want a config error naming --web.config.file", err)
	}
}
