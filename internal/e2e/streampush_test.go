package e2e

import (
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/promqlcheck"
	"github.com/loadcron/loadcron/internal/testtools"
)

// The streaming / exemplar / Pushgateway stack (TestE2EStreamExemplarsPush):
// chatsim streaming its answers, `loadcron serve` running a streamed
// scenario every few seconds, a CI-style `loadcron run --push.url` into a
// real Pushgateway, and a real Prometheus 2.42 with exemplar storage that
// scrapes both (the gateway with honor_labels).
const (
	spSuite    = "stream"
	spScenario = "tokens"
	spPipeline = "e2e"
)

// spConfig streams chatsim's answers as server-sent events: 3 users × 4
// requests, two queries (so both misses and hits), the streaming
// thresholds set (their gauges feed the streaming panels and alert).
func spConfig(url string) string {
	return fmt.Sprintf(`
targets:
  chat:
    url: %q
    timeout: 5s
    health_check: {timeout: 2s}
suites:
  %s:
    schedule: "@every 4s"
    scenarios:
      - name: %s
        target: chat
        users: 3
        requests_per_user: 4
        request:
          method: POST
          path: /api/chat
          headers: {Content-Type: application/json}
          body: '{"message": {{json .Query}}, "stream": true}'
          queries: ["What is your refund policy?", "How do I reset my password?"]
          stream: sse
          stream_idle_timeout: 2s
        checks: {status: [200], json_field: reply}
        thresholds: {min_success_rate: 0.9, max_p95_first_event: 3s, max_p95_event_gap: 1s}
server:
  run_on_start: true
`, url, spSuite, spScenario)
}

