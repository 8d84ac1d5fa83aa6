package stats

import (
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/loadcron/loadcron/internal/result"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// orderStat is the sample at HDR's rank for percent p: rank =
// int(p/100 × n + 0.5), at least 1 and at most n, of the sorted sample.
func orderStat(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	rank := int((p/100)*float64(n) + 0.5)
	rank = max(1, min(rank, n))
	return sorted[rank-1]
}

// within reports whether got is the true value want within the histogram's
// stated precision: 0.1 % relative plus 1 µs of resolution.
func within(got, want time.Duration) bool {
	diff := math.Abs(float64(got - want))
	return diff <= float64(want)*0.001+float64(time.Microsecond)
}

func TestSummaryMatchesOrderStatistics(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 7))
	uniform := func(lo, hi time.Duration) func() time.Duration {
		return func() time.Duration { return lo + time.Duration(rng.Int64N(int64(hi-lo)+1)) }
	}
	tests := []struct {
		name string
		n    int
		gen  func() time.Duration
	}{
		// one request only
		{"single value", 1, func() time.Duration { return 1690 * time.Millisecond }},
		// two distinct values: median and P95/P99 pick different ones
		{"two values", 2, func() time.Duration {
			if rng.IntN(2) == 0 {
				return 98 * time.Millisecond
			}
			return 3 * time.Second
		}},
		// every latency equal, not on a microsecond boundary
		{"constant", 1000, func() time.Duration { return 1234567891 * time.Nanosecond }},
		// cache hits around 100 ms, misses around 12 s
		{"bimodal", 5000, func() time.Duration {
			if rng.Float64() < 0.8 {
				return uniform(80*time.Millisecond, 120*time.Millisecond)()
			}
			return uniform(10*time.Second, 14*time.Second)()
		}},
		// uniform over a wide range
		{"uniform", 3000, uniform(0, 10*time.Second)},
		// long-tailed (log-normal around 200 ms)
		{"lognormal", 4000, func() time.Duration {
			return time.Duration(math.Exp(rng.NormFloat64()*1.5) * float64(200*time.Millisecond))
		}},
		// loopback-fast, below and around the 1 µs resolution
		{"sub-microsecond", 2000, uniform(0, 5*time.Microsecond)},
		// small sample where rank rounding matters
		{"seven values", 7, uniform(time.Millisecond, time.Second)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCollector(16)
			sample := make([]time.Duration, tc.n)
			var sum int64
			for i := range sample {
				d := tc.gen()
				sample[i] = d
				sum += int64(d)
				c.Recorder(i % 16).Record(&result.Result{Latency: d})
			}
			slices.Sort(sample)
			s := c.Summary(time.Second, 0)

			if s.Min != sample[0] || s.Max != sample[tc.n-1] {
				t.Errorf("min/max = %v/%v, want exactly %v/%v", s.Min, s.Max, sample[0], sample[tc.n-1])
			}
			wantAvg := time.Duration((sum + int64(tc.n)/2) / int64(tc.n))
			if s.Avg != wantAvg {
				t.Errorf("avg = %v, want exactly %v", s.Avg, wantAvg)
			}
			for _, q := range []struct {
				name string
				got  time.Duration
				p    float64
			}{{"median", s.Median, 50}, {"p95", s.P95, 95}, {"p99", s.P99, 99}} {
				want := orderStat(sample, q.p)
				if !within(q.got, want) {
					t.Errorf("%s = %v, want %v within 0.1%% + 1µs", q.name, q.got, want)
				}
				if q.got < s.Min || q.got > s.Max {
					t.Errorf("%s = %v outside [min %v, max %v]", q.name, q.got, s.Min, s.Max)
				}
			}
			if !(s.Median <= s.P95 && s.P95 <= s.P99) {
				t.Errorf("percentiles not monotone: %v %v %v", s.Median, s.P95, s.P99)
			}
		})
	}
}

