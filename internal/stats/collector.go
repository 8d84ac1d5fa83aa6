package stats

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/loadcron/loadcron/internal/result"
)

// Histogram geometry: latency in microseconds from 1 µs to 1 h with 3
// significant digits (relative error ≤ 0.1 %), about 190 KB per histogram.
const (
	histLowest  = 1
	histHighest = int64(time.Hour / time.Microsecond)
	histDigits  = 3
)

// shardsPerProc is how many shards a Collector keeps per GOMAXPROCS: enough
// that goroutines rarely meet on one lock, few enough that the histograms
// stay small next to 10,000 users.
const shardsPerProc = 4

// Collector aggregates the results of one scenario run, recorded by many
// goroutines at once, into an exact Summary.
//
// It keeps a fixed pool of shards (4 × GOMAXPROCS, at least 1, at most the
// number of workers); each shard is a mutex, an HDR histogram and exact
// counters. Workers are spread over the shards by index, so no lock is
// shared by all users and memory does not grow with the number of users.
// Recording is O(1) and does not allocate.
type Collector struct {
	shards  []*shard
	dropped atomic.Int64

	// mergeMu guards merged, the scratch histogram Summary merges into, so
	// concurrent Summary calls (a live view) do not allocate 190 KB each.
	mergeMu sync.Mutex
	merged  *hdrhistogram.Histogram
	late    *hdrhistogram.Histogram
	// mergedStream is the scratch of mergeStreams (stream.go), made on
	// first use.
	mergedStream *streamShard
}

// NewCollector returns a Collector for a run with the given number of
// workers (virtual users, or open-model workers). workers < 1 counts as 1.
func NewCollector(workers int) *Collector {
	n := shardsPerProc * runtime.GOMAXPROCS(0)
	if workers < n {
		n = workers
	}
	if n < 1 {
		n = 1
	}
	c := &Collector{
		shards: make([]*shard, n),
		merged: newHistogram(),
	}
	for i := range c.shards {
		c.shards[i] = &shard{hist: newHistogram(), minNs: math.MaxInt64}
	}
	return c
}

func newHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histLowest, histHighest, histDigits)
}

// newLatenessHistogram holds pacer lateness in microseconds with 2
// significant digits (1 %): the figures that matter are tens of
// microseconds to milliseconds, and it stays small (~30 KB).
func newLatenessHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histLowest, histHighest, 2)
}

// Shards returns the number of shards, for tests and diagnostics.
func (c *Collector) Shards() int { return len(c.shards) }

// Recorder returns the recorder for worker index worker (worker modulo the
// number of shards). Several workers may share one recorder: it locks.
// Negative indexes are folded to non-negative ones.
func (c *Collector) Recorder(worker int) result.Recorder {
	i := worker % len(c.shards)
	if i < 0 {
		i += len(c.shards)
	}
	return c.shards[i]
}

// AddDropped counts n open-model requests that were due but not sent
// because the in-flight cap was reached. Safe for concurrent use.
func (c *Collector) AddDropped(n int64) { c.dropped.Add(n) }

// shard is one lock, one histogram and the exact counters of the workers
// mapped to it.
type shard struct {
	mu   sync.Mutex
	hist *hdrhistogram.Histogram

	total, successful, failed int64
	errors                    [result.NumKinds]int64
	hits, misses              int64
	sumNs, minNs, maxNs       int64
	maxLatenessNs             int64
	// late holds the pacer lateness of open-model requests, made on the
	// first one (closed-model runs never need it).
	late *hdrhistogram.Histogram
	// stream holds the figures of streamed responses (stream.go); nil
	// until the shard records one.
	stream *streamShard
	// slow keeps the shard's slowest requests (slowest.go).
	slow slowest

	// Pad so that shards allocated next to each other do not share a cache
	// line between their hot counters.
	_ [64]byte
}

// Record adds one result. It implements result.Recorder.
func (s *shard) Record(r *result.Result) {
	ns := int64(r.Latency)
	if ns < 0 {
		ns = 0
	}
	// Clamp into the histogram's range so RecordValue cannot fail (and so
	// never builds an error value on the hot path).
	us := ns / int64(time.Microsecond)
	if us > histHighest {
		us = histHighest
	}

	s.mu.Lock()
	_ = s.hist.RecordValue(us)
	s.total++
	if r.Kind == result.KindNone {
		s.successful++
		// Cache hits and misses count successful responses only, so the hit
		// rate is "share of good answers served from cache".
		switch r.Cache {
		case result.CacheHit:
			s.hits++
		case result.CacheMiss:
			s.misses++
		}
	} else {
		s.failed++
		if int(r.Kind) < result.NumKinds {
			s.errors[r.Kind]++
		}
	}
	s.sumNs += ns
	if ns < s.minNs {
		s.minNs = ns
	}
	if ns > s.maxNs {
		s.maxNs = ns
	}
	if l := int64(r.Lateness); l > 0 {
		s.maxLatenessNs = max(s.maxLatenessNs, l)
		if s.late == nil {
			s.late = newLatenessHistogram()
		}
		_ = s.late.RecordValue(min(l/int64(time.Microsecond), histHighest))
	}
	s.slow.add(r)
	if r.Streamed {
		if s.stream == nil {
			s.stream = newStreamShard()
		}
		s.stream.record(r)
	}
	s.mu.Unlock()
}

