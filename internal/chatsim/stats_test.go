package chatsim

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestStatsExactUnderLoad sends 200 requests from 20 goroutines against a
// server that rejects, fails and caches, and checks that its counters match
// what the clients saw, exactly.
func TestStatsExactUnderLoad(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		// overload rejections, injected errors, hits and misses together
		{"reject", Options{MaxConcurrent: 4, UncachedLatency: 2 * time.Millisecond, CachedLatency: 100 * time.Microsecond,
			Jitter: 0.5, Faults: Faults{ErrorRatio: 0.2}}},
		// queue mode: nothing is rejected
		{"queue", Options{MaxConcurrent: 4, Queue: true, UncachedLatency: time.Millisecond, Faults: Faults{ErrorRatio: 0.1}}},
		// context-sensitive keys
		{"context turns", Options{ContextTurns: 1, UncachedLatency: time.Millisecond}},
	}
	const workers, perWorker = 20, 10
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ts := newTestServer(t, tt.opts)
			var (
				mu           sync.Mutex
				byStatus     = map[int]uint64{}
				hits, misses uint64
				wg           sync.WaitGroup
				firstErr     error
			)
			for w := range workers {
				wg.Go(func() {
					for i := range perWorker {
						r, err := doRaw(t.Context(), ts, http.MethodPost, "/api/chat",
							fmt.Appendf(nil, `{"message":"question %d","conversation_id":"c%d"}`, i%5, w%3))
						mu.Lock()
						if err != nil && firstErr == nil {
							firstErr = err
						}
						byStatus[r.status]++
						if r.status == http.StatusOK {
							if r.resp.Cached {
								hits++
							} else {
								misses++
							}
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if firstErr != nil {
				t.Fatal(firstErr)
			}
			st := s.Stats()
			const total = workers * perWorker
			if st.Received != total {
				t.Errorf("received = %d, want %d", st.Received, total)
			}
			if st.Hits != hits || st.Misses != misses {
				t.Errorf("hits/misses = %d/%d, clients saw %d/%d", st.Hits, st.Misses, hits, misses)
			}
			if st.Hits+st.Misses+st.InjectedErrors+st.Rejected != total {
				t.Errorf("hits+misses+injected+rejected = %d, want %d: %+v",
					st.Hits+st.Misses+st.InjectedErrors+st.Rejected, total, st)
			}
			if st.ByStatus[500] != st.InjectedErrors || st.ByStatus[503] != st.Rejected {
				t.Errorf("by_status %v does not match injected %d / rejected %d", st.ByStatus, st.InjectedErrors, st.Rejected)
			}
			for code, n := range byStatus {
				if st.ByStatus[code] != n {
					t.Errorf("by_status[%d] = %d, clients saw %d", code, st.ByStatus[code], n)
				}
			}
			if tt.opts.Queue && st.Rejected != 0 {
				t.Errorf("queue mode rejected %d", st.Rejected)
			}
			if tt.opts.Faults.ErrorRatio > 0 && st.InjectedErrors == 0 {
				t.Error("no injected errors at all")
			}
			if st.Hits == 0 || st.Misses == 0 {
				t.Errorf("want both hits and misses, got %d/%d", st.Hits, st.Misses)
			}
			t.Logf("stats: %+v", st)
			checkSums(t, st)
		})
	}
}

func TestStatsResetKeepsInFlight(t *testing.T) {
	c := newCounters()
	c.begin()
	c.begin()
	c.finish(outHit, 200)
	c.reset()
	if st := c.snapshot(); st.Received != 1 || st.InFlight != 1 || st.Hits != 0 {
		t.Fatalf("after reset = %+v, want 1 received, 1 in flight", st)
	}
	c.finish(outMiss, 200)
	checkSums(t, c.snapshot())
}
