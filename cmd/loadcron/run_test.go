package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/chatsim"
	"github.com/loadcron/loadcron/internal/chatsim/chatsimtest"
)

// countingChatsim is a simulated chat API behind a counter of every
// request it receives, health checks included.
func countingChatsim(t *testing.T, faults chatsim.Faults) (*atomic.Int64, string) {
	t.Helper()
	opts := chatsimtest.WithFaults(faults)
	sim := chatsim.New(opts)
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		sim.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return &n, srv.URL
}

// runConfig writes a one-scenario config against url.
func runConfig(t *testing.T, url, scenario string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "c.yaml")
	err := os.WriteFile(f, []byte(`
targets:
  chat: {url: "`+url+`"}
suites:
  chat:
    scenarios:
      - `+scenario+`
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// readReport decodes the fields of a written report the exit codes rest on.
func readReport(t *testing.T, path string) (partial bool, aborted []bool, status string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	var rep struct {
		Partial     bool   `json:"partial"`
		Status      string `json:"status"`
		TestResults []struct {
			Aborted bool `json:"aborted"`
		} `json:"test_results"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.TestResults {
		aborted = append(aborted, r.Aborted)
	}
	return rep.Partial, aborted, rep.Status
}

const chatScenario = `{name: chat, target: chat, users: 2, requests_per_user: 10, request: {path: /api/chat, body: '{"message": "hi"}'}`

func TestRunExitCodeEach(t *testing.T) {
	tests := []struct {
		name     string
		faults   chatsim.Faults
		scenario string
		code     int
		status   string // the report's status
		aborted  bool   // the scenario's aborted flag
	}{
		// 0: every critical scenario passed
		{"passed", chatsim.Faults{}, chatScenario + `, thresholds: {min_success_rate: 0.9}}`, 0, "passed", false},
		// 0: a non-critical scenario missing a threshold is a warning
		{"warning", chatsim.Faults{CacheOff: true}, chatScenario + `, critical: false, thresholds: {min_cache_hit_rate: 0.5}}`, 0, "passed", false},
		// 1: a critical threshold missed (every reply is a cache miss)
		{"threshold", chatsim.Faults{CacheOff: true}, chatScenario + `, thresholds: {min_cache_hit_rate: 0.5}}`, 1, "failed", false},
		// 3: the health check failed, so the scenario could not run
		{"unhealthy", chatsim.Faults{Unhealthy: true}, chatScenario + `}`, 3, "error", false},
		// 3: the abort rule stopped the scenario
		{"aborted", chatsim.Faults{ErrorRatio: 1}, chatScenario + `, abort: {max_error_ratio: 0.5, min_requests: 4}}`, 3, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, url := countingChatsim(t, tt.faults)
			out := filepath.Join(t.TempDir(), "r.json")
			code, stdout, stderr := loadcron(t, nil, "run", "--config.file", runConfig(t, url, tt.scenario), "--report", out)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			if n.Load() == 0 {
				t.Error("the target saw no request")
			}
			partial, aborted, status := readReport(t, out)
			if partial || len(aborted) != 1 || aborted[0] != tt.aborted || tt.status != "" && status != tt.status {
				t.Errorf("report: partial %v aborted %v status %s", partial, aborted, status)
			}
		})
	}
}

func TestRunUnwritableReportSendsNoLoad(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, report, stderr string
	}{
		// a parent of the report path is a regular file
		{"parent is a file", filepath.Join(file, "r.json"), "not a directory"},
		// the report path is a directory
		{"path is a directory", dir, "it is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, url := countingChatsim(t, chatsim.Faults{})
			code, _, stderr := loadcron(t, nil, "run", "--config.file", runConfig(t, url, chatScenario+"}"), "--report", tt.report)
			if code != 2 || !strings.Contains(stderr, "--report: report "+tt.report+" cannot be written") || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, want 2\nstderr:\n%s", code, stderr)
			}
			// Not even the health check went out.
			if got := n.Load(); got != 0 {
				t.Errorf("the target received %d requests, want 0", got)
			}
		})
	}
	// With several suites, every suite's path is checked first.
	n, url := countingChatsim(t, chatsim.Faults{})
	code, _, stderr := loadcron(t, []string{"LOADCRON_TARGETS__CHAT__URL=" + url},
		"run", "--config.file", "../../config/loadcron.yaml", "--report", filepath.Join(file, "r.json"))
	if code != 2 || n.Load() != 0 {
		t.Errorf("shipped config, bad report: exit %d, %d requests\n%s", code, n.Load(), stderr)
	}
}

func TestRunInterrupted(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			// 2 users × 20 requests of ≥ 500 ms: 5 s that the signal cuts short.
			n, url := countingChatsim(t, chatsim.Faults{CacheOff: true, ExtraLatency: 500 * time.Millisecond})
			out := filepath.Join(t.TempDir(), "r.json")
			cmd, buf, wait := startProcess(t, nil, "run", "--config.file",
				runConfig(t, url, `{name: slow, target: chat, users: 2, requests_per_user: 20, request: {path: /api/chat, body: '{"message": "hi"}'}}`),
				"--report", out)
			deadline := time.Now().Add(30 * time.Second)
			for n.Load() < 2 { // the health check and a first request
				if time.Now().After(deadline) {
					t.Fatalf("no load arrived\n%s", buf.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if code := wait(); code != 130 {
				t.Fatalf("exit %d after %v, want 130\n%s", code, sig, buf.String())
			}
			partial, aborted, _ := readReport(t, out)
			if !partial || len(aborted) != 1 || !aborted[0] {
				t.Errorf("report partial %v aborted %v, want a partial report with the scenario canceled", partial, aborted)
			}
		})
	}
}
