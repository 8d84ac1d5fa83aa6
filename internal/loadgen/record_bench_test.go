package loadgen

import (
	"testing"

	"github.com/loadcron/loadcron/internal/result"
	"github.com/loadcron/loadcron/internal/stats"
)

// BenchmarkClosedModelRecorded is BenchmarkClosedModel with the run's real
// recording path (the sharded stats collector, failure causes and all)
// instead of a no-op recorder: for successful requests its allocs/op must
// equal BenchmarkClosedModel's in the same run.
func BenchmarkClosedModelRecorded(b *testing.B) {
	srv := replyServer(b)
	col := stats.NewCollector(4, stats.WithSecrets("token"), stats.OnNewCause(func(stats.Cause) {}))
	benchEngine(b, srv.URL, nil, func(w int) result.Recorder { return col.Recorder(w) })
	if s := col.Summary(1, 0); s.Failed != 0 || s.CacheHits != s.Total {
		b.Fatalf("want only successful cache hits: %+v", s)
	}
}