// spPromConfig scrapes loadcron (job loadcron) and the Pushgateway (job
// pushgateway, honor_labels: the pushed job, suite and grouping labels
// are kept) every second.
func spPromConfig(loadcron, gateway string) string {
	return fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: loadcron
    static_configs: [{targets: [%q]}]
  - job_name: pushgateway
    honor_labels: true
    static_configs: [{targets: [%q]}]
`, loadcron, gateway)
}

// spExemplars queries the exemplars of loadcron's latency buckets over the
// last five minutes and returns their labels.
func spExemplars(prom, selector string) ([]map[string]string, error) {
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   []struct {
			SeriesLabels map[string]string `json:"seriesLabels"`
			Exemplars    []struct {
				Labels map[string]string `json:"labels"`
				Value  string            `json:"value"`
			} `json:"exemplars"`
		} `json:"data"`
	}
	now := time.Now()
	u := fmt.Sprintf("%s/api/v1/query_exemplars?query=%s&start=%d&end=%d", prom,
		url.QueryEscape("loadcron_request_duration_seconds_bucket"+selector), now.Add(-5*time.Minute).Unix(), now.Unix())
	if err := getJSON(u, &body); err != nil {
		return nil, err
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("query_exemplars: %s", body.Error)
	}
	var out []map[string]string
	for _, s := range body.Data {
		for _, e := range s.Exemplars {
			out = append(out, e.Labels)
		}
	}
	return out, nil
}

// TestE2EStreamExemplarsPush checks, against real components, what issue
// 12 adds: streamed responses measured and exported (and the streaming
// dashboard panels answered), exemplars with a trace_id and run_id
// queried from Prometheus' exemplar storage — among them the slowest
// request of a run, as its report lists it — and a CI run's metrics
// pushed through the Pushgateway into the same Prometheus, under the
// daemon's metric names.
func TestE2EStreamExemplarsPush(t *testing.T) {
	skipUnlessE2E(t)
	t.Parallel()
	start := time.Now()
	promBin := tool(t, "prometheus")
	bin := binaries(t)
	dir := t.TempDir()

	simAddr := freeAddr(t)
	sim := startProc(t, dir, "chatsim", filepath.Join(bin, "chatsim"), "--listen", simAddr, "--seed", "1",
		"--uncached-latency", "300ms", "--cached-latency", "20ms", "--jitter", "0.2",
		"--token-interval", "20ms", "--cached-token-interval", "2ms")
	simURL := "http://" + simAddr
	waitReady(t, sim, simURL+"/health")
	gateway := testtools.StartPushgateway(t)

	// One config for the daemon and the CI run below.
	cfg := writeFile(t, dir, "loadcron-sp.yaml", spConfig(simURL))
	lcAddr := freeAddr(t)
	lcProc := startProc(t, dir, "loadcron-sp", filepath.Join(bin, "loadcron"), "serve",
		"--config.file", cfg, "--web.listen-address", lcAddr,
		"--data-dir", filepath.Join(dir, "data-sp"), "--log.format", "json")
	lc := "http://" + lcAddr
	waitReady(t, lcProc, lc+"/-/ready")

	promAddr := freeAddr(t)
	prom := startProc(t, dir, "prometheus", promBin,
		"--config.file="+writeFile(t, dir, "prometheus-sp.yml", spPromConfig(lcAddr, strings.TrimPrefix(gateway, "http://"))),
		"--web.listen-address="+promAddr,
		"--storage.tsdb.path="+filepath.Join(dir, "tsdb-sp"),
		// Exemplar storage; not native-histograms, with which 2.42 keeps
		// only the lowest bucket's exemplar per scrape.
		"--enable-feature=exemplar-storage",
		"--log.level=warn")
	promURL := "http://" + promAddr
	waitReady(t, prom, promURL+"/-/ready")

	// A CI run of the same suite, pushed with a pipeline label.
	cmd := exec.Command(filepath.Join(bin, "loadcron"), "run", "--config.file", cfg, "--suite", spSuite,
		"--report", filepath.Join(dir, "ci-report.json"), "--push.url", gateway, "--push.grouping", "pipeline="+spPipeline)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("loadcron run --push.url: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Streaming:") || !strings.Contains(string(out), "Metrics pushed to "+gateway) {
		t.Errorf("loadcron run output lacks the Streaming block or the push line:\n%s", out)
	}

	t.Run("streaming", func(t *testing.T) {
		// A finished daemon run with streaming figures: every stream ended.
		var run runReport
		eventually(t, 60*time.Second, "a finished run with streaming figures", func() (bool, string) {
			runs, err := loadcronRuns(lc, spSuite)
			if err != nil || len(runs) == 0 {
				return false, fmt.Sprint(err)
			}
			run = runs[0]
			sr := run.TestResults[0]
			return sr.Streaming != nil && sr.Streaming.Streams == 12 && sr.Streaming.Ended == 12 && sr.Streaming.Events >= 12*6,
				fmt.Sprintf("%s: %+v", run.RunID, sr.Streaming)
		})
		inst := `instance="` + lcAddr + `"`
		for _, q := range []string{
			`loadcron_last_run_stream_first_event_seconds{` + inst + `,stat="p95"} > 0`,
			`loadcron_last_run_stream_event_gap_seconds{` + inst + `,stat="p95"} > 0`,
			`loadcron_stream_events_total{` + inst + `} > 0`,
			`loadcron_threshold_max_p95_first_event_seconds{` + inst + `} == 3`,
		} {
			eventually(t, 30*time.Second, q, func() (bool, string) {
				v, err := promVector(promURL, q)
				return err == nil && len(v) > 0, fmt.Sprint(len(v), err)
			})
		}
		// Every streaming query of the dashboards answers here (the main
		// stack's suite does not stream: there they may be empty).
		files, _ := filepath.Glob(filepath.Join(moduleRoot, "dashboards", "*.json"))
		checked := 0
		for _, f := range files {
			exprs, err := promqlcheck.FromDashboard(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range exprs {
				if !isStreamingQuery(e.Query) {
					continue
				}
				q := expandVars(e.Query, allVars)
				checked++
				eventually(t, 30*time.Second, e.Source, func() (bool, string) {
					v, err := promVector(promURL, q)
					return err == nil && len(v) > 0, fmt.Sprintf("%d series, %v: %s", len(v), err, q)
				})
			}
		}
		if checked < 8 {
			t.Errorf("only %d streaming dashboard queries found", checked)
		}
	})

	t.Run("exemplars", func(t *testing.T) {
		hexID := regexp.MustCompile(`^[0-9a-f]{32}$`)
		var run runReport
		eventually(t, 60*time.Second, "the slowest request of a finished run among the exemplars", func() (bool, string) {
			runs, err := loadcronRuns(lc, spSuite)
			if err != nil {
				return false, err.Error()
			}
			ex, err := spExemplars(promURL, `{suite="`+spSuite+`",`+`instance="`+lcAddr+`"}`)
			if err != nil {
				return false, err.Error()
			}
			byTrace := map[string]string{}
			for _, l := range ex {
				if !hexID.MatchString(l["trace_id"]) || l["run_id"] == "" {
					return false, fmt.Sprintf("exemplar labels %v", l)
				}
				byTrace[l["trace_id"]] = l["run_id"]
			}
			// A run finished more than two scrapes ago: its slowest
			// request's exemplar has been scraped.
			for _, r := range runs {
				if time.Since(r.FinishedAt) < 2*time.Second || len(r.TestResults) == 0 || len(r.TestResults[0].Slowest) == 0 {
					continue
				}
				run = r
				slow := r.TestResults[0].Slowest[0]
				got, ok := byTrace[slow.TraceID]
				return ok && got == r.RunID, fmt.Sprintf("%d exemplars; slowest of %s (%s, %.0fms) has run_id %q",
					len(ex), r.RunID, slow.TraceID, slow.LatencyMs, got)
			}
			return false, fmt.Sprintf("%d exemplars, no finished run yet", len(ex))
		})
		t.Logf("run %s: its slowest request %s is an exemplar", run.RunID, run.TestResults[0].Slowest[0].TraceID)
	})

	t.Run("pushgateway", func(t *testing.T) {
		sel := `{job="loadcron",pipeline="` + spPipeline + `",suite="` + spSuite + `",scenario="` + spScenario + `"}`
		for q, want := range map[string]string{
			`loadcron_last_run_requests` + sel:                   "12",
			`sum(loadcron_requests_total` + sel + `)`:            "12",
			`loadcron_last_run_passed` + sel:                     "1",
			`loadcron_suite_last_run_passed{pipeline="e2e"}`:     "1",
			`count(loadcron_stream_events_total` + sel + ` > 0)`: "1",
			// The default instance grouping label, which the dashboards'
			// instance variable (label_values of build_info) lists.
			`count(loadcron_last_run_requests` + sel + ` and on (instance) loadcron_build_info{instance="loadcron-run"})`: "1",
		} {
			eventually(t, 30*time.Second, q, func() (bool, string) {
				v, err := promVector(promURL, q)
				if err != nil || len(v) != 1 {
					return false, fmt.Sprint(len(v), " series ", err)
				}
				return v[0].value() == want, v[0].value()
			})
		}
		// The daemon's runs and the CI run side by side under one name.
		eventually(t, 30*time.Second, "daemon and CI series of the same metric", func() (bool, string) {
			v, err := promVector(promURL, `loadcron_last_run_requests{suite="`+spSuite+`"}`)
			return err == nil && len(v) == 2, fmt.Sprint(len(v), err)
		})
	})
	t.Logf("streaming/exemplar/push e2e: %s", time.Since(start).Round(time.Second))
}

// isStreamingQuery reports whether a dashboard query reads streaming
// series (or their thresholds).
func isStreamingQuery(q string) bool {
	return strings.Contains(q, "stream_") || strings.Contains(q, "max_p95_first_event") || strings.Contains(q, "max_p95_event_gap")
}
