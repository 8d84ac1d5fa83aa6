package loadgen

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// intendedAt is the intended send time of request n (0-based) at a
// constant rate, counted from the run's start: n/rate. Pacing is a pure
// function of the clock, so a late wake-up never shifts later requests
// (vegeta's pacer does the same); schedule generalises it to stages.
func intendedAt(n int64, rate float64) time.Duration {
	return time.Duration(float64(n) / rate * float64(time.Second))
}

// runOpen sends requests at the configured rate, whatever the target's
// latency, from a pool of at most max_in_flight workers. A request that is
// due while all of them are busy is dropped and counted: the generator
// could not deliver the load, and the report says so.
func (e *engine) runOpen(ctx context.Context, start time.Time) Outcome {
	sc := e.spec.Scenario
	sched := newSchedule(e)
	total := sched.total
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
			e.userUp()
			defer e.userDown()
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

	e.setPlan(sc.PlanAt(0))
	paced := make(chan struct{})
	waitMonitor := func() {}
	if sc.Ramped() {
		waitMonitor = e.monitorOpen(start, paced)
	}
	var sent int64
	p := newPacer(ctx, e.stop)
	defer p.close()
	for sent < total {
		// Send everything due at this wake-up: a late wake-up (a busy
		// machine) makes several requests due at once.
		// next is the send time of the first request not yet due: the
		// one to wait for.
		now := time.Since(start)
		var next time.Duration
		for ; sent < total; sent++ {
			next = sched.at(sent)
			if next > now {
				break
			}
			dispatch(start.Add(next))
		}
		if sent >= total || !p.waitUntil(start.Add(next)) {
			break
		}
	}
	close(jobs)
	close(paced)
	waitMonitor()
	e.setPlan(0)
	wg.Wait()
	return Outcome{Planned: total, Dropped: dropped}
}
