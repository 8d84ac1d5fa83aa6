package daemon

import (
	"testing"
	"time"
)

// TestWindowsSurviveRestart: a daemon restarted on the same data
// directory publishes the run windows of its history before running
// anything, with the values the first daemon had.
func TestWindowsSurviveRestart(t *testing.T) {
	_, url := startChatsim(t, time.Millisecond)
	dir := t.TempDir()
	cfg := suiteYAML(url, "0 0 1 1 *", "server:\n  trigger_token: s3cret\n")
	d := start(t, dir, cfg)
	for i := range 2 {
		// The run is in history a moment before its suite is idle again:
		// a trigger then answers 409, so retry.
		waitFor(t, "a triggered run", func() bool {
			code, _ := do(t, "POST", d.addr+"/api/v1/suites/chat/run", "s3cret")
			return code == 202
		})
		waitFor(t, "the triggered run in history", func() bool { return len(runs(t, d.addr)) == i+1 })
	}
	base := map[string]string{"suite": "chat", "scenario": "baseline", "target": "chat"}
	with := func(k, v string) map[string]string {
		l := map[string]string{k: v}
		for k, v := range base {
			l[k] = v
		}
		return l
	}
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"loadcron_recent_runs", with("status", "failed"), 0},
		{"loadcron_recent_runs", with("status", "error"), 0},
		{"loadcron_window_runs", base, 2},
		{"loadcron_window_requests", base, 8},
		{"loadcron_window_failed_requests", base, 0},
	}
	before := scrape(t, d.addr)
	latency, ok := value(before, "loadcron_recent_runs_latency_seconds", with("stat", "p95"))
	if !ok || latency <= 0 {
		t.Fatalf("recent p95 before restart: %v %v", latency, ok)
	}
	d.stop(t)

	d2 := start(t, dir, cfg)
	after := scrape(t, d2.addr)
	for _, c := range checks {
		if got, ok := value(after, c.name, c.labels); !ok || got != c.want {
			t.Errorf("after restart %s%v = %v (found %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	// The history keeps milliseconds rounded to 3 decimals.
	if got, _ := value(after, "loadcron_recent_runs_latency_seconds", with("stat", "p95")); got < latency-1e-6 || got > latency+1e-6 {
		t.Errorf("recent p95 after restart = %v, before %v", got, latency)
	}
	if _, ok := value(after, "loadcron_last_run_status", with("status", "passed")); ok {
		t.Error("last_run_status restored: only the windows come back from history")
	}
}
