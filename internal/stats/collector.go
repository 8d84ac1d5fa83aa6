package stats

import (
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/loadcron/loadcron/internal/result"
)

// Histogram geometry: latency in microseconds from 1 µs to 1 h with 3
// significant digits (relative error ≤ 0.1 %), about 190 KB per histogram
// (three per shard, three for merging).
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
// number of workers); each shard is a mutex, three HDR histograms (cache
// hits, cache misses, everything else: each request goes into exactly one)
// and exact counters. Workers are spread over the shards by index, so no
// lock is shared by all users and memory does not grow with the number of
// users (about 600 KB per shard). Recording a success is O(1) and does not
// allocate; a failure also builds its cause's text (bounded work, a few
// small allocations).
type Collector struct {
	shards  []*shard
	dropped atomic.Int64

	secrets    *strings.Replacer
	onNewCause func(Cause)
	seenMu     sync.Mutex
	seen       map[causeKey]struct{}

	// mergeMu guards the scratch histograms Summary merges into, so
	// concurrent Summary calls (a live view) do not allocate 190 KB each.
	mergeMu                       sync.Mutex
	merged, mergedHit, mergedMiss *hdrhistogram.Histogram
	late                          *hdrhistogram.Histogram
	// mergedStream is the scratch of mergeStreams (stream.go), made on
	// first use.
	mergedStream *streamShard
}

// Option configures a Collector.
type Option func(*Collector)

// WithSecrets lists values that must never appear in a cause or example
// (the target's header values, secret request headers): each is replaced
// with <redacted>.
func WithSecrets(values ...string) Option {
	return func(c *Collector) { c.secrets = newSecretReplacer(values) }
}

// OnNewCause sets a hook called the first time the collector meets each
// error cause (at most MaxCauses times per collector), from the recording
// goroutine and outside every lock: the runner logs new causes with it.
// fn must be safe for concurrent use.
func OnNewCause(fn func(Cause)) Option {
	return func(c *Collector) { c.onNewCause = fn }
}

