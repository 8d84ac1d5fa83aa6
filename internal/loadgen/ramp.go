package loadgen

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// rampTick is how often a ramping scenario's controller brings the
// running users (and the planned-load gauges) in line with the plan.
const rampTick = 10 * time.Millisecond

// maxTimelinePoints bounds Outcome.Timeline.
const maxTimelinePoints = 200

// Setter is the part of prometheus.Gauge the engine uses for planned load.
type Setter interface{ Set(float64) }

// LoadPoint is one sample of a ramping scenario's load: planned against
// actual.
type LoadPoint struct {
	At time.Duration
	// PlannedUsers and Users (closed model): the plan's virtual users and
	// those running.
	PlannedUsers, Users int
	// PlannedRate (open model) is the plan's rate; Rate is completed
	// requests per second since the previous point.
	PlannedRate, Rate float64
}

// setPlan publishes the planned load: users (closed) or rate (open).
func (e *engine) setPlan(v float64) {
	if e.spec.Scenario.IsOpen() {
		if e.hooks.PlannedRate != nil {
			e.hooks.PlannedRate.Set(v)
		}
	} else if e.hooks.PlannedUsers != nil {
		e.hooks.PlannedUsers.Set(v)
	}
}

// timeline samples planned against actual load for the report; used by one
// goroutine (the ramp controller or the open model's monitor).
type timeline struct {
	e        *engine
	every    time.Duration
	next     time.Duration
	lastAt   time.Duration
	lastDone int64
	points   []LoadPoint
}

func newTimeline(e *engine) *timeline {
	sc := e.spec.Scenario
	span := sc.Length()
	if span == 0 {
		span = sc.RampUp * 2 // a requests_per_user run: at least the ramp
	}
	return &timeline{e: e, every: max(span/(maxTimelinePoints/2), 100*time.Millisecond)}
}

// sample adds a point when one is due.
func (t *timeline) sample(at time.Duration, planned float64) {
	if at < t.next || len(t.points) >= maxTimelinePoints {
		return
	}
	t.next = at + t.every
	done := t.e.hooks.Progress.Done.Load()
	p := LoadPoint{At: at}
	if dt := (at - t.lastAt).Seconds(); dt > 0 && len(t.points) > 0 {
		p.Rate = float64(done-t.lastDone) / dt
	}
	t.lastAt, t.lastDone = at, done
	if t.e.spec.Scenario.IsOpen() {
		p.PlannedRate = planned
	} else {
		p.PlannedUsers = int(planned)
		p.Users = int(t.e.active.Load())
	}
	t.points = append(t.points, p)
}

// userGate holds back the virtual users whose index is at or above the
// planned count. The check before each request is two atomic loads, no
// lock: thousands of users check it.
type userGate struct {
	n       atomic.Int64
	ended   atomic.Bool // set once, by end, before n goes to MaxInt64
	mu      sync.Mutex
	changed chan struct{} // closed and replaced at every change
}

func newUserGate() *userGate { return &userGate{changed: make(chan struct{})} }

func (g *userGate) set(n int) {
	if g.n.Load() == int64(n) {
		return
	}
	g.mu.Lock()
	g.n.Store(int64(n))
	close(g.changed)
	g.changed = make(chan struct{})
	g.mu.Unlock()
}

// end releases every parked user for good.
func (g *userGate) end() {
	g.mu.Lock()
	g.ended.Store(true)
	g.n.Store(math.MaxInt64)
	close(g.changed)
	g.changed = make(chan struct{})
	g.mu.Unlock()
}

// awaitTurn returns true when user u may send its next request, waiting
// (parked) while the plan wants fewer users; false when the run ends
// meanwhile.
func (e *engine) awaitTurn(ctx context.Context, g *userGate, u int) bool {
	for {
		if int64(u) < g.n.Load() {
			// ended is stored before n: a user that sees the n of end
			// sees ended too.
			return !g.ended.Load()
		}
		g.mu.Lock()
		ch := g.changed
		g.mu.Unlock()
		if g.ended.Load() {
			return false
		}
		if int64(u) < g.n.Load() {
			continue
		}
		select {
		case <-ch:
		case <-ctx.Done():
		case <-e.stop:
		}
		if ctx.Err() != nil || e.stopped.Load() {
			return false
		}
	}
}