func TestSummaryCountsAndRates(t *testing.T) {
	// The guide's cost example: 60 requests, 48 cache hits, 0.06 per
	// uncached request → cost 0.72, savings 2.88. Plus 5 failures by kind
	// (whose cache signal must not count) and 3 successes without a signal.
	c := NewCollector(4)
	var results []result.Result
	for range 48 {
		results = append(results, result.Result{Latency: time.Second, Cache: result.CacheHit, Code: 200})
	}
	for range 9 {
		results = append(results, result.Result{Latency: 3 * time.Second, Cache: result.CacheMiss, Code: 200})
	}
	for range 3 {
		results = append(results, result.Result{Latency: 2 * time.Second, Code: 200})
	}
	results = append(results,
		result.Result{Latency: 30 * time.Second, Kind: result.KindTimeout, Cache: result.CacheHit},
		result.Result{Latency: 30 * time.Second, Kind: result.KindTimeout},
		result.Result{Latency: time.Millisecond, Kind: result.KindConnection},
		result.Result{Latency: 5 * time.Millisecond, Kind: result.KindHTTP5xx, Code: 503, Cache: result.CacheMiss},
		result.Result{Latency: 7 * time.Millisecond, Kind: result.KindCheck, Code: 200},
		result.Result{Latency: 4 * time.Millisecond, Lateness: 40 * time.Millisecond},
	)
	for i := range results {
		c.Recorder(i).Record(&results[i])
	}
	c.AddDropped(2)
	c.AddDropped(1)
	s := c.Summary(10*time.Second, 0.06)

	checks := []struct {
		name      string
		got, want int64
	}{
		{"total", s.Total, 66},
		{"successful", s.Successful, 61},
		{"failed", s.Failed, 5},
		{"dropped", s.Dropped, 3},
		{"cache hits (successes only)", s.CacheHits, 48},
		{"cache misses (successes only)", s.CacheMisses, 9},
		{"timeouts", s.Errors[result.KindTimeout], 2},
		{"connection", s.Errors[result.KindConnection], 1},
		{"http_5xx", s.Errors[result.KindHTTP5xx], 1},
		{"check", s.Errors[result.KindCheck], 1},
		{"none stays 0", s.Errors[result.KindNone], 0},
		{"dns", s.Errors[result.KindDNS], 0},
		{"max lateness", int64(s.MaxLateness), int64(40 * time.Millisecond)},
		{"min", int64(s.Min), int64(time.Millisecond)},
		{"max", int64(s.Max), int64(30 * time.Second)},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %d, want %d", ck.name, ck.got, ck.want)
		}
	}
	floats := []struct {
		name      string
		got, want float64
	}{
		{"success rate", s.SuccessRate, 61.0 / 66},
		{"error rate", s.ErrorRate, 5.0 / 66},
		{"cache hit rate over successes", s.CacheHitRate, 48.0 / 61},
		{"throughput", s.Throughput, 6.6},
		// 13 successful uncached responses (9 misses + 3 unknown + 1) × 0.06
		{"cost", s.EstimatedCost, 13 * 0.06},
		{"savings", s.EstimatedSavings, 2.88},
	}
	for _, f := range floats {
		if math.Abs(f.got-f.want) > 1e-9 {
			t.Errorf("%s = %v, want %v", f.name, f.got, f.want)
		}
	}
	if s.Elapsed != 10*time.Second {
		t.Errorf("elapsed = %v, want 10s", s.Elapsed)
	}
}

func TestSummaryGuideCostExample(t *testing.T) {
	// Guide, "With Caching (80% hit rate)": 60 requests, 48 hits → 0.72 / 2.88.
	c := NewCollector(20)
	for i := range 60 {
		r := result.Result{Latency: time.Second, Cache: result.CacheMiss}
		if i < 48 {
			r.Cache = result.CacheHit
		}
		c.Recorder(i).Record(&r)
	}
	s := c.Summary(time.Minute, 0.06)
	if math.Abs(s.EstimatedCost-0.72) > 1e-9 || math.Abs(s.EstimatedSavings-2.88) > 1e-9 {
		t.Errorf("cost/savings = %v/%v, want 0.72/2.88", s.EstimatedCost, s.EstimatedSavings)
	}
	if s.CacheHitRate != 0.8 {
		t.Errorf("cache hit rate = %v, want 0.8", s.CacheHitRate)
	}
}

