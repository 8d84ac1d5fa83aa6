package loadgen

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/result"
	"github.com/loadcron/loadcron/internal/stats"
)

// BenchmarkClosedModelRecorded is BenchmarkClosedModel with the run's real
// recording path (the sharded stats collector, failure causes and all)
// instead of a no-op recorder: for successful requests its allocs/op must
// equal BenchmarkClosedModel's in the same run.
func BenchmarkClosedModelRecorded(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"reply":"ok","cached":true}`)
	}))
	defer srv.Close()
	spec := testSpec(srv.URL, func(_ *config.Target, sc *config.Scenario) {
		sc.Users, sc.RequestsPerUser = 4, b.N/4+1
	})
	col := stats.NewCollector(4, stats.WithSecrets("token"), stats.OnNewCause(func(stats.Cause) {}))
	b.ReportAllocs()
	b.ResetTimer()
	if _, err := Run(context.Background(), spec, Hooks{Recorder: func(w int) result.Recorder { return col.Recorder(w) }}); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if s := col.Summary(1, 0); s.Failed != 0 || s.CacheHits != s.Total {
		b.Fatalf("want only successful cache hits: %+v", s)
	}
}
