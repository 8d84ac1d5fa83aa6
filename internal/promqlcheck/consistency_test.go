package promqlcheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/chatsim/chatsimtest"
	"github.com/loadcron/loadcron/internal/daemon"
)

// repoRoot is the repository root as seen from this package's directory.
const repoRoot = "../.."

// prometheusNames are series Prometheus itself writes, which the rules may
// select: per scrape, and ALERTS (a ratio alert reads its own previous
// state from it).
var prometheusNames = []string{"up", "scrape_duration_seconds", "scrape_samples_scraped", "ALERTS"}

// liveNames starts a real daemon in-process on 127.0.0.1:0 against a
// simulated chat API, waits for two suite runs to finish (the
// recent_runs_* figures need two), and returns the
// metric names its /metrics exposes: exactly what a Prometheus scraping a
// running loadcron sees.
func liveNames(t *testing.T) map[string]bool {
	t.Helper()
	_, simURL := chatsimtest.Start(t, chatsimtest.Options())

	dir := t.TempDir()
	file := filepath.Join(dir, "loadcron.yaml")
	cfg := fmt.Sprintf(`
targets:
  chat: {url: "%s", cost_per_uncached_request: 0.06}
suites:
  chat:
    schedule: "@every 1s"
    scenarios:
      - name: baseline
        target: chat
        users: 2
        requests_per_user: 3
        request: {path: /api/chat, body: '{"message": "refund policy"}'}
        thresholds: {min_success_rate: 0.95, max_avg_latency: 3s, max_p95_latency: 5s, max_p99_latency: 10s, min_cache_hit_rate: 0.5}
      # Series exist only once they can occur: an open-model scenario has
      # its dropped-requests counter, and failing requests their error
      # kind, so the scrape holds every family the queries may name.
      - name: open
        target: chat
        rate: 5
        duration: 400ms
        request: {path: /api/chat, body: '{"message": "refund policy"}'}
      - name: failing
        target: chat
        critical: false
        users: 1
        requests_per_user: 1
        request: {path: /no-such-path}
      # a streamed scenario, for the loadcron_stream_* series
      - name: tokens
        target: chat
        users: 1
        requests_per_user: 2
        request: {path: /api/chat, body: '{"message": "refund policy", "stream": true}', stream: sse}
        thresholds: {max_p95_first_event: 5s, max_p95_event_gap: 1s}
server: {run_on_start: true}
history: {dir: %q}
`, simURL, filepath.Join(dir, "data"))
	if err := os.WriteFile(file, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- daemon.Run(ctx, daemon.Options{ConfigFile: file, Listener: ln, WatchInterval: -1, NativeHistograms: true})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("daemon: %v", err)
		}
	}()
	base := "http://" + ln.Addr().String()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatal("the daemon finished fewer than two runs within 60s")
		}
		if b, ok := get(base + "/api/v1/runs"); ok && strings.Count(b, `"run_id"`) >= 2 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	names, err := ScrapeNames(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func get(url string) (string, bool) {
	resp, err := http.Get(url)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err == nil && resp.StatusCode == http.StatusOK
}

// shippedExprs reads every expression of dashboards/*.json and
// alerts/*.yml, and adds the recording rules' outputs to allowed.
func shippedExprs(t *testing.T, allowed map[string]bool) []Expr {
	t.Helper()
	var exprs []Expr
	dashes, _ := filepath.Glob(filepath.Join(repoRoot, "dashboards", "*.json"))
	rules, _ := filepath.Glob(filepath.Join(repoRoot, "alerts", "*.yml"))
	if len(dashes) == 0 || len(rules) == 0 {
		t.Fatalf("found %d dashboards and %d rule files, want some of each", len(dashes), len(rules))
	}
	for _, p := range dashes {
		e, err := FromDashboard(p)
		if err != nil {
			t.Fatal(err)
		}
		exprs = append(exprs, e...)
	}
	for _, p := range rules {
		e, recorded, err := FromRuleFile(p)
		if err != nil {
			t.Fatal(err)
		}
		exprs = append(exprs, e...)
		for _, r := range recorded {
			allowed[r] = true
		}
	}
	return exprs
}

// TestShippedPromQLNamesExportedMetrics is the consistency check of SPEC
// §7: every expression in dashboards/ and alerts/ parses and selects only
// metrics the daemon exports.
func TestShippedPromQLNamesExportedMetrics(t *testing.T) {
	allowed := liveNames(t)
	for _, n := range prometheusNames {
		allowed[n] = true
	}
	exprs := shippedExprs(t, allowed)
	if len(exprs) < 50 {
		t.Fatalf("only %d expressions found; the readers lost some", len(exprs))
	}
	if errs := CheckNames(exprs, allowed); len(errs) > 0 {
		t.Fatalf("%d problems:\n%v", len(errs), errors.Join(errs...))
	}
}

// TestShippedPromQLCheckFailsOnUnexportedName shows the consistency check
// failing: the same shipped expressions against a scrape that lacks one
// metric they use, and a dashboard that names a metric nobody exports.
func TestShippedPromQLCheckFailsOnUnexportedName(t *testing.T) {
	allowed := liveNames(t)
	for _, n := range prometheusNames {
		allowed[n] = true
	}
	exprs := shippedExprs(t, allowed)
	delete(allowed, "loadcron_last_run_cache_hit_ratio")
	errs := CheckNames(exprs, allowed)
	if len(errs) == 0 {
		t.Fatal("no error although loadcron_last_run_cache_hit_ratio was not exported")
	}
	for _, err := range errs {
		if want := `metric "loadcron_last_run_cache_hit_ratio" is not exported`; !strings.Contains(err.Error(), want) {
			t.Errorf("unexpected error %v", err)
		}
	}

	bad, err := FromDashboard("testdata/bad-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	allowed["loadcron_last_run_cache_hit_ratio"] = true
	if errs := CheckNames(bad, allowed); len(errs) != 1 {
		t.Errorf("bad dashboard: %d errors %v, want 1 (loadcron_last_run_p90_latency_seconds)", len(errs), errs)
	}
}