// Summary merges the shards into an exact account of the run so far.
//
// It is safe to call after all workers have stopped, and also while they
// are still recording (a live view): each shard is locked while it is
// merged, so the figures are consistent per shard but may be taken at
// slightly different instants across shards.
//
// Figures:
//   - Total, Successful, Failed, Errors, CacheHits, CacheMisses, Dropped
//     are exact counts. Cache hits and misses count successful responses
//     only.
//   - Avg is the exact mean latency (rounded to the nearest nanosecond);
//     Min and Max are exact. All latency figures cover successes and
//     failures alike.
//   - Median, P95 and P99 come from the merged HDR histogram (latency in
//     whole microseconds, 3 significant digits):
//     hdrhistogram-go's ValueAtQuantile(50 / 95 / 99), which returns the
//     highest value equivalent to the sample at rank
//     max(1, int(q × Total + 0.5)) of the sorted latencies (q as a
//     fraction). The result is clamped to [Min, Max]; so it is within
//     0.1 % + 1 µs of that order statistic. Median is P50.
//   - MaxLateness is exact; LatenessP50 and LatenessP99 come from a
//     histogram of whole microseconds with 2 significant digits (1 %),
//     never above MaxLateness. All three are zero in the closed model.
//   - SuccessRate and ErrorRate are over Total, CacheHitRate over
//     Successful, Throughput is Total / elapsed in seconds; each is 0 when
//     its denominator is 0.
//   - EstimatedCost is (Successful − CacheHits) × costPerUncached and
//     EstimatedSavings is CacheHits × costPerUncached.
func (c *Collector) Summary(elapsed time.Duration, costPerUncached float64) Summary {
	c.mergeMu.Lock()
	defer c.mergeMu.Unlock()
	c.merged.Reset()
	if c.late != nil {
		c.late.Reset()
	}

	var (
		s           Summary
		sumNs       int64
		minNs       int64 = math.MaxInt64
		maxNs       int64
		maxLateness int64
	)
	for _, sh := range c.shards {
		sh.mu.Lock()
		c.merged.Merge(sh.hist)
		s.Total += sh.total
		s.Successful += sh.successful
		s.Failed += sh.failed
		for k, n := range sh.errors {
			s.Errors[k] += n
		}
		s.CacheHits += sh.hits
		s.CacheMisses += sh.misses
		sumNs += sh.sumNs
		minNs = min(minNs, sh.minNs)
		maxNs = max(maxNs, sh.maxNs)
		maxLateness = max(maxLateness, sh.maxLatenessNs)
		if sh.late != nil {
			if c.late == nil {
				c.late = newLatenessHistogram()
			}
			c.late.Merge(sh.late)
		}
		sh.mu.Unlock()
	}
	s.Dropped = c.dropped.Load()
	s.Elapsed = elapsed
	s.MaxLateness = time.Duration(maxLateness)
	if c.late != nil && c.late.TotalCount() > 0 {
		late := func(percent float64) time.Duration {
			return min(time.Duration(c.late.ValueAtQuantile(percent))*time.Microsecond, s.MaxLateness)
		}
		s.LatenessP50 = late(50)
		s.LatenessP99 = late(99)
	}

	if s.Total > 0 {
		s.Min = time.Duration(minNs)
		s.Max = time.Duration(maxNs)
		s.Avg = time.Duration((sumNs + s.Total/2) / s.Total)
		pct := func(percent float64) time.Duration {
			d := time.Duration(c.merged.ValueAtQuantile(percent)) * time.Microsecond
			return min(max(d, s.Min), s.Max)
		}
		s.Median = pct(50)
		s.P95 = pct(95)
		s.P99 = pct(99)
		s.SuccessRate = float64(s.Successful) / float64(s.Total)
		s.ErrorRate = float64(s.Failed) / float64(s.Total)
	}
	if s.Successful > 0 {
		s.CacheHitRate = float64(s.CacheHits) / float64(s.Successful)
	}
	if sec := elapsed.Seconds(); sec > 0 {
		s.Throughput = float64(s.Total) / sec
	}
	s.EstimatedCost = float64(s.Successful-s.CacheHits) * costPerUncached
	s.EstimatedSavings = float64(s.CacheHits) * costPerUncached
	s.Stream = c.mergeStreams()
	s.Slowest = c.slowest()
	return s
}
