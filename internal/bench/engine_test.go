package bench

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/loadcron/loadcron/internal/config"
	"github.com/loadcron/loadcron/internal/loadgen"
	"github.com/loadcron/loadcron/internal/metrics"
	"github.com/loadcron/loadcron/internal/result"
	"github.com/loadcron/loadcron/internal/stats"
)

// benchTarget is the target config the engine runs against: the JSON
// cache signal is read from every body, as in the guide's setup.
func benchTarget(url, client string) *config.Target {
	return &config.Target{
		Name:         "bench",
		URL:          url,
		Timeout:      10 * time.Second,
		MaxBodyBytes: 1 << 20,
		CacheSignal:  config.CacheSignal{JSONField: "cached"},
		Client:       client,
	}
}

// run is what one engine run left: the collector's summary and outcome.
type run struct {
	sum stats.Summary
	out loadgen.Outcome
}

// runEngine runs one scenario through the engine with everything a real
// run records: the exact stats collector (HDR histograms) and every live
// Prometheus series (native histograms on, as the daemon has them),
// wired as internal/runner wires them.
func runEngine(tb testing.TB, ctx context.Context, tgt *config.Target, sc *config.Scenario) run {
	tb.Helper()
	r, err := engineRun(ctx, tgt, sc, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// engineRun is runEngine without a testing.TB; users, if set, also sees
// the virtual-users gauge's moves.
func engineRun(ctx context.Context, tgt *config.Target, sc *config.Scenario, users *gaugePeak) (run, error) {
	workers := sc.Users
	if sc.IsOpen() {
		workers = sc.MaxInFlight
	}
	col := stats.NewCollector(workers)
	m := metrics.New(prometheus.NewRegistry(), metrics.Options{NativeHistograms: true})
	sm := m.Scenario("bench", sc.Name, tgt.Name)
	hooks := loadgen.Hooks{
		InFlight: sm.InFlight(),
		Users:    sm.VirtualUsers(),
		Recorder: func(w int) result.Recorder { return result.Tee{col.Recorder(w), sm.Recorder()} },
		Dropped:  func(n int64) { col.AddDropped(n); sm.AddDropped(n) },
	}
	if users != nil {
		users.inner = hooks.Users
		hooks.Users = users
	}
	out, err := loadgen.Run(ctx, &loadgen.Spec{
		Suite: "bench", RunID: "bench-run", UserAgent: "loadcron/bench", Target: tgt, Scenario: sc,
	}, hooks)
	if err != nil {
		return run{}, err
	}
	return run{sum: col.Summary(out.Elapsed, 0), out: out}, nil
}

// gaugePeak passes gauge moves on and remembers the highest value.
type gaugePeak struct {
	inner    loadgen.Gauge
	cur, max atomic.Int64
}

func (g *gaugePeak) Add(v float64) {
	g.inner.Add(v)
	n := g.cur.Add(int64(v))
	for m := g.max.Load(); n > m && !g.max.CompareAndSwap(m, n); m = g.max.Load() {
	}
}

func (g *gaugePeak) peak() float64 { return float64(g.max.Load()) }

// closedFor is a closed-model scenario of users running for d.
func closedFor(users int, d time.Duration) *config.Scenario {
	return &config.Scenario{
		Name: "closed", Target: "bench", Users: users, Duration: d,
		Request: config.Request{Method: "GET", Path: "/api/chat"},
	}
}

// plainLoop is the baseline: users goroutines sharing one keep-alive
// net/http client, each sending GETs back to back for d and reading every
// body to the end into a reused buffer — the loop hey and vegeta run, minus
// their bookkeeping. It returns the number of completed requests.
func plainLoop(tb testing.TB, url string, users int, d time.Duration) int64 {
	tr := &http.Transport{MaxIdleConnsPerHost: users, MaxIdleConns: users, Proxy: nil}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	deadline := time.Now().Add(d)
	var n atomic.Int64
	var wg sync.WaitGroup
	for range users {
		wg.Go(func() {
			buf := make([]byte, 4096)
			for time.Now().Before(deadline) {
				resp, err := client.Get(url + "/api/chat")
				if err != nil {
					tb.Error(err)
					return
				}
				for {
					if _, err := resp.Body.Read(buf); err != nil {
						break
					}
				}
				resp.Body.Close()
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return n.Load()
}

// envInt and envDuration read the benchmark's knobs from the environment.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
