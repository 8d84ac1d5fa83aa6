package daemon

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/logging"
	"github.com/loadcron/loadcron/internal/testtools"
)

// whyRuns is how many runs of each suite startWhy makes, so the status
// page has a trend to draw.
const whyRuns = 3

// startWhy runs a daemon with two suites and whyRuns runs of each:
//
//   - "broken": scenario "Flaky chat" against a target that answers 404
//     to request n when n%4 == 1 and 500 when n%4 == 2 (critical, misses
//     min_success_rate 0.9), and "Nobody home" against a port where
//     nothing listens (not critical);
//   - "healthy": the guide's baseline against chatsim, passing.
//
// It returns the daemon and its JSON log.
func startWhy(t *testing.T) (*testDaemon, *testtools.Buffer) {
	t.Helper()
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		switch n % 4 {
		case 1:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"detail":"Not Found"}`)
		case 2:
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, "internal error")
		default:
			fmt.Fprint(w, `{"reply":"ok","cached":true}`)
		}
	}))
	t.Cleanup(flaky.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	_, chat := startChatsim(t, 5*time.Millisecond)

	cfg := fmt.Sprintf(`
targets:
  flaky: {url: %q, health_check: {enabled: false}}
  dead: {url: "http://%s", health_check: {enabled: false}, timeout: 2s}
  chat: {url: %q}
suites:
  broken:
    schedule: "0 0 1 1 *"
    scenarios:
      - name: Flaky chat
        target: flaky
        users: 2
        requests_per_user: 8
        request: {path: "/chat?n={{.Request}}"}
        thresholds: {min_success_rate: 0.9, max_p95_latency: 5s}
      - name: Nobody home
        target: dead
        critical: false
        users: 1
        requests_per_user: 3
        request: {path: /chat}
  healthy:
    schedule: "0 0 1 1 *"
    scenarios:
      - name: Baseline
        target: chat
        users: 1
        requests_per_user: 4
        request:
          path: /api/chat
          body: '{"message": {{json .Query}}}'
          queries: ["refund policy"]
        thresholds: {min_success_rate: 0.95, max_p95_latency: 5s}
server:
  trigger_token: tok
`, flaky.URL, dead, chat)
	var logs testtools.Buffer
	logger, err := logging.New(&logs, logging.FormatJSON, "info")
	if err != nil {
		t.Fatal(err)
	}
	d := start(t, t.TempDir(), cfg, func(o *Options) { o.Logger = logger })
	for i := 1; i <= whyRuns; i++ {
		for _, suite := range []string{"broken", "healthy"} {
			if code, body := do(t, "POST", d.addr+"/api/v1/suites/"+suite+"/run", "tok"); code != 202 {
				t.Fatalf("trigger %s: %d %s", suite, code, body)
			}
			waitFor(t, fmt.Sprintf("run %d of %s", i, suite), func() bool {
				n := 0
				for _, r := range runs(t, d.addr) {
					if r.Suite == suite {
						n++
					}
				}
				return n == i
			})
		}
	}
	return d, &logs
}

func TestDaemonShowsWhy(t *testing.T) {
	d, logs := startWhy(t)

	// The API: status codes, causes with counts and an example, violations
	// with value and limit, and a link to the run page.
	code, body := do(t, "GET", d.addr+"/api/v1/runs?suite=broken&limit=1", "")
	if code != 200 {
		t.Fatalf("runs: %d", code)
	}
	var resp struct {
		Runs []struct {
			RunID       string `json:"run_id"`
			TestResults []struct {
				Scenario    string           `json:"scenario"`
				StatusCodes map[string]int64 `json:"status_codes"`
				ErrorCauses []struct {
					Kind, Cause, Example string
					Count                int64
				} `json:"error_causes"`
				Violations []struct {
					Threshold    string
					Value, Limit float64
					Critical     bool
				} `json:"violations"`
			} `json:"test_results"`
			Links struct {
				Page string `json:"page"`
			} `json:"links"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil || len(resp.Runs) != 1 {
		t.Fatalf("runs body %s: %v", body, err)
	}
	run := resp.Runs[0]
	flaky, dead := run.TestResults[0], run.TestResults[1]
	if c := flaky.StatusCodes; c["200"] != 8 || c["404"] != 4 || c["500"] != 4 {
		t.Errorf("flaky status codes = %v", c)
	}
	if len(flaky.ErrorCauses) != 2 || flaky.ErrorCauses[0].Cause != "404 GET /chat" || flaky.ErrorCauses[0].Count != 4 ||
		flaky.ErrorCauses[0].Example != `404 GET /chat: {"detail":"Not Found"}` || flaky.ErrorCauses[1].Cause != "500 GET /chat" {
		t.Errorf("flaky causes = %+v", flaky.ErrorCauses)
	}
	if len(flaky.Violations) != 1 || flaky.Violations[0].Threshold != "min_success_rate" ||
		flaky.Violations[0].Value != 0.5 || flaky.Violations[0].Limit != 0.9 || !flaky.Violations[0].Critical {
		t.Errorf("flaky violations = %+v", flaky.Violations)
	}
	if dead.StatusCodes["error"] != 3 || len(dead.ErrorCauses) != 1 || dead.ErrorCauses[0].Kind != "connection" ||
		!strings.HasSuffix(dead.ErrorCauses[0].Cause, "connect: connection refused") || len(dead.Violations) != 1 {
		t.Errorf("dead: codes %v causes %+v violations %+v", dead.StatusCodes, dead.ErrorCauses, dead.Violations)
	}
	if run.Links.Page != "/runs/"+run.RunID {
		t.Errorf("run page link %q", run.Links.Page)
	}

	// The status page says the same.
	code, page := do(t, "GET", d.addr+"/", "")
	if code != 200 {
		t.Fatalf("status page: %d", code)
	}
	for _, want := range []string{
		"✘ min_success_rate: 50.0% (limit ≥ 90.0%)",
		"status codes: 200=8, 404=4, 500=4",
		"<b>4×</b> http_4xx: 404 GET /chat",
		"e.g. 404 GET /chat: {&#34;detail&#34;:&#34;Not Found&#34;}",
		"status codes: no response=3",
		"<b>3×</b> connection: dial tcp ",
		"⚠ min_successful_requests: no successful request (limit ≥ 1)",
		`href="./runs/` + run.RunID + `#scenario-flaky-chat"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	if n := strings.Count(page, `<svg class="trend"`); n != 4*3 {
		t.Errorf("%d trend charts, want 4 for each of 3 scenarios", n)
	}
	if n := strings.Count(page, `<polyline points="`); n != 4*3 {
		t.Errorf("%d charts with a line, want 12", n)
	}

	// The run page: the console's text.
	code, runPage := do(t, "GET", d.addr+run.Links.Page, "")
	if code != 200 || !strings.Contains(runPage, "Status codes: 200=8, 404=4, 500=4") ||
		!strings.Contains(runPage, "❌ min_success_rate: 50.0% (limit ≥ 90.0%)") {
		t.Errorf("run page: %d", code)
	}

	// The log: one WARN per violation and one per new cause in each run,
	// with suite, scenario and run.
	violations, causes := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["suite"] != "broken" {
			continue
		}
		switch rec["msg"] {
		case "threshold violated":
			violations++
			if rec["level"] != "WARN" || rec["run"] == nil || rec["scenario"] == nil || rec["threshold"] == nil ||
				rec["value"] == nil || rec["limit"] == nil {
				t.Errorf("violation line %v", rec)
			}
		case "new error cause":
			causes++
		}
	}
	// Per run: Flaky chat misses min_success_rate; Nobody home has no
	// success. Causes: 404 and 500, and connection refused.
	if violations != 2*whyRuns || causes != 3*whyRuns {
		t.Errorf("%d violation and %d cause lines, want %d and %d", violations, causes, 2*whyRuns, 3*whyRuns)
	}
}
