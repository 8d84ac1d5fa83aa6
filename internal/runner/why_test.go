package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/logging"
	"github.com/loadcron/loadcron/internal/report"
	"github.com/loadcron/loadcron/internal/stats"
)

// whyConfig is a suite against a target that answers 404 to request n
// when n%4 == 1 and 500 when n%4 == 2 (the query carries n), and a
// scenario against a port where nothing listens.
func whyConfig(t *testing.T) *config.Config {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
	t.Cleanup(srv.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
targets:
  flaky: {url: %q, health_check: {enabled: false}, headers: {Authorization: "Bearer tok-123"}}
  dead: {url: "http://%s", health_check: {enabled: false}, timeout: 2s}
suites:
  why:
    scenarios:
      - name: flaky chat
        target: flaky
        users: 2
        requests_per_user: 8
        request: {path: "/chat?n={{.Request}}&key=querysecret"}
        thresholds: {min_success_rate: 0.9, max_p95_latency: 10s}
      - name: nobody home
        target: dead
        critical: false
        users: 1
        requests_per_user: 3
        request: {path: /chat}
`, srv.URL, dead)), "why.yaml", config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestEveryVerdictExplainsItself(t *testing.T) {
	cfg := whyConfig(t)
	var console, logs bytes.Buffer
	logger, err := logging.New(&logs, logging.FormatJSON, "info")
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Config: cfg, UserAgent: "loadcron/test", Console: &report.Console{W: &console}, Logger: logger}
	rep := r.Run(context.Background(), cfg.Suites["why"], "run-why", "manual")
	if err := r.Console.Summary(rep, ""); err != nil {
		t.Fatal(err)
	}

	// The report: codes, causes with counts and examples, violations.
	flaky, dead := rep.TestResults[0], rep.TestResults[1]
	if flaky.Status != stats.StatusFailed || dead.Status != stats.StatusWarning {
		t.Fatalf("statuses %s/%s, want failed/warning", flaky.Status, dead.Status)
	}
	if c := flaky.StatusCodes; c["200"] != 8 || c["404"] != 4 || c["500"] != 4 {
		t.Errorf("flaky status codes = %v", c)
	}
	if len(flaky.ErrorCauses) != 2 || flaky.ErrorCauses[0].Cause != "404 GET /chat" || flaky.ErrorCauses[0].Count != 4 ||
		flaky.ErrorCauses[1].Example != "500 GET /chat: internal error" {
		t.Errorf("flaky causes = %+v", flaky.ErrorCauses)
	}
	if len(flaky.Violations) != 1 || flaky.Violations[0].Threshold != stats.ThresholdMinSuccessRate ||
		flaky.Violations[0].Value != 0.5 || flaky.Violations[0].Limit != 0.9 || !flaky.Violations[0].Critical {
		t.Errorf("flaky violations = %+v", flaky.Violations)
	}
	if dead.StatusCodes[report.CodeNoResponse] != 3 || len(dead.ErrorCauses) != 1 ||
		!strings.HasSuffix(dead.ErrorCauses[0].Cause, "connect: connection refused") ||
		len(dead.Violations) != 1 || dead.Violations[0].Threshold != stats.ThresholdMinSuccessful || dead.Violations[0].Critical {
		t.Errorf("dead: codes %v causes %+v violations %+v", dead.StatusCodes, dead.ErrorCauses, dead.Violations)
	}

	// The console.
	text := console.String()
	for _, want := range []string{
		"Status codes: 200=8, 404=4, 500=4",
		"4× http_4xx: 404 GET /chat",
		`e.g. 404 GET /chat: {"detail":"Not Found"}`,
		"❌ min_success_rate: 50.0% (limit ≥ 90.0%)",
		"Status codes: no response=3",
		"3× connection: dial tcp ",
		"⚠️ min_successful_requests: no successful request (limit ≥ 1)",
		"Top error cause: 4× http_4xx: 404 GET /chat",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("console lacks %q", want)
		}
	}
	for _, secret := range []string{"querysecret", "tok-123"} {
		if strings.Contains(text+logs.String(), secret) {
			t.Errorf("%q leaked into the console or the log", secret)
		}
	}

	// The log: one WARN per violation and per new cause, with suite,
	// scenario and run; no raw nanoseconds.
	var violations, causes, finished int
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		switch rec["msg"] {
		case "threshold violated":
			violations++
			if rec["level"] != "WARN" || rec["suite"] != "why" || rec["run"] != "run-why" || rec["scenario"] == nil ||
				rec["threshold"] == nil || rec["value"] == nil || rec["limit"] == nil {
				t.Errorf("violation line %v", rec)
			}
		case "new error cause":
			causes++
			if rec["level"] != "WARN" || rec["cause"] == nil || rec["example"] == nil || rec["scenario"] == nil {
				t.Errorf("cause line %v", rec)
			}
		case "scenario finished":
			finished++
			if _, ok := rec["p95_ms"].(float64); !ok || rec["p95"] != nil {
				t.Errorf("finished line without p95_ms: %v", rec)
			}
		case "suite run finished":
			if d, ok := rec["duration"].(string); !ok || !strings.HasSuffix(d, "s") {
				t.Errorf("suite duration %v, want a duration string", rec["duration"])
			}
		}
	}
	if violations != 2 || causes != 3 || finished != 2 {
		t.Errorf("log lines: %d violations, %d causes, %d finished; want 2, 3, 2\n%s", violations, causes, finished, logs.String())
	}
}