// rampClosed starts the controller of a ramping closed-model run: every
// rampTick it starts users up to the plan, parks those above it (after
// their current request), and publishes the plan, the running users and
// the timeline. Running users are counted here, at the tick: the users
// started and not parked, less those that have finished (a ramp_up run's
// users end after requests_per_user), so the count is the plan's from the
// tick that sets it. It ends at the deadline (releasing parked users),
// when all users have started and finished, or with the run.
func (e *engine) rampClosed(ctx context.Context, start, deadline time.Time, wg *sync.WaitGroup) {
	sc := e.spec.Scenario
	gate := newUserGate()
	peak := sc.PeakUsers()
	wg.Go(func() {
		defer gate.end()
		tl := newTimeline(e)
		defer func() { e.timeline = tl.points }()
		tick := time.NewTicker(rampTick)
		defer tick.Stop()
		spawned, counted := 0, int64(0)
		count := func(n int64) {
			e.active.Add(n - counted)
			e.hooks.Users.Add(float64(n - counted))
			counted = n
		}
		defer count(0)
		for {
			at := time.Since(start)
			if !deadline.IsZero() && at >= deadline.Sub(start) {
				return
			}
			n := min(peak, int(math.Floor(sc.PlanAt(at)+1e-9)))
			gate.set(n)
			for ; spawned < n; spawned++ {
				u := spawned
				wg.Go(func() { e.user(ctx, u, deadline, gate) })
			}
			count(max(int64(n)-e.exited.Load(), 0))
			e.setPlan(float64(n))
			tl.sample(at, float64(n))
			if spawned == peak && e.exited.Load() == int64(peak) {
				return // every user has run its requests
			}
			select {
			case <-ctx.Done():
				return
			case <-e.stop:
				return
			case <-tick.C:
			}
		}
	})
}

// monitorOpen publishes a ramping open-model run's planned rate and
// timeline every rampTick until done is closed.
func (e *engine) monitorOpen(start time.Time, done <-chan struct{}) (wait func()) {
	sc := e.spec.Scenario
	var wg sync.WaitGroup
	wg.Go(func() {
		tl := newTimeline(e)
		defer func() { e.timeline = tl.points }()
		tick := time.NewTicker(rampTick)
		defer tick.Stop()
		for {
			at := time.Since(start)
			plan := sc.PlanAt(at)
			e.setPlan(plan)
			tl.sample(at, plan)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return wg.Wait
}

// schedule gives the open model's intended send times: request n is due
// when the integral of the planned rate reaches n (n / rate for a constant
// rate).
type schedule struct {
	rate  float64 // constant rate; 0 when segs are used
	segs  []segment
	cur   int // segment of the last lookup (lookups only move forward)
	total int64
}

// segment is one stage: the rate moves linearly from from to to over dur,
// starting at start, when c0 requests have been due.
type segment struct {
	start, dur time.Duration
	from, to   float64
	c0, area   float64
}

func newSchedule(e *engine) *schedule {
	sc := e.spec.Scenario
	s := &schedule{total: sc.PlannedOpenRequests()}
	if len(sc.Stages) == 0 {
		s.rate = sc.Rate
		return s
	}
	var at time.Duration
	from, c := 0.0, 0.0
	for _, st := range sc.Stages {
		to := 0.0
		if st.Rate != nil {
			to = *st.Rate
		}
		area := (from + to) / 2 * st.Duration.Seconds()
		s.segs = append(s.segs, segment{start: at, dur: st.Duration, from: from, to: to, c0: c, area: area})
		at += st.Duration
		c += area
		from = to
	}
	return s
}

// at is the intended send time of request n (0-based) from the start.
// Calls must not go back to an earlier segment.
func (s *schedule) at(n int64) time.Duration {
	if s.segs == nil {
		return intendedAt(n, s.rate)
	}
	x := float64(n)
	for s.cur < len(s.segs)-1 && x >= s.segs[s.cur].c0+s.segs[s.cur].area {
		s.cur++
	}
	g := s.segs[s.cur]
	x -= g.c0
	// Solve from·τ + (to−from)/(2·dur)·τ² = x for τ ≥ 0, in the form that
	// stays exact when from is 0 or to equals from.
	d := g.dur.Seconds()
	k := (g.to - g.from) / d
	disc := math.Max(g.from*g.from+2*k*x, 0)
	den := g.from + math.Sqrt(disc)
	tau := 0.0
	if den > 0 {
		tau = 2 * x / den
	}
	return g.start + time.Duration(math.Min(tau, d)*float64(time.Second))
}
