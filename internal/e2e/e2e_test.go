package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The e2e suite: its name, target and scenarios.
const (
	e2eSuite  = "e2e"
	e2eTarget = "chat"
)

var (
	e2eScenarios = []string{"single", "burst", "open"}
	critical     = []string{"single", "burst"}
	e2eQueries   = []string{"What is your refund policy?", "How do I reset my password?"}
)

// chatsimLatency makes uncached replies (0.8s ± 10 %) slower than every
// scenario's P95 limit (300ms) and more than 0.5s above the cached ones
// (60ms ± 10 %), so that turning the cache off breaks the latency
// thresholds and the baseline-regression rule, while a warm cache passes
// everything. Cached replies are not faster than 60ms so that a scheduling
// hiccup of a few tens of milliseconds on a busy machine cannot halve a
// healthy run's throughput (LoadcronThroughputDrop).
var chatsimLatency = []string{"--uncached-latency", "800ms", "--cached-latency", "60ms", "--jitter", "0.1"}

// e2eConfig runs the suite every 5s (and at start): 1 user × 3 requests,
// 4 users × 1 request, and a non-critical open scenario of 10 requests/s
// for 0.5s capped at 3 in flight, all with thresholds a warm chatsim
// meets. The queries are the two warm() puts in the cache. Every kind of
// threshold is set somewhere, so that the dashboards' threshold queries
// have series; the P99 limit (1s) holds even with the cache off.
func e2eConfig(url string) string {
	return fmt.Sprintf(`
targets:
  %[2]s:
    url: %[1]q
    timeout: 5s
    health_check: {timeout: 2s}
    cost_per_uncached_request: 0.06
suites:
  %[3]s:
    schedule: "@every 5s"
    scenarios:
      - name: single
        target: %[2]s
        users: 1
        requests_per_user: 3
        request: &req
          method: POST
          path: /api/chat
          headers: {Content-Type: application/json}
          body: '{"message": {{json .Query}}}'
          queries: [%[4]q, %[5]q]
        checks: &checks {status: [200], json_field: reply}
        thresholds: {min_success_rate: 0.95, max_avg_latency: 1s, max_p95_latency: 300ms, max_p99_latency: 1s, min_cache_hit_rate: 0.75}
      - name: burst
        target: %[2]s
        users: 4
        requests_per_user: 1
        request: *req
        checks: *checks
        thresholds: {min_success_rate: 0.9, max_p95_latency: 300ms, max_p99_latency: 1s, min_cache_hit_rate: 0.5}
      - name: open
        target: %[2]s
        critical: false
        rate: 10
        duration: 500ms
        max_in_flight: 3
        request: *req
        checks: *checks
        thresholds: {min_success_rate: 0.9, max_p95_latency: 300ms, max_p99_latency: 1s, min_cache_hit_rate: 0.5}
server:
  run_on_start: true
`, url, e2eTarget, e2eSuite, e2eQueries[0], e2eQueries[1])
}

// stack is the running e2e stack.
type stack struct {
	sim   *chatsimProc
	lproc *proc  // loadcron
	lcCfg string // loadcron's config file
	lc    string // loadcron base URL
	inst  string // loadcron's instance label
	prom  string // Prometheus base URL
	am    string // Alertmanager base URL
	hook  *webhook
}

// startStack starts chatsim (cache warm), loadcron, Alertmanager with the
// shipped routing, and Prometheus with the shipped rules, time-scaled.
func startStack(t *testing.T) *stack {
	t.Helper()
	tool(t, "prometheus")
	tool(t, "prometheus-alertmanager")
	bin := binaries(t)
	dir := t.TempDir()

	s := &stack{hook: newWebhook(t)}
	s.sim = startChatsim(t, dir, filepath.Join(bin, "chatsim"), chatsimLatency...)
	s.sim.warm(e2eQueries)
	s.lproc, s.inst = startLoadcron(t, dir, filepath.Join(bin, "loadcron"), "loadcron", e2eConfig(s.sim.url()))
	s.lcCfg = filepath.Join(dir, "loadcron", "loadcron.yaml")
	s.lc = "http://" + s.inst

	rules, err := filepath.Glob(filepath.Join(moduleRoot, "alerts", "*.yml"))
	if err != nil || len(rules) == 0 {
		t.Fatalf("no rule files in alerts/: %v", err)
	}
	var fast []string
	for _, r := range rules {
		dst := filepath.Join(dir, "fast-"+filepath.Base(r))
		if err := rewriteRuleFile(r, dst); err != nil {
			t.Fatal(err)
		}
		fast = append(fast, dst)
	}
	s.am = startAlertmanager(t, dir, amConfigFromShipped(t, s.hook.srv.URL))
	s.prom = startPrometheus(t, dir, promConfig([]string{s.inst}, fast, strings.TrimPrefix(s.am, "http://")))
	return s
}

// waitRun waits for a run that started after t0 and returns it.
func (s *stack) waitRun(t *testing.T, t0 time.Time, what string) runReport {
	t.Helper()
	var got runReport
	eventually(t, 60*time.Second, what, func() (bool, string) {
		runs, err := loadcronRuns(s.lc, e2eSuite)
		if err != nil {
			return false, err.Error()
		}
		for _, r := range runs {
			if r.StartedAt.After(t0) {
				got = r
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d runs, none started after %s", len(runs), t0.Format(time.RFC3339Nano))
	})
	return got
}

// recover clears chatsim's faults, warms its cache, waits for a run that
// passes, then for every alert to resolve.
func (s *stack) recover(t *testing.T) {
	t.Helper()
	s.sim.reset()
	s.sim.warm(e2eQueries)
	t0 := time.Now()
	eventually(t, 60*time.Second, "a passing run after recovery", func() (bool, string) {
		runs, err := loadcronRuns(s.lc, e2eSuite)
		if err != nil || len(runs) == 0 {
			return false, fmt.Sprint(err)
		}
		r := runs[0]
		return r.StartedAt.After(t0) && r.Status == "passed", r.RunID + " " + r.Status
	})
	awaitNoAlerts(t, s.am, s.prom, 90*time.Second)
}

// TestE2E runs loadcron against chatsim under a real Prometheus and
// Alertmanager: healthy, then cache off, error injection, target down, a
// failed config reload and the daemon down, each followed by recovery; and
// every dashboard query on healthy data.
func TestE2E(t *testing.T) {
	skipUnlessE2E(t)
	t.Parallel()
	start := time.Now()
	s := startStack(t)

	// Each phase starts from the healthy state the previous one restored:
	// stop at the first that fails.
	phases := []struct {
		name string
		run  func(*testing.T, *stack)
	}{
		{"healthy", healthyPhase},
		{"cache off", cacheOffPhase},
		{"errors", errorPhase},
		{"target down", targetDownPhase},
		{"daemon", daemonPhase},
	}
	for _, p := range phases {
		if !t.Run(p.name, func(t *testing.T) { p.run(t, s) }) {
			return
		}
	}
	t.Logf("whole e2e: %s", time.Since(start).Round(time.Second))
}
