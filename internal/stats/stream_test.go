package stats

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/result"
)

// TestStreamSummaryExact records streams with known first-event times and
// gaps through several workers (shards) and checks every figure of the
// StreamSummary against the order statistics of the same samples.
func TestStreamSummaryExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	c := NewCollector(8)
	var firsts, gaps []time.Duration
	var events, paced int64
	var span time.Duration
	const streams = 500
	for i := range streams {
		rec := c.Recorder(i % 8)
		// A chat-like stream: a first token after 100 ms–2.5 s, then
		// 5–40 tokens 10–80 ms apart.
		first := 100*time.Millisecond + time.Duration(rng.Int64N(int64(2400*time.Millisecond)))
		n := 5 + rng.IntN(36)
		g := make([]time.Duration, n-1)
		var s time.Duration
		for j := range g {
			g[j] = 10*time.Millisecond + time.Duration(rng.Int64N(int64(70*time.Millisecond)))
			s += g[j]
		}
		rec.(result.GapRecorder).RecordGaps(g)
		rec.Record(&result.Result{
			Latency: first + s, Code: 200, Streamed: true,
			Stream: result.Stream{FirstEvent: first, Span: s, Events: int64(n), Ended: i%10 != 0},
		})
		firsts = append(firsts, first)
		gaps = append(gaps, g...)
		events += int64(n)
		paced += int64(n - 1)
		span += s
	}
	// One plain response in the same scenario is not a stream.
	c.Recorder(0).Record(&result.Result{Latency: time.Second, Code: 200})

	sum := c.Summary(time.Minute, 0)
	st := sum.Stream
	if st == nil {
		t.Fatal("no stream summary")
	}
	if st.Streams != streams || st.Ended != streams-streams/10 || st.Events != events {
		t.Errorf("streams %d ended %d events %d; want %d, %d, %d", st.Streams, st.Ended, st.Events, streams, streams-streams/10, events)
	}
	if want := float64(paced) / span.Seconds(); !closeTo(st.EventsPerSecond, want) {
		t.Errorf("events/s %g, want %g", st.EventsPerSecond, want)
	}
	check := func(what string, got Distribution, sample []time.Duration) {
		t.Helper()
		slices.Sort(sample)
		var total time.Duration
		for _, d := range sample {
			total += d
		}
		n := int64(len(sample))
		if got.Count != n || got.Min != sample[0] || got.Max != sample[n-1] ||
			got.Avg != time.Duration((int64(total)+n/2)/n) {
			t.Errorf("%s: %+v; want count %d min %s max %s", what, got, n, sample[0], sample[n-1])
		}
		for _, p := range []struct {
			pct float64
			got time.Duration
		}{{50, got.P50}, {95, got.P95}, {99, got.P99}} {
			if want := orderStat(sample, p.pct); !within(p.got, want) {
				t.Errorf("%s P%g = %s, want %s (±0.1 %% + 1µs)", what, p.pct, p.got, want)
			}
		}
	}
	check("first event", st.FirstEvent, firsts)
	check("event gap", st.EventGap, gaps)
}

// TestStreamPercentilesExactSmall uses values the histogram holds exactly
// (under 2048 µs its resolution is 1 µs), so the percentiles are the order
// statistics themselves.
func TestStreamPercentilesExactSmall(t *testing.T) {
	c := NewCollector(1)
	rec := c.Recorder(0)
	var gaps []time.Duration
	for i := 1; i <= 100; i++ {
		gaps = append(gaps, time.Duration(i)*10*time.Microsecond) // 10µs … 1000µs
	}
	rec.(result.GapRecorder).RecordGaps(gaps)
	for i := 1; i <= 20; i++ {
		rec.Record(&result.Result{Code: 200, Streamed: true,
			Stream: result.Stream{FirstEvent: time.Duration(i) * 100 * time.Microsecond, Events: 6, Ended: true}})
	}
	st := c.Summary(time.Second, 0).Stream
	want := Distribution{Count: 100, Avg: 505 * time.Microsecond, P50: 500 * time.Microsecond,
		P95: 950 * time.Microsecond, P99: 990 * time.Microsecond, Min: 10 * time.Microsecond, Max: 1000 * time.Microsecond}
	if st.EventGap != want {
		t.Errorf("gaps %+v, want %+v", st.EventGap, want)
	}
	wantFirst := Distribution{Count: 20, Avg: 1050 * time.Microsecond, P50: 1000 * time.Microsecond,
		P95: 1900 * time.Microsecond, P99: 2000 * time.Microsecond, Min: 100 * time.Microsecond, Max: 2000 * time.Microsecond}
	if st.FirstEvent != wantFirst {
		t.Errorf("first event %+v, want %+v", st.FirstEvent, wantFirst)
	}
}

func TestNoStreamNoSummary(t *testing.T) {
	c := NewCollector(2)
	c.Recorder(0).Record(&result.Result{Latency: time.Second, Code: 200})
	if s := c.Summary(time.Second, 0); s.Stream != nil {
		t.Errorf("stream summary %+v for plain responses", s.Stream)
	}
}

func TestStreamThresholds(t *testing.T) {
	d := func(s string) *time.Duration { v, _ := time.ParseDuration(s); return &v }
	sum := Summary{Total: 10, Successful: 10, SuccessRate: 1, Avg: time.Second,
		Stream: &StreamSummary{FirstEvent: Distribution{P95: 800 * time.Millisecond}, EventGap: Distribution{P95: 60 * time.Millisecond}}}
	v := Evaluate(sum, config.Thresholds{MaxP95FirstEvent: d("1s"), MaxP95EventGap: d("50ms")}, config.Grades{}, true)
	want := []ThresholdResult{
		{Name: ThresholdMaxP95FirstEvent, Limit: 1, Value: 0.8, Passed: true},
		{Name: ThresholdMaxP95EventGap, Limit: 0.05, Value: 0.06, Passed: false},
	}
	if !slices.Equal(v.Thresholds, want) || v.Status != StatusFailed {
		t.Errorf("verdict %+v, want thresholds %+v and failed", v, want)
	}
	// The missed one is a violation like any other: the why of the verdict.
	wantV := []Violation{{Threshold: ThresholdMaxP95EventGap, Value: 0.06, Limit: 0.05, Comparison: "<=", Unit: UnitSeconds, Critical: true}}
	if !slices.Equal(v.Violations, wantV) {
		t.Errorf("violations %+v, want %+v", v.Violations, wantV)
	}
	// Without streams the figures are 0: the limits hold.
	sum.Stream = nil
	if v := Evaluate(sum, config.Thresholds{MaxP95EventGap: d("50ms")}, config.Grades{}, true); v.Status != StatusPassed {
		t.Errorf("no streams: %+v", v)
	}
}

func closeTo(a, b float64) bool {
	d := a - b
	return d < 1e-9*b && d > -1e-9*b
}
