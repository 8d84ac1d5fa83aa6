package stats

import (
	"math"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// durations is an HDR histogram plus exact count, sum, min and max: one
// latency class of a shard (collector.go) and the stream figures
// (stream.go) alike.
type durations struct {
	hist                   *hdrhistogram.Histogram
	n, sumNs, minNs, maxNs int64
}

func newDurations() durations {
	return durations{hist: newHistogram(), minNs: math.MaxInt64}
}

// add records v; it does not allocate. The value is clamped into the
// histogram's range so RecordValue cannot fail (and so never builds an
// error value on the hot path).
func (d *durations) add(v time.Duration) {
	ns := max(int64(v), 0)
	us := min(ns/int64(time.Microsecond), histHighest)
	_ = d.hist.RecordValue(us)
	d.n++
	d.sumNs += ns
	d.minNs = min(d.minNs, ns)
	d.maxNs = max(d.maxNs, ns)
}

// merge adds o into d.
func (d *durations) merge(o *durations) {
	d.hist.Merge(o.hist)
	d.mergeFigures(o)
}

// mergeFigures adds o's exact figures into d, not its histogram: for
// callers that merge the histograms elsewhere (Summary merges every class
// into one).
func (d *durations) mergeFigures(o *durations) {
	d.n += o.n
	d.sumNs += o.sumNs
	d.minNs = min(d.minNs, o.minNs)
	d.maxNs = max(d.maxNs, o.maxNs)
}

func (d *durations) reset() {
	d.hist.Reset()
	d.n, d.sumNs, d.minNs, d.maxNs = 0, 0, math.MaxInt64, 0
}

// distribution is the exact account of d; its hist must hold exactly the
// values of its figures.
func (d *durations) distribution() Distribution {
	if d.n == 0 {
		return Distribution{}
	}
	out := Distribution{
		Count: d.n,
		Min:   time.Duration(d.minNs),
		Max:   time.Duration(d.maxNs),
		Avg:   time.Duration((d.sumNs + d.n/2) / d.n),
	}
	pct := func(percent float64) time.Duration {
		v := time.Duration(d.hist.ValueAtQuantile(percent)) * time.Microsecond
		return min(max(v, out.Min), out.Max)
	}
	out.P50, out.P95, out.P99 = pct(50), pct(95), pct(99)
	return out
}

// split is d as a LatencySplit (without P99).
func (d Distribution) split() LatencySplit {
	return LatencySplit{Count: d.Count, Avg: d.Avg, P50: d.P50, P95: d.P95, Min: d.Min, Max: d.Max}
}
