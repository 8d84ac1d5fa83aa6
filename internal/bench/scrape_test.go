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
// cache hits and misses), then measures a /metrics scrape in the text
// format: series (sample lines) in all and per scenario, bytes, and time
// per scrape (the benchmark's ns/op). It prints the series per metric
// family of one scenario. Run it with
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

	// Time scrapes as Prometheus makes them (Accept-Encoding: gzip) into a
	// writer that keeps nothing; report wall and CPU time per scrape.
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	var w discard
	before := snapshot()
	b.ResetTimer()
	for b.Loop() {
		h.ServeHTTP(&w, req)
	}
	b.StopTimer()
	after := snapshot()
	cpu := float64((after.cpu - before.cpu).Microseconds()) / 1e3 / float64(b.N)
	fmt.Printf("scrape: %.2f ms CPU per scrape (gzip, %d bytes compressed)\n", cpu, w.n/int64(b.N))
	b.ReportMetric(cpu, "cpu-ms/scrape")
	b.ReportMetric(float64(total), "series")
	b.ReportMetric(float64(perScenario), "series/scenario")
	b.ReportMetric(float64(len(body)), "bytes")
}

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
