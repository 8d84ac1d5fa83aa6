package stats

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/result"
)

// TestSlowest records requests with distinct latencies and trace ids over
// many workers (shards) and checks that the summary lists exactly the
// slowest five, slowest first, each with its own trace id and outcome.
func TestSlowest(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	c := NewCollector(12)
	var all []result.Result
	for i, p := range rng.Perm(3000) {
		r := result.Result{Latency: time.Duration(p+1) * time.Millisecond, Code: 200, Cache: result.CacheHit}
		r.TraceID[0], r.TraceID[15] = byte(p>>8), byte(p)
		if p%7 == 0 {
			r.Code, r.Kind = 503, result.KindHTTP5xx
		}
		c.Recorder(i % 12).Record(&r)
		all = append(all, r)
	}
	got := c.Summary(time.Minute, 0).Slowest
	slices.SortFunc(all, func(a, b result.Result) int { return int(b.Latency - a.Latency) })
	if len(got) != SlowestKept {
		t.Fatalf("%d slowest, want %d", len(got), SlowestKept)
	}
	for i, s := range got {
		w := all[i]
		want := SlowRequest{TraceID: w.TraceID, Latency: w.Latency, Code: w.Code, Kind: w.Kind, Cache: w.Cache}
		if s != want {
			t.Errorf("slowest[%d] = %+v, want %+v", i, s, want)
		}
	}
	// Fewer requests than kept: all of them, and no allocation per record.
	c = NewCollector(1)
	rec := c.Recorder(0)
	r := &result.Result{Latency: time.Second}
	if n := testing.AllocsPerRun(100, func() { rec.Record(r) }); n != 0 {
		t.Errorf("%v allocations per record", n)
	}
	if got := c.Summary(time.Second, 0).Slowest; len(got) != SlowestKept || got[0].Latency != time.Second {
		t.Errorf("slowest %+v", got)
	}
	if got := NewCollector(1).Summary(0, 0).Slowest; got != nil {
		t.Errorf("empty run: slowest %+v", got)
	}
}