func TestSummaryEmpty(t *testing.T) {
	c := NewCollector(3)
	c.AddDropped(5)
	got := c.Summary(0, 0.06)
	want := Summary{Dropped: 5}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("empty summary = %+v, want %+v", got, want)
	}
}

func TestSummaryOutOfRangeLatencies(t *testing.T) {
	// Negative latencies count as 0; latencies over the histogram's 1 h are
	// exact in Max and Avg, and percentiles stay within [Min, Max].
	c := NewCollector(1)
	rec := c.Recorder(0)
	rec.Record(&result.Result{Latency: -time.Second})
	rec.Record(&result.Result{Latency: 3 * time.Hour})
	s := c.Summary(time.Hour, 0)
	if s.Min != 0 || s.Max != 3*time.Hour || s.Avg != 90*time.Minute {
		t.Errorf("min/avg/max = %v/%v/%v, want 0/1h30m/3h", s.Min, s.Avg, s.Max)
	}
	if s.Median != 0 {
		t.Errorf("median = %v, want 0", s.Median)
	}
	if s.P99 < time.Hour || s.P99 > 3*time.Hour {
		t.Errorf("p99 = %v, want within [1h, 3h]", s.P99)
	}
}

func TestShardCount(t *testing.T) {
	perProc := shardsPerProc * runtime.GOMAXPROCS(0)
	tests := []struct {
		workers, want int
	}{
		{0, 1},                           // no workers still gets one shard
		{-3, 1},                          // nonsense input is tolerated
		{1, 1},                           // one user, one shard
		{10000, perProc},                 // many users are capped at 4×GOMAXPROCS
		{perProc + 1, perProc},           // just above the cap
		{perProc - 1, max(1, perProc-1)}, // below the cap: one shard per worker
	}
	for _, tc := range tests {
		if got := NewCollector(tc.workers).Shards(); got != tc.want {
			t.Errorf("NewCollector(%d).Shards() = %d, want %d", tc.workers, got, tc.want)
		}
	}
	c := NewCollector(2)
	c.Recorder(-1).Record(&result.Result{Latency: time.Millisecond})
	if s := c.Summary(time.Second, 0); s.Total != 1 {
		t.Errorf("negative worker index lost the result: total %d", s.Total)
	}
}

func TestConcurrentRecording(t *testing.T) {
	// Many goroutines record through shared shards while a live view takes
	// summaries; run with -race.
	const users, perUser = 32, 500
	c := NewCollector(users)
	var wg sync.WaitGroup
	done := make(chan struct{})
	liveDone := make(chan struct{})
	go func() {
		defer close(liveDone)
		var last int64
		for {
			select {
			case <-done:
				return
			default:
			}
			s := c.Summary(time.Second, 0.01)
			if s.Total < last {
				t.Errorf("live total went backwards: %d < %d", s.Total, last)
				return
			}
			last = s.Total
		}
	}()
	for u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := c.Recorder(u)
			r := result.Result{}
			for i := range perUser {
				r.Latency = time.Duration(i+1) * time.Millisecond
				r.Kind = result.KindNone
				r.Cache = result.CacheHit
				if i%10 == 0 {
					r.Kind = result.KindTimeout
				}
				rec.Record(&r)
			}
			c.AddDropped(1)
		}()
	}
	wg.Wait()
	close(done)
	<-liveDone

	s := c.Summary(time.Second, 0)
	if s.Total != users*perUser || s.Failed != users*perUser/10 || s.Dropped != users {
		t.Errorf("total/failed/dropped = %d/%d/%d, want %d/%d/%d",
			s.Total, s.Failed, s.Dropped, users*perUser, users*perUser/10, users)
	}
	if s.Min != time.Millisecond || s.Max != perUser*time.Millisecond {
		t.Errorf("min/max = %v/%v", s.Min, s.Max)
	}
	if want := time.Duration(perUser+1) * time.Millisecond / 2; s.Avg != want {
		t.Errorf("avg = %v, want %v", s.Avg, want)
	}
}

