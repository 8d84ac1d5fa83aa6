package metrics

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestScrapeSeesOneRunState: a scrape that reads loadcron_suite_running 1
// reads that run's start in loadcron_suite_last_run_start_timestamp_seconds,
// never an older run's, however runs start and end during the scrape.
// LoadcronRunsOverdue pages on running == 1 with a start more than a
// schedule interval ago: the previous run's start beside the new run's
// running 1 paged on a healthy suite (TestE2ESoak saw it once).
func TestScrapeSeesOneRunState(t *testing.T) {
	m, reg := newTestMetrics(t, Options{})
	const runs = 1000
	start := func(k int64) time.Time { return t0.Add(time.Duration(k) * 2 * time.Second) }
	var (
		finished atomic.Int64 // runs finished (run k is the k-th, from 1)
		scrapes  atomic.Int64 // scrapes begun
		spin     int64
		wg       sync.WaitGroup
	)
	// awaitScrape returns during a scrape that began after the caller's
	// last change: runs start and end at every point of scrapes.
	awaitScrape := func(k int64) {
		// The second scrape to begin from now read `finished` after the
		// caller's last change (the scraper reads it, then counts).
		n := scrapes.Load()
		for scrapes.Load() < n+2 {
			runtime.Gosched()
		}
		// A scrape takes tens of µs: go on a different way into it.
		for i := range k % 97 * 1000 {
			spin += i
		}
	}
	done := make(chan struct{})
	wg.Go(func() {
		defer close(done)
		for k := int64(1); k <= runs; k++ {
			m.SuiteRunStarted("chat", start(k))
			awaitScrape(k)
			m.SuiteRunFinished("chat", "passed", true, start(k).Add(time.Second))
			finished.Store(k)
			awaitScrape(k)
		}
	})
	bad := 0
	for {
		select {
		case <-done:
			wg.Wait()
			if bad > 0 {
				t.Errorf("%d of %d scrapes read running 1 beside the start of a run that had finished before the scrape began", bad, scrapes.Load())
			}
			return
		default:
		}
		before := finished.Load()
		scrapes.Add(1)
		running, startSec := gatherRunState(t, reg)
		// Run `before` had finished before this scrape began: a running
		// suite is then in a later run, which started later.
		if before > 0 && running == 1 && startSec <= unixSeconds(start(before)) {
			bad++
		}
	}
}

// gatherRunState gathers reg once and returns chat's running and last
// start (zero before the first run).
func gatherRunState(t *testing.T, reg prometheus.Gatherer) (running, start float64) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		switch mf.GetName() {
		case "loadcron_suite_running":
			running = mf.GetMetric()[0].GetGauge().GetValue()
		case "loadcron_suite_last_run_start_timestamp_seconds":
			start = mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return running, start
}