// NewCollector returns a Collector for a run with the given number of
// workers (virtual users, or open-model workers). workers < 1 counts as 1.
func NewCollector(workers int, opts ...Option) *Collector {
	n := shardsPerProc * runtime.GOMAXPROCS(0)
	if workers < n {
		n = workers
	}
	if n < 1 {
		n = 1
	}
	c := &Collector{
		shards:     make([]*shard, n),
		merged:     newHistogram(),
		mergedHit:  newHistogram(),
		mergedMiss: newHistogram(),
		seen:       make(map[causeKey]struct{}),
	}
	for _, o := range opts {
		o(c)
	}
	for i := range c.shards {
		sh := &shard{c: c}
		for k := range sh.classes {
			sh.classes[k] = newDurations()
		}
		c.shards[i] = sh
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

// Latency classes of a shard: successful cache hits, successful cache
// misses, and the rest (failures, successes without a cache signal).
const (
	classHit = iota
	classMiss
	classOther
	numClasses
)

// maxCode bounds the status codes counted one by one (net/http accepts
// three-digit codes only); code 0 is "no response".
const maxCode = 1000

// shard is one lock, the histograms and the exact counters of the workers
// mapped to it.
type shard struct {
	c  *Collector
	mu sync.Mutex

	classes [numClasses]durations
	// successful counts the requests without error; the total is the sum
	// of the classes' counts, the failures the difference.
	successful    int64
	errors        [result.NumKinds]int64
	codes         [maxCode]int64
	maxLatenessNs int64
	// late holds the pacer lateness of open-model requests, made on the
	// first one (closed-model runs never need it).
	late *hdrhistogram.Histogram
	// stream holds the figures of streamed responses (stream.go); nil
	// until the shard records one.
	stream *streamShard
	// slow keeps the shard's slowest requests (slowest.go).
	slow slowest

	causes        []causeEntry
	causesOmitted int64

	// Pad so that shards allocated next to each other do not share a cache
	// line between their hot counters.
	_ [64]byte
}

// Record adds one result. It implements result.Recorder.
func (s *shard) Record(r *result.Result) {
	ok := r.Kind == result.KindNone
	// Cache hits and misses count successful responses only, so the hit
	// rate is "share of good answers served from cache".
	class := classOther
	if ok {
		switch r.Cache {
		case result.CacheHit:
			class = classHit
		case result.CacheMiss:
			class = classMiss
		}
	}

	s.mu.Lock()
	s.classes[class].add(r.Latency)
	if ok {
		s.successful++
	} else if int(r.Kind) < result.NumKinds {
		s.errors[r.Kind]++
	}
	if uint(r.Code) < maxCode {
		s.codes[r.Code]++
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

	if !ok {
		s.recordCause(s.c, r)
	}
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
//   - SuccessRate and ErrorRate are over Total, CacheHitRate over
//     Successful, Throughput is Total / elapsed in seconds; each is 0 when
//     its denominator is 0.
//   - EstimatedCost is (Successful − CacheHits) × costPerUncached and
//     EstimatedSavings is CacheHits × costPerUncached.
//   - MaxLateness is exact; LatenessP50 and LatenessP99 come from a
//     histogram of whole microseconds with 2 significant digits (1 %),
//     never above MaxLateness. All three are zero in the closed model.
//   - Hit and Miss are the same figures over the successful responses of
//     each cache class only, from histograms that hold exactly that class;
//     CacheSpeedup is Miss.Avg / Hit.Avg.
//   - StatusCodes are exact; Causes are exact counts as long as no shard
//     met more than 32 distinct causes (failures beyond that are
//     CausesOmitted, as are those of causes past the MaxCauses most
//     frequent).
func (c *Collector) Summary(elapsed time.Duration, costPerUncached float64) Summary {
	c.mergeMu.Lock()
	defer c.mergeMu.Unlock()
	c.merged.Reset()
	c.mergedHit.Reset()
	c.mergedMiss.Reset()
	if c.late != nil {
		c.late.Reset()
	}

	var (
		s           Summary
		classes     [numClasses]durations // exact figures only, no histogram
		maxLateness int64
		codes       [maxCode]int64
		causes      map[causeKey]*causeEntry
		omitted     int64
	)
	for k := range classes {
		classes[k].minNs = math.MaxInt64
	}
	for _, sh := range c.shards {
		sh.mu.Lock()
		for k := range sh.classes {
			c.merged.Merge(sh.classes[k].hist)
			classes[k].mergeFigures(&sh.classes[k])
		}
		c.mergedHit.Merge(sh.classes[classHit].hist)
		c.mergedMiss.Merge(sh.classes[classMiss].hist)
		s.Successful += sh.successful
		for k, n := range sh.errors {
			s.Errors[k] += n
		}
		for code, n := range sh.codes {
			codes[code] += n
		}
		maxLateness = max(maxLateness, sh.maxLatenessNs)
		if sh.late != nil {
			if c.late == nil {
				c.late = newLatenessHistogram()
			}
			c.late.Merge(sh.late)
		}
		for _, e := range sh.causes {
			if causes == nil {
				causes = make(map[causeKey]*causeEntry)
			}
			if m, ok := causes[e.causeKey]; ok {
				m.count += e.count
			} else {
				cp := e
				causes[e.causeKey] = &cp
			}
		}
		omitted += sh.causesOmitted
		sh.mu.Unlock()
	}
	all := durations{hist: c.merged, minNs: math.MaxInt64}
	for k := range classes {
		all.mergeFigures(&classes[k])
	}
	s.Total = all.n
	s.Failed = s.Total - s.Successful
	s.CacheHits = classes[classHit].n
	s.CacheMisses = classes[classMiss].n
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
	s.Causes, s.CausesOmitted = mergeCauses(causes, omitted)

	if s.Total > 0 {
		d := all.distribution()
		s.Avg, s.Median, s.P95, s.P99, s.Min, s.Max = d.Avg, d.P50, d.P95, d.P99, d.Min, d.Max
		s.SuccessRate = float64(s.Successful) / float64(s.Total)
		s.ErrorRate = float64(s.Failed) / float64(s.Total)
		for code, n := range codes {
			if n > 0 {
				s.StatusCodes = append(s.StatusCodes, CodeCount{Code: code, Count: n})
			}
		}
	}
	classes[classHit].hist = c.mergedHit
	classes[classMiss].hist = c.mergedMiss
	s.Hit = classes[classHit].distribution().split()
	s.Miss = classes[classMiss].distribution().split()
	if s.Hit.Count > 0 && s.Miss.Count > 0 && s.Hit.Avg > 0 {
		s.CacheSpeedup = float64(s.Miss.Avg) / float64(s.Hit.Avg)
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
