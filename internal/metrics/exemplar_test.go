package metrics

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/loadcron/loadcron/internal/result"
)

// withTrace returns a successful miss with latency d and a trace id
// ending in n.
func withTrace(d time.Duration, n byte) *result.Result {
	r := &result.Result{Latency: d, Code: 200, Cache: result.CacheMiss}
	r.TraceID[0], r.TraceID[15] = 0xab, n
	return r
}

func TestExemplars(t *testing.T) {
	m, reg := newTestMetrics(t, Options{NativeHistograms: true})
	s := m.Scenario("chat", "baseline", "chatsim")
	s.BeginRun("20261130T120000Z-abc123")
	rec := s.Recorder()
	// Bucket le=0.5 sees 0.3s, then a slower 0.45s (a new record: its
	// exemplar replaces the first), then 0.4s (no record: no exemplar).
	rec.Record(withTrace(300*time.Millisecond, 1))
	rec.Record(withTrace(450*time.Millisecond, 2))
	rec.Record(withTrace(400*time.Millisecond, 3))
	// Bucket le=10: one slow request.
	rec.Record(withTrace(7*time.Second, 4))
	// A request without a trace id never carries one.
	rec.Record(&result.Result{Latency: 9 * time.Second, Code: 200, Cache: result.CacheMiss})

	// Scraped as Prometheus does with exemplar storage on.
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Accept", "application/openmetrics-text; version=1.0.0")
	w := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true}).ServeHTTP(w, req)
	body := w.Body.String()
	ex := regexp.MustCompile(`loadcron_request_duration_seconds_bucket\{cache="miss",outcome="success",[^}]*le="([^"]+)"\} \d+ # \{([^}]*)\} ([0-9.e+-]+)`)
	got := map[string]string{}
	for _, m := range ex.FindAllStringSubmatch(body, -1) {
		pairs := strings.Split(m[2], ",") // the client writes them in map order
		sort.Strings(pairs)
		got[m[1]] = strings.Join(pairs, ",") + " " + m[3]
	}
	want := map[string]string{
		"0.5":  `run_id="20261130T120000Z-abc123",trace_id="ab000000000000000000000000000002" 0.45`,
		"10.0": `run_id="20261130T120000Z-abc123",trace_id="ab000000000000000000000000000004" 7.0`,
	}
	if len(got) != len(want) {
		t.Errorf("exemplars on buckets %v, want %v\n%s", got, want, grep(body, "request_duration_seconds_bucket{cache=\"miss\",outcome=\"success\""))
	}
	for le, w := range want {
		if got[le] != w {
			t.Errorf("bucket le=%s exemplar %q, want %q", le, got[le], w)
		}
	}

	// A new run starts the records over: its first request gets one.
	s.BeginRun("run-2")
	rec.Record(withTrace(200*time.Millisecond, 5))
	w = httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true}).ServeHTTP(w, req)
	if b := w.Body.String(); !strings.Contains(b, `le="0.5"} 4 # {trace_id="ab000000000000000000000000000005",run_id="run-2"} 0.2`) &&
		!strings.Contains(b, `le="0.5"} 4 # {run_id="run-2",trace_id="ab000000000000000000000000000005"} 0.2`) {
		t.Errorf("no exemplar of the new run:\n%s", grep(w.Body.String(), `le="0.5"`))
	}
}

// TestExemplarRunIDBounded: a run id that would take the labels over the
// 128-rune limit (where the client panics) is cut.
func TestExemplarRunIDBounded(t *testing.T) {
	m, _ := newTestMetrics(t, Options{})
	s := m.Scenario("chat", "baseline", "chatsim")
	s.BeginRun(strings.Repeat("é", 200))
	s.Recorder().Record(withTrace(time.Second, 1)) // must not panic
	if n := len([]rune(*s.ex.runID.Load())); n != maxExemplarRunID {
		t.Errorf("run id of %d runes kept, want %d", n, maxExemplarRunID)
	}
}

// TestExemplarsBounded: with latencies in random order, only a few
// observations per bucket carry an exemplar, and the rest do not allocate.
func TestExemplarsBounded(t *testing.T) {
	m, _ := newTestMetrics(t, Options{NativeHistograms: true})
	s := m.Scenario("chat", "baseline", "chatsim")
	s.BeginRun("r")
	rec := s.Recorder()
	// Warm up: the records of every bucket up to 60s are set by 60s.
	rec.Record(withTrace(60*time.Second, 1))
	for _, b := range DurationBuckets {
		rec.Record(withTrace(time.Duration(b*float64(time.Second)), 2))
	}
	r := withTrace(3*time.Millisecond, 3)
	if n := testing.AllocsPerRun(200, func() { rec.Record(r) }); n != 0 {
		t.Errorf("%v allocations per traced observation that sets no record", n)
	}
}

func grep(s, sub string) string {
	var b bytes.Buffer
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// BenchmarkRecordTraced is BenchmarkRecord with trace ids on every result
// (traceparent is on by default): the exemplar policy's cost per request
// once each bucket has its record, beside the untraced path.
func BenchmarkRecordTraced(b *testing.B) {
	for _, traced := range []bool{false, true} {
		b.Run(fmt.Sprintf("traced=%v", traced), func(b *testing.B) {
			s := New(prometheus.NewRegistry(), Options{NativeHistograms: true}).Scenario("s", "sc", "tg")
			s.BeginRun("run")
			results := slices.Clone(hotResults)
			for i := range results {
				if traced {
					results[i].TraceID[15] = byte(i + 1)
				}
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				rec := s.Recorder()
				i := 0
				for pb.Next() {
					rec.Record(&results[i%len(results)])
					i++
				}
			})
		})
	}
}