func TestRecordDoesNotAllocate(t *testing.T) {
	// A successful request costs no allocation whatever its cache class
	// (each has its own histogram) and status code.
	c := NewCollector(4, WithSecrets("x"), OnNewCause(func(Cause) {}))
	rec := c.Recorder(1)
	for _, cache := range []result.Cache{result.CacheHit, result.CacheMiss, result.CacheUnknown} {
		r := result.Result{Latency: 1500 * time.Microsecond, Cache: cache, Code: 200, Lateness: time.Millisecond}
		allocs := testing.AllocsPerRun(1000, func() {
			r.Latency += time.Microsecond
			r.Code = 200 + int(r.Latency%3)
			rec.Record(&r)
		})
		if allocs != 0 {
			t.Errorf("Record of a %s success allocates %v times per call, want 0", cache, allocs)
		}
	}
}

func BenchmarkRecord(b *testing.B) {
	c := NewCollector(1)
	rec := c.Recorder(0)
	r := result.Result{Cache: result.CacheMiss}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.Latency = time.Duration(i&0xffff) * time.Microsecond
		rec.Record(&r)
	}
}

func BenchmarkRecordParallel(b *testing.B) {
	c := NewCollector(1000)
	b.ReportAllocs()
	var next sync.Mutex
	worker := 0
	b.RunParallel(func(pb *testing.PB) {
		next.Lock()
		rec := c.Recorder(worker)
		worker++
		next.Unlock()
		r := result.Result{Cache: result.CacheHit}
		i := 0
		for pb.Next() {
			r.Latency = time.Duration(i&0xffff) * time.Microsecond
			rec.Record(&r)
			i++
		}
	})
}

func BenchmarkSummary(b *testing.B) {
	c := NewCollector(1000)
	for i := range 100000 {
		c.Recorder(i).Record(&result.Result{Latency: time.Duration(i) * time.Microsecond})
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = c.Summary(time.Minute, 0.06)
	}
}

// TestLatenessAccounting: open-model results carry their pacer lateness;
// the summary's median and P99 are the order statistics within 1 % (+1 µs),
// the maximum is exact, and closed-model results (lateness 0) add nothing.
func TestLatenessAccounting(t *testing.T) {
	c := NewCollector(4)
	var late []time.Duration
	for i := range 1000 {
		// 990 requests 10–59 µs late, 10 held up 5–14 ms (a busy pool)
		l := time.Duration(10+i%50) * time.Microsecond
		if i%100 == 99 {
			l = time.Duration(5+i/100) * time.Millisecond
		}
		late = append(late, l)
		c.Recorder(i).Record(&result.Result{Latency: time.Millisecond, Lateness: l})
	}
	// closed-model results in the same collector change no lateness figure
	for i := range 500 {
		c.Recorder(i).Record(&result.Result{Latency: time.Millisecond})
	}
	slices.Sort(late)
	s := c.Summary(time.Second, 0)
	near := func(got, want time.Duration) bool {
		return math.Abs(float64(got-want)) <= float64(want)*0.01+float64(time.Microsecond)
	}
	if want := orderStat(late, 50); !near(s.LatenessP50, want) {
		t.Errorf("lateness p50 = %v, want %v", s.LatenessP50, want)
	}
	if want := orderStat(late, 99); !near(s.LatenessP99, want) {
		t.Errorf("lateness p99 = %v, want %v", s.LatenessP99, want)
	}
	if s.MaxLateness != late[len(late)-1] {
		t.Errorf("max lateness = %v, want %v", s.MaxLateness, late[len(late)-1])
	}
	if s.Total != 1500 {
		t.Errorf("total = %d, want 1500", s.Total)
	}

	closed := NewCollector(1)
	closed.Recorder(0).Record(&result.Result{Latency: time.Millisecond})
	if s := closed.Summary(time.Second, 0); s.LatenessP50 != 0 || s.LatenessP99 != 0 || s.MaxLateness != 0 {
		t.Errorf("closed model lateness %v/%v/%v, want zeros", s.LatenessP50, s.LatenessP99, s.MaxLateness)
	}
}
