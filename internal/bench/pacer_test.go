package bench

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/config"
)

// BenchmarkPacer runs the open model at 200 and at 5,000 req/s for 5 s
// (LOADCRON_BENCH_PACER_TIME) against a target in its own process that
// holds each request 5 ms, with each HTTP client, and reports the pacer's
// lateness (P50, P99: how late requests left against their intended send
// times) and the error of the measured latency P50 against the target's
// own P50 ("server truth"). Rounds repeat (LOADCRON_BENCH_ROUNDS, default
// 3); medians are reported. Run it with
//
//	make bench-pacer
func BenchmarkPacer(b *testing.B) {
	rounds := envInt("LOADCRON_BENCH_ROUNDS", 3)
	d := envDuration("LOADCRON_BENCH_PACER_TIME", 5*time.Second)
	tgt := startTarget(b, 5*time.Millisecond)
	for _, rate := range []float64{200, 5000} {
		for _, client := range []string{config.ClientHTTP1, config.ClientNetHTTP} {
			name := fmt.Sprintf("rate=%g/client=%s", rate, strings.ReplaceAll(client, "/", ""))
			b.Run(name, func(b *testing.B) {
				for b.Loop() {
					var p50s, p99s, errs []float64
					for r := range rounds {
						tgt.truth(b) // forget earlier requests
						sc := &config.Scenario{
							Name: "open", Target: "bench", Rate: rate, Duration: d, MaxInFlight: 500,
							Request: config.Request{Method: "GET", Path: "/api/chat"},
						}
						res := runEngine(b, context.Background(), benchTarget(tgt.URL, client), sc)
						truth, _ := tgt.truth(b)
						s := res.sum
						errMs := float64(s.Median-truth) / 1e6
						fmt.Printf("pacer rate=%-5g client=%-8s round %d  lateness p50 %7.1fµs p99 %8.1fµs max %8.1fµs  latency p50 %6.3fms  truth p50 %6.3fms  error %+.3fms  sent %d dropped %d failed %d\n",
							rate, client, r+1, us(s.LatenessP50), us(s.LatenessP99), us(s.MaxLateness),
							float64(s.Median)/1e6, float64(truth)/1e6, errMs, s.Total, s.Dropped, s.Failed)
						p50s = append(p50s, us(s.LatenessP50))
						p99s = append(p99s, us(s.LatenessP99))
						errs = append(errs, errMs)
					}
					m50, m99, mErr := median(p50s), median(p99s), median(errs)
					fmt.Printf("pacer rate=%-5g client=%-8s MEDIAN   lateness p50 %7.1fµs p99 %8.1fµs  latency p50 error vs truth %+.3fms\n",
						rate, client, m50, m99, mErr)
					b.ReportMetric(m50, "lateness-p50-µs")
					b.ReportMetric(m99, "lateness-p99-µs")
					b.ReportMetric(mErr, "p50-error-ms")
				}
			})
		}
	}
}

func us(d time.Duration) float64 { return float64(d) / 1e3 }

func median(v []float64) float64 {
	f := make([]figures, len(v))
	for i := range v {
		f[i].cpuPerReq = v[i]
	}
	return medians(f).cpuPerReq
}
