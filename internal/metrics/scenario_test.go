package metrics

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/loadcron/loadcron/internal/result"
)

func TestRecorderValues(t *testing.T) {
	m, reg := newTestMetrics(t, Options{NativeHistograms: true})
	s := m.Scenario("chat", "baseline", "chatsim")
	results := []result.Result{
		// fast cached success
		{Latency: 3906250 * time.Nanosecond, TTFB: 3906250 * time.Nanosecond, Code: 200, Cache: result.CacheHit},
		// slower uncached success
		{Latency: 250 * time.Millisecond, TTFB: 125 * time.Millisecond, Code: 200, Cache: result.CacheMiss},
		// success without a cache signal
		{Latency: 1500 * time.Millisecond, TTFB: time.Second, Code: 201},
		// 503: a response arrived, failure of kind http_5xx; its cache hit does not count
		{Latency: 250 * time.Millisecond, TTFB: 250 * time.Millisecond, Code: 503, Kind: result.KindHTTP5xx, Cache: result.CacheHit},
		// timeout: no response, code "error", beyond the last bucket
		{Latency: 70 * time.Second, Kind: result.KindTimeout},
		// connection refused: no response
		{Latency: 3906250 * time.Nanosecond, Kind: result.KindConnection},
	}
	// Two recorders, as two virtual users would have.
	recs := []result.Recorder{s.Recorder(), s.Recorder()}
	for i := range results {
		recs[i%2].Record(&results[i])
	}

	labels := `scenario="baseline",suite="chat",target="chatsim"`
	compare(t, reg, `
# HELP loadcron_requests_total Completed requests by HTTP status code ("error" when no response arrived).
# TYPE loadcron_requests_total counter
loadcron_requests_total{code="200",`+labels+`} 2
loadcron_requests_total{code="201",`+labels+`} 1
loadcron_requests_total{code="503",`+labels+`} 1
loadcron_requests_total{code="error",`+labels+`} 2
# HELP loadcron_request_errors_total Failed requests by error kind.
# TYPE loadcron_request_errors_total counter
loadcron_request_errors_total{kind="connection",`+labels+`} 1
loadcron_request_errors_total{kind="http_5xx",`+labels+`} 1
loadcron_request_errors_total{kind="timeout",`+labels+`} 1
# HELP loadcron_cache_responses_total Successful responses by the target's cache-hit signal (hit or miss).
# TYPE loadcron_cache_responses_total counter
loadcron_cache_responses_total{result="hit",`+labels+`} 1
loadcron_cache_responses_total{result="miss",`+labels+`} 1
`, "loadcron_requests_total", "loadcron_request_errors_total", "loadcron_cache_responses_total")

	// With native histograms on, TTFB is native only: in the text
	// exposition, its count, sum and +Inf bucket.
	compare(t, reg, `
# HELP loadcron_request_ttfb_seconds Time from the actual send to the first response byte, for requests that got a response.
# TYPE loadcron_request_ttfb_seconds histogram
`+histSeriesWith("loadcron_request_ttfb_seconds", labels, nil, 0.00390625, 0.125, 1, 0.25), "loadcron_request_ttfb_seconds")

	var want strings.Builder
	want.WriteString(`# HELP loadcron_request_duration_seconds Request latency from the (intended) send time to the end of the body.
# TYPE loadcron_request_duration_seconds histogram
`)
	for _, series := range []struct {
		cache, outcome string
		obs            []float64
	}{
		// only the outcome/cache pairs that occurred; a failure's cache
		// state is always unknown (the 503 said hit)
		{"hit", "success", []float64{0.00390625}},
		{"miss", "success", []float64{0.25}},
		{"unknown", "failure", []float64{0.25, 70, 0.00390625}},
		{"unknown", "success", []float64{1.5}},
	} {
		l := fmt.Sprintf(`cache=%q,outcome=%q,%s`, series.cache, series.outcome, labels)
		want.WriteString(histSeries("loadcron_request_duration_seconds", l, series.obs...))
	}
	compare(t, reg, want.String(), "loadcron_request_duration_seconds")
}

func TestRecorderManyCodes(t *testing.T) {
	m, reg := newTestMetrics(t, Options{})
	rec := m.Scenario("s", "sc", "tg").Recorder()
	// More distinct codes than a recorder caches, each several times, in
	// an order that makes the cache rotate.
	codes := []int{200, 201, 202, 204, 301, 302, 304, 400, 401, 403, 404, 500}
	for round := 0; round < 3; round++ {
		for _, c := range codes {
			rec.Record(&result.Result{Code: c, Kind: result.KindCheck})
		}
	}
	for _, c := range codes {
		got := value(t, reg, "loadcron_requests_total", nil, "code", fmt.Sprint(c))
		if got != 3 {
			t.Errorf("requests_total{code=%d} = %v, want 3", c, got)
		}
	}
	// no code="error" series: every result had a response
	if n, err := testutil.GatherAndCount(reg, "loadcron_requests_total"); err != nil || n != len(codes) {
		t.Errorf("requests_total has %d series (err %v), want %d", n, err, len(codes))
	}
}

func TestScenarioIsCached(t *testing.T) {
	m, _ := newTestMetrics(t, Options{})
	a := m.Scenario("s", "sc", "tg")
	// same triple: same handles
	if b := m.Scenario("s", "sc", "tg"); a != b {
		t.Error("Scenario returned a new value for the same names")
	}
	// other target: other handles
	if c := m.Scenario("s", "sc", "other"); a == c {
		t.Error("Scenario returned the same value for another target")
	}
}

