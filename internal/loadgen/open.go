package loadgen

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// plannedRequests is the number of requests an open-model run of rate for d
// sends.
func plannedRequests(rate float64, d time.Duration) int64 {
	return int64(math.Round(rate * d.Seconds()))
}

// intendedAt is the intended send time of request n (0-based), counted
// from the run's start: n/rate. Pacing is a pure function of the clock, so
// a late wake-up never shifts later requests (vegeta's pacer does the same).
func intendedAt(n int64, rate float64) time.Duration {
	return time.Duration(float64(n) / rate * float64(time.Second))
}

// dueBy is the number of requests due at elapsed: every n with
// intendedAt(n) <= elapsed, capped at total.
func dueBy(elapsed time.Duration, rate float64, total int64) int64 {
	if elapsed < 0 {
		return 0
	}
	due := int64(elapsed.Seconds()*rate) + 1
	// Float rounding can put the estimate one off; settle it against
	// intendedAt itself so the two never disagree.
	for due < total && intendedAt(due, rate) <= elapsed {
		due++
	}
	for due > 0 && intendedAt(due-1, rate) > elapsed {
		due--
	}
	return min(due, total)
}

// runOpen sends requests at the configured rate, whatever the target's
// latency, from a pool of at most max_in_flight workers. A request that is
// due while all of them are busy is dropped and counted: the generator
// could not deliver the load, and the report says so.
func (e *engine) runOpen(ctx context.Context, start time.Time) Outcome {
	sc := e.spec.Scenario
	rate := sc.Rate
	total := plannedRequests(rate, sc.Duration)
	maxInFlight := int64(sc.MaxInFlight)
	if maxInFlight <= 0 {
		maxInFlight = 1000
	}

	// Jobs carry intended send times. busy counts jobs queued or being
	// sent; it never exceeds maxInFlight, so sends on jobs never block.
	jobs := make(chan time.Time, maxInFlight)
	var (
		busy    atomic.Int64
		spawned int64
		dropped int64
		wg      sync.WaitGroup
	)
	spawn := func(index int) {
		wg.Go(func() {
			// In the open model the "virtual users" gauge counts workers.
			e.hooks.Users.Add(1)
			defer e.hooks.Users.Add(-1)
			w := e.newWorker(index, 1)
			defer w.close()
			for intended := range jobs {
				if !e.stopped.Load() {
					w.do(ctx, intended)
				}
				busy.Add(-1)
			}
		})
	}
	dispatch := func(intended time.Time) {
		b := busy.Load()
		if b >= maxInFlight {
			dropped++
			if e.hooks.Dropped != nil {
				e.hooks.Dropped(1)
			}
			return
		}
		busy.Add(1)
		if b+1 > spawned {
			spawn(int(spawned))
			spawned++
		}
		jobs <- intended
	}

	var sent int64
	p := newPacer(ctx, e.stop)
	defer p.close()
	for sent < total {
		due := dueBy(time.Since(start), rate, total)
		// Send everything due at this wake-up: a late wake-up (a busy
		// machine) makes several requests due at once.
		for ; sent < due; sent++ {
			dispatch(start.Add(intendedAt(sent, rate)))
		}
		if sent >= total || !p.waitUntil(start.Add(intendedAt(sent, rate))) {
			break
		}
	}
	close(jobs)
	wg.Wait()
	return Outcome{Planned: total, Dropped: dropped}
}
