package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/metrics"
	"github.com/loadcron/loadcron/internal/runner"
	"github.com/loadcron/loadcron/internal/server"
)

// scrapeConfig is 5 suites × 10 scenarios against one target with a JSON
// cache signal and a cost per miss, each scenario with the guide's
// thresholds: the daemon of issue 11's scrape figures.
func scrapeConfig(tb testing.TB, url string) *config.Config {
	var b strings.Builder
	fmt.Fprintf(&b, "targets:\n  api:\n    url: %q\n    health_check: {enabled: false}\n    cost_per_uncached_request: 0.06\n", url)
	b.WriteString("suites:\n")
	for s := range 5 {
		fmt.Fprintf(&b, "  suite%d:\n    scenarios:\n", s)
		for c := range 10 {
			fmt.Fprintf(&b, `      - name: scenario%d
        target: api
        users: 2
        requests_per_user: 10
        request: {path: "/api/chat?q={{ .Request }}"}
        thresholds: {min_success_rate: 0.95, max_avg_latency: 5s, max_p95_latency: 10s, max_p99_latency: 30s, min_cache_hit_rate: 0.5}
`, c)
		}
	}
	cfg, err := config.Parse([]byte(b.String()), "scrape.yaml", config.LoadOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// BenchmarkScrape builds the daemon's metrics for 50 scenarios that have
// each run once (through the runner, against a loopback target answering
// cache hits and misses), then counts the series (sample lines of the text
// format) in all and per scenario, and the bytes, printing the series per
// metric family of one scenario; and measures the CPU time of a /metrics
// scrape as Prometheus makes it (OpenMetrics, gzip), through the daemon's
// handler and, side by side, promhttp's default one. Run it with
//
//	make bench-scrape
func BenchmarkScrape(b *testing.B) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"reply":"ok","cached":%v}`, n.Add(1)%2 == 0)
	}))
	defer srv.Close()
	cfg := scrapeConfig(b, srv.URL)
	reg := prometheus.NewRegistry()
	m := metrics.New(reg, metrics.Options{NativeHistograms: true})
	if err := metrics.RegisterRuntime(reg); err != nil {
		b.Fatal(err)
	}
	m.SetConfig(cfg)
	m.ReloadResult(true, time.Now())
	r := &runner.Runner{Config: cfg, Metrics: m, UserAgent: "loadcron/bench"}
	for _, name := range cfg.SuiteNames() {
		m.SuiteRunStarted(name, time.Now())
		rep := r.Run(context.Background(), cfg.Suites[name], runner.NewRunID(time.Now()), "bench")
		m.SuiteRunFinished(name, string(rep.Status), rep.Passed, time.Now())
	}

	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	scrape := func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
		return w
	}
	body := scrape().Body.String()
	total, perScenario := 0, 0
	families := map[string]int{}
	for line := range strings.SplitSeq(body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		total++
		if strings.Contains(line, `scenario="scenario0"`) && strings.Contains(line, `suite="suite0"`) {
			perScenario++
			name, _, _ := strings.Cut(line, "{")
			families[strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")]++
		}
	}
	names := make([]string, 0, len(families))
	for f := range families {
		names = append(names, f)
	}
	slices.SortFunc(names, func(a, b string) int { return families[b] - families[a] })
	for _, f := range names {
		fmt.Printf("scrape: %3d series  %s (one scenario)\n", families[f], f)
	}
	fmt.Printf("scrape: 50 scenarios: %d series in all, %d per scenario, %d bytes\n", total, perScenario, len(body))

	// Time scrapes as Prometheus 2.42 makes them (OpenMetrics preferred,
	// gzip) into a writer that keeps nothing: the daemon's /metrics
	// handler against promhttp's default one (gzip at the default level),
	// side by side, in rounds; CPU time per scrape, medians.
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Accept", prometheusAccept)
	req.Header.Set("Accept-Encoding", "gzip")
	handlers := []struct {
		name string
		h    http.Handler
	}{
		{"loadcron /metrics (gzip level 1)", server.MetricsHandler(reg, nil)},
		{"promhttp default (gzip level 6)", promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true})},
	}
	const perRound = 50
	cpu := make([][]float64, len(handlers))
	size := make([]int64, len(handlers))
	for r := range envInt("LOADCRON_BENCH_ROUNDS", 3) {
		for i := range handlers {
			c := (i + r) % len(handlers)
			var w discard
			before := snapshot()
			for range perRound {
				handlers[c].h.ServeHTTP(&w, req)
			}
			after := snapshot()
			cpu[c] = append(cpu[c], float64((after.cpu-before.cpu).Microseconds())/1e3/perRound)
			size[c] = w.n / perRound
		}
	}
	for i, hd := range handlers {
		fmt.Printf("scrape: %-34s %5.2f ms CPU per scrape (median of %v), %d bytes sent\n", hd.name, median(cpu[i]), cpu[i], size[i])
	}
	fmt.Printf("scrape: load average %s\n", loadAvg())

	// The benchmark's own loop: the daemon's handler.
	var w discard
	b.ResetTimer()
	for b.Loop() {
		handlers[0].h.ServeHTTP(&w, req)
	}
	b.StopTimer()
	b.ReportMetric(median(cpu[0]), "cpu-ms/scrape")
	b.ReportMetric(median(cpu[1]), "promhttp-default-cpu-ms/scrape")
	b.ReportMetric(float64(total), "series")
	b.ReportMetric(float64(perScenario), "series/scenario")
	b.ReportMetric(float64(len(body)), "bytes")
}

// prometheusAccept is the Accept header of Prometheus 2.42's scrapes
// (native histograms off).
const prometheusAccept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

// discard is an http.ResponseWriter that counts and drops the body.
type discard struct {
	h http.Header
	n int64
}

func (d *discard) Header() http.Header {
	if d.h == nil {
		d.h = http.Header{}
	}
	return d.h
}
func (d *discard) Write(p []byte) (int, error) { d.n += int64(len(p)); return len(p), nil }
func (d *discard) WriteHeader(int)             {}
