package bench

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/config"
)

// client is one contender of the generator benchmark: it sends closed-loop
// requests with users concurrent users for d and returns how many
// completed.
type client struct {
	name string
	run  func(tb testing.TB, url string, users int, d time.Duration) int64
}

func contenders() []client {
	engine := func(httpClient string) func(tb testing.TB, url string, users int, d time.Duration) int64 {
		return func(tb testing.TB, url string, users int, d time.Duration) int64 {
			r := runEngine(tb, context.Background(), benchTarget(url, httpClient), closedFor(users, d))
			if r.sum.Failed > 0 {
				tb.Errorf("loadcron %s: %d of %d requests failed: %v", httpClient, r.sum.Failed, r.sum.Total, r.sum.Errors)
			}
			return r.sum.Total
		}
	}
	return []client{
		{"net/http loop", plainLoop},
		{"loadcron net/http", engine(config.ClientNetHTTP)},
		{"loadcron http1", engine(config.ClientHTTP1)},
	}
}

// figures are one contender's measurements in one round.
type figures struct {
	cpuPerReq    float64 // CPU-µs of this process per request
	rps          float64
	allocsPerReq float64
	ratio        float64 // cpuPerReq / the net/http loop's in the same round
}

// BenchmarkGenerator measures the generator alone: a fast loopback target
// runs in its own process (pinned to CPU 1 when there are two CPUs and
// taskset, the generator then on CPU 0 with GOMAXPROCS 1), and each
// contender runs a closed loop at 10 and at 50 users for one round; rounds
// repeat, with the contenders' order rotated. Per round it takes the
// generator's CPU time (getrusage, user + system), requests/s and heap
// allocations per request, and each contender's CPU per request as a ratio
// to the plain net/http loop of the same round; it prints every round and
// reports the medians. Run it with
//
//	make bench-generator
//
// LOADCRON_BENCH_ROUNDS (default 3) and LOADCRON_BENCH_ROUND (default 5s)
// set the rounds; LOADCRON_BENCH_PIN=0 turns pinning off.
func BenchmarkGenerator(b *testing.B) {
	rounds := envInt("LOADCRON_BENCH_ROUNDS", 3)
	roundTime := envDuration("LOADCRON_BENCH_ROUND", 5*time.Second)
	tgt := startTarget(b, 0)
	if cpus := pinCPUs(); cpus != nil {
		defer pinSelf(cpus[0])()
	}
	cs := contenders()
	for _, users := range []int{10, 50} {
		b.Run(fmt.Sprintf("users=%d", users), func(b *testing.B) {
			for b.Loop() {
				per := make([][]figures, len(cs))
				for r := range rounds {
					round := make([]figures, len(cs))
					for i := range cs {
						c := (i + r) % len(cs) // rotate who goes first
						runtime.GC()
						before := snapshot()
						n := cs[c].run(b, tgt.URL, users, roundTime)
						after := snapshot()
						if n == 0 {
							b.Fatalf("%s: no requests completed", cs[c].name)
						}
						round[c] = figures{
							cpuPerReq:    float64((after.cpu - before.cpu).Microseconds()) / float64(n),
							rps:          float64(n) / after.at.Sub(before.at).Seconds(),
							allocsPerReq: float64(after.mallocs-before.mallocs) / float64(n),
						}
					}
					for c := range cs {
						round[c].ratio = round[c].cpuPerReq / round[0].cpuPerReq
						per[c] = append(per[c], round[c])
						fmt.Printf("users=%d round %d  %-22s %7.2f CPU-µs/req  %8.0f req/s  %6.1f allocs/req  ratio %.2f\n",
							users, r+1, cs[c].name, round[c].cpuPerReq, round[c].rps, round[c].allocsPerReq, round[c].ratio)
					}
				}
				for c, f := range per {
					med := medians(f)
					fmt.Printf("users=%d MEDIAN   %-22s %7.2f CPU-µs/req  %8.0f req/s  %6.1f allocs/req  ratio %.2f\n",
						users, cs[c].name, med.cpuPerReq, med.rps, med.allocsPerReq, med.ratio)
					unit := strings.NewReplacer("/", "", " ", "-").Replace(cs[c].name)
					b.ReportMetric(med.cpuPerReq, unit+"-cpu-µs/req")
					b.ReportMetric(med.rps, unit+"-req/s")
					b.ReportMetric(med.allocsPerReq, unit+"-allocs/req")
					if c > 0 {
						b.ReportMetric(med.ratio, unit+"-ratio")
					}
				}
			}
		})
	}
}

// medians takes the median of each figure over rounds, separately.
func medians(f []figures) figures {
	med := func(get func(figures) float64) float64 {
		v := make([]float64, len(f))
		for i := range f {
			v[i] = get(f[i])
		}
		slices.Sort(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return figures{
		cpuPerReq:    med(func(x figures) float64 { return x.cpuPerReq }),
		rps:          med(func(x figures) float64 { return x.rps }),
		allocsPerReq: med(func(x figures) float64 { return x.allocsPerReq }),
		ratio:        med(func(x figures) float64 { return x.ratio }),
	}
}