func TestLiveGauges(t *testing.T) {
	m, reg := newTestMetrics(t, Options{})
	s := m.Scenario("chat", "burst", "chatsim")
	s.VirtualUsers().Set(50)
	s.InFlight().Add(7)
	s.InFlight().Dec()
	s.AddDropped(3)
	s.AddDropped(0)  // ignored
	s.AddDropped(-1) // ignored
	s.AddCost(0.5, 0.25)
	s.AddCost(-1, 0) // ignored: counters only go up
	l := `scenario="burst",suite="chat",target="chatsim"`
	compare(t, reg, `
# HELP loadcron_virtual_users Virtual users (closed model) or workers (open model) currently running.
# TYPE loadcron_virtual_users gauge
loadcron_virtual_users{`+l+`} 50
# HELP loadcron_requests_in_flight Requests sent and not yet completed.
# TYPE loadcron_requests_in_flight gauge
loadcron_requests_in_flight{`+l+`} 6
# HELP loadcron_dropped_requests_total Open-model requests that were due but not sent because the in-flight cap was reached.
# TYPE loadcron_dropped_requests_total counter
loadcron_dropped_requests_total{`+l+`} 3
# HELP loadcron_estimated_cost_total Estimated cost of uncached successful responses, from the target's cost per uncached request.
# TYPE loadcron_estimated_cost_total counter
loadcron_estimated_cost_total{`+l+`} 0.5
# HELP loadcron_estimated_savings_total Estimated cost saved by cached responses, from the target's cost per uncached request.
# TYPE loadcron_estimated_savings_total counter
loadcron_estimated_savings_total{`+l+`} 0.25
`, "loadcron_virtual_users", "loadcron_requests_in_flight", "loadcron_dropped_requests_total",
		"loadcron_estimated_cost_total", "loadcron_estimated_savings_total")
}

func TestNativeHistogramOption(t *testing.T) {
	for _, tc := range []struct {
		name   string
		native bool
	}{
		{"native on: sparse buckets beside the classic ones", true},
		{"native off: classic buckets only", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, reg := newTestMetrics(t, Options{NativeHistograms: tc.native})
			m.Scenario("s", "sc", "tg").Recorder().Record(&result.Result{Latency: 250 * time.Millisecond, Code: 200})
			mfs, err := reg.Gather()
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, mf := range mfs {
				if mf.GetName() != "loadcron_request_duration_seconds" {
					continue
				}
				for _, mt := range mf.GetMetric() {
					h := mt.GetHistogram()
					if h.GetSampleCount() == 0 {
						continue
					}
					found = true
					if got := len(h.GetBucket()); got != len(DurationBuckets) {
						t.Errorf("classic buckets = %d, want %d", got, len(DurationBuckets))
					}
					hasNative := len(h.GetPositiveSpan()) > 0
					if hasNative != tc.native {
						t.Errorf("native spans present = %v, want %v", hasNative, tc.native)
					}
					// factor 1.1 gives schema 3 (2^(2^-3) ≈ 1.09)
					if tc.native && h.GetSchema() != 3 {
						t.Errorf("schema = %d, want 3", h.GetSchema())
					}
				}
			}
			if !found {
				t.Fatal("no observed duration series gathered")
			}
		})
	}
}

// hotResults is a mix of outcomes, codes and cache states for the
// allocation test and the benchmark.
var hotResults = []result.Result{
	{Latency: 3 * time.Millisecond, TTFB: time.Millisecond, Code: 200, Cache: result.CacheHit},
	{Latency: 1200 * time.Millisecond, TTFB: time.Second, Code: 200, Cache: result.CacheMiss},
	{Latency: 40 * time.Millisecond, TTFB: 30 * time.Millisecond, Code: 404, Kind: result.KindHTTP4xx},
	{Latency: 7 * time.Second, TTFB: 6 * time.Second, Code: 503, Kind: result.KindHTTP5xx},
	{Latency: 30 * time.Second, Kind: result.KindTimeout},
	{Latency: 90 * time.Second, Code: 200},
}

func TestRecordDoesNotAllocate(t *testing.T) {
	for _, native := range []bool{true, false} {
		m, _ := newTestMetrics(t, Options{NativeHistograms: native})
		rec := m.Scenario("s", "sc", "tg").Recorder()
		// Warm up: codes cached, native buckets created.
		for i := range hotResults {
			rec.Record(&hotResults[i])
		}
		allocs := testing.AllocsPerRun(1000, func() {
			for i := range hotResults {
				rec.Record(&hotResults[i])
			}
		})
		if allocs != 0 {
			t.Errorf("native=%v: %v allocations per run of %d records, want 0", native, allocs, len(hotResults))
		}
	}
}

func BenchmarkRecord(b *testing.B) {
	for _, native := range []bool{true, false} {
		b.Run(fmt.Sprintf("native=%v", native), func(b *testing.B) {
			reg := prometheus.NewRegistry()
			s := New(reg, Options{NativeHistograms: native}).Scenario("s", "sc", "tg")
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				rec := s.Recorder() // one per goroutine, as one per virtual user
				i := 0
				for pb.Next() {
					rec.Record(&hotResults[i%len(hotResults)])
					i++
				}
			})
		})
	}
}
