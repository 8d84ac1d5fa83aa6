package metrics

import (
	"sync"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/stats"
)

// TestScrapeSeesOneWindow: a scrape reads a scenario's window gauges as
// of one moment, however runs finish during the scrape. The hold branch
// of the ratio alerts divides window_failed_requests (or
// window_http_5xx_requests, window_cache_hits) by window_requests: read
// from two different windows, the ratio is neither window's, and a
// firing alert can resolve for one evaluation and page again.
//
// Runs alternate between 1000 requests without a failure and 10 requests
// that all failed, so the window is either (1 run, 1000 requests, 0
// failed) or (2 runs, 1010 requests, 10 failed); anything else was torn.
func TestScrapeSeesOneWindow(t *testing.T) {
	m, reg := newTestMetrics(t, Options{})
	s := m.Scenario("chat", "baseline", "chatsim")
	s.SetRun(run(1000, 0, 0, 1000, time.Second), verdict(stats.StatusPassed), t0)

	const runs = 3000
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		defer close(done)
		for k := range runs {
			if k%2 == 0 {
				s.SetRun(run(10, 10, 0, 0, time.Second), verdict(stats.StatusFailed), t0)
			} else {
				s.SetRun(run(1000, 0, 0, 1000, time.Second), verdict(stats.StatusPassed), t0)
			}
		}
	})
	type state struct{ runs, requests, failed float64 }
	valid := map[state]bool{{1, 1000, 0}: true, {2, 1010, 10}: true}
	scrapes, torn := 0, map[state]int{}
	for {
		select {
		case <-done:
			wg.Wait()
			n := 0
			for _, c := range torn {
				n += c
			}
			if n > 0 {
				t.Errorf("%d of %d scrapes read window gauges of two different windows: %v", n, scrapes, torn)
			}
			if scrapes < 10 {
				t.Errorf("only %d scrapes during the runs", scrapes)
			}
			return
		default:
		}
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		scrapes++
		var st state
		for _, mf := range mfs {
			v := func() float64 { return mf.GetMetric()[0].GetGauge().GetValue() }
			switch mf.GetName() {
			case "loadcron_window_runs":
				st.runs = v()
			case "loadcron_window_requests":
				st.requests = v()
			case "loadcron_window_failed_requests":
				st.failed = v()
			}
		}
		if !valid[st] {
			torn[st]++
		}
	}
}
