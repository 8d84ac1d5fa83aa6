package loadgen

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/config"
)

// planRange is the lowest and highest value of plan over [lo, hi].
func planRange(plan func(time.Duration) float64, lo, hi time.Duration) (float64, float64) {
	mn, mx := math.Inf(1), math.Inf(-1)
	for i := 0; i <= 100; i++ {
		v := plan(lo + (hi-lo)*time.Duration(i)/100)
		mn, mx = math.Min(mn, v), math.Max(mx, v)
	}
	return mn, mx
}

// checkPublished asserts that each published plan value is the plan at the
// controller's clock reading for it. That reading is not seen, but it lies
// between the previous publication and this one (the controller reads the
// clock after publishing, and publishes after reading), whatever the
// scheduler did in between: so the value must lie within the plan's range
// over that interval. Times are counted from the test's start, which is
// before the engine's by at most the first publication's time.
func checkPublished(t *testing.T, what string, events []loadEvent, start time.Time, plan func(time.Duration) float64) {
	t.Helper()
	if len(events) == 0 {
		t.Fatalf("no %s published", what)
	}
	skew := events[0].at.Sub(start)
	prev := time.Duration(0)
	for _, ev := range events[:len(events)-1] { // the last is the 0 at the end
		at := ev.at.Sub(start)
		lo, hi := planRange(plan, max(prev-skew, 0), at)
		if ev.v < lo-1e-9 || ev.v > hi+1e-9 {
			t.Errorf("%s %v published at %v, want %v..%v (the plan since the previous one at %v)", what, ev.v, at, lo, hi, prev)
		}
		prev = at
	}
}

// loadLog records, in one order, the planned-users values the controller
// publishes at each tick and every move of the running-users gauge.
type loadLog struct {
	mu      sync.Mutex
	running float64
	events  []loadEvent
}

type loadEvent struct {
	at      time.Time
	plan    bool    // a planned-users Set (else a running-users move)
	v       float64 // the planned value, or the running count after the move
	running float64 // running users when the event happened
}

type runningGauge struct{ l *loadLog }
type plannedGauge struct{ l *loadLog }

func (g runningGauge) Add(v float64) {
	g.l.mu.Lock()
	g.l.running += v
	g.l.events = append(g.l.events, loadEvent{at: time.Now(), v: g.l.running, running: g.l.running})
	g.l.mu.Unlock()
}

func (g plannedGauge) Set(v float64) {
	g.l.mu.Lock()
	g.l.events = append(g.l.events, loadEvent{at: time.Now(), plan: true, v: v, running: g.l.running})
	g.l.mu.Unlock()
}

// plans returns the indexes of the planned-value events.
func (l *loadLog) plans() []int {
	var idx []int
	for i, ev := range l.events {
		if ev.plan {
			idx = append(idx, i)
		}
	}
	return idx
}

// checkFollows asserts that the running users are the plan at every tick
// (the controller starts, parks and counts users at the tick), less the
// users that have finished.
func (l *loadLog) checkFollows(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, i := range l.plans() {
		if ev := l.events[i]; ev.running != ev.v {
			t.Errorf("tick %d: planned %v users, %v running", k, ev.v, ev.running)
		}
	}
}

// checkPlan asserts that each published value is floor(PlanAt) of the
// controller's clock at its tick (checkPublished), and that the run ends
// with nothing planned or running.
func (l *loadLog) checkPlan(t *testing.T, sc *config.Scenario, start time.Time) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	plans := l.plans()
	if len(plans) < 10 {
		t.Fatalf("only %d planned-users updates", len(plans))
	}
	var events []loadEvent
	for _, i := range plans {
		events = append(events, l.events[i])
	}
	checkPublished(t, "planned users", events, start, func(at time.Duration) float64 {
		return math.Floor(sc.PlanAt(at) + 1e-9)
	})
	if last := l.events[plans[len(plans)-1]]; last.v != 0 || l.running != 0 {
		t.Errorf("after the run: planned %v, running %v; want 0 and 0", last.v, l.running)
	}
}

// TestClosedStagesFollowPlan: users ramp 0 → 12 over 600 ms, hold, fall to
// 3 and rise again to 8; the planned-users gauge is the plan at every
// tick, the running users follow it within one tick, and the timeline
// says the same.
func TestClosedStagesFollowPlan(t *testing.T) { bothClients(t, testClosedStagesFollowPlan) }

func testClosedStagesFollowPlan(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"cached":true}`)
	}))
	defer srv.Close()
	users := func(n int) *int { return &n }
	spec := testSpec(srv.URL, func(_ *config.Target, sc *config.Scenario) {
		sc.Users, sc.RequestsPerUser = 0, 0
		sc.ThinkTime = time.Millisecond
		sc.Stages = []config.Stage{
			{Duration: 600 * time.Millisecond, Users: users(12)},
			{Duration: 300 * time.Millisecond, Users: users(12)},
			{Duration: 300 * time.Millisecond, Users: users(3)},
			{Duration: 300 * time.Millisecond, Users: users(8)},
		}
	})
	var s sink
	var log loadLog
	hooks := s.hooks()
	hooks.Users, hooks.PlannedUsers = runningGauge{&log}, plannedGauge{&log}
	start := time.Now()
	out, err := Run(context.Background(), spec, hooks)
	if err != nil {
		t.Fatal(err)
	}
	sc := spec.Scenario
	if out.Elapsed < sc.Length() {
		t.Errorf("elapsed %v, want at least %v", out.Elapsed, sc.Length())
	}
	if len(s.results) == 0 || s.kinds()[0] != len(s.results) {
		t.Fatalf("results: %v", s.kinds())
	}
	log.checkPlan(t, sc, start)
	log.checkFollows(t)
	if len(out.Timeline) < 5 {
		t.Fatalf("timeline has %d points", len(out.Timeline))
	}
	for _, p := range out.Timeline {
		if want := sc.PlanAt(p.At); float64(p.PlannedUsers) != math.Floor(want+1e-9) || p.Users < p.PlannedUsers && want >= float64(p.Users+1) && p.At < 600*time.Millisecond {
			t.Errorf("timeline at %v: planned %d running %d, plan %v", p.At, p.PlannedUsers, p.Users, want)
		}
	}
}

// TestRampUp: 20 users started evenly over 400 ms, each sending 3
// requests: the planned users follow ramp_up tick by tick, never fewer are
// planned than run (some have finished their requests already), and
// everything planned is sent over one connection per user.
func TestRampUp(t *testing.T) { bothClients(t, testRampUp) }

func testRampUp(t *testing.T) {
	var mu sync.Mutex
	conns := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		conns[r.RemoteAddr] = true
		mu.Unlock()
		fmt.Fprint(w, `{"cached":true}`)
	}))
	defer srv.Close()
	spec := testSpec(srv.URL, func(_ *config.Target, sc *config.Scenario) {
		sc.Users, sc.RequestsPerUser, sc.RampUp = 20, 3, 400*time.Millisecond
	})
	var s sink
	var log loadLog
	hooks := s.hooks()
	hooks.Users, hooks.PlannedUsers = runningGauge{&log}, plannedGauge{&log}
	start := time.Now()
	out, err := Run(context.Background(), spec, hooks)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.results) != 60 || out.Planned != 60 || len(conns) != 20 {
		t.Fatalf("results %d planned %d connections %d, want 60, 60, 20", len(s.results), out.Planned, len(conns))
	}
	log.checkPlan(t, spec.Scenario, start)
	log.mu.Lock()
	defer log.mu.Unlock()
	for _, i := range log.plans() {
		if ev := log.events[i]; ev.running > ev.v {
			t.Errorf("planned %v users, %v running", ev.v, ev.running)
		}
	}
}

// TestOpenStagesFollowPlan: the rate ramps 0 → 200/s over 500 ms and holds
// 500 ms: 150 requests in all, none ahead of the rate's integral (the exact
// send times are TestPacing's), and the planned-rate gauge is the plan at
// every tick.
func TestOpenStagesFollowPlan(t *testing.T) { bothClients(t, testOpenStagesFollowPlan) }

func testOpenStagesFollowPlan(t *testing.T) {
	var mu sync.Mutex
	var arrivals []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		mu.Unlock()
		fmt.Fprint(w, `{}`)
	}))
	defer srv.Close()
	rate := func(r float64) *float64 { return &r }
	spec := testSpec(srv.URL, func(_ *config.Target, sc *config.Scenario) {
		sc.Users, sc.RequestsPerUser = 0, 0
		sc.MaxInFlight = 50
		sc.Stages = []config.Stage{
			{Duration: 500 * time.Millisecond, Rate: rate(200)},
			{Duration: 500 * time.Millisecond, Rate: rate(200)},
		}
	})
	var s sink
	var planned rateLog
	hooks := s.hooks()
	hooks.PlannedRate = &planned
	start := time.Now()
	out, err := Run(context.Background(), spec, hooks)
	if err != nil {
		t.Fatal(err)
	}
	if out.Planned != 150 || int64(len(s.results))+out.Dropped != 150 {
		t.Fatalf("planned %d, recorded %d + dropped %d; want 150", out.Planned, len(s.results), out.Dropped)
	}
	// ∫ rate: 200 t² over the ramp, then 50 + 200 (t − 0.5)
	integral := func(x float64) float64 {
		if x <= 0.5 {
			return 200 * x * x
		}
		return 50 + 200*(x-0.5)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, at := range []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, 750 * time.Millisecond} {
		n := 0
		for _, a := range arrivals {
			if a.Sub(start) <= at {
				n++
			}
		}
		// never ahead of the plan: request k leaves when the integral
		// reaches k, so at most floor(integral) + 1 can have arrived (a
		// busy machine only makes them later)
		if hi := math.Floor(integral(at.Seconds())) + 1; float64(n) > hi {
			t.Errorf("by %v: %d requests arrived, more than the plan's %.0f", at, n, hi)
		}
	}
	checkPublished(t, "planned rate", planned.events, start, spec.Scenario.PlanAt)
	if planned.cur != 0 {
		t.Errorf("planned rate %v after the run, want 0", planned.cur)
	}
}

// rateLog records the planned-rate values with their times.
type rateLog struct {
	mu     sync.Mutex
	cur    float64
	events []loadEvent
}

func (g *rateLog) Set(v float64) {
	g.mu.Lock()
	g.cur = v
	g.events = append(g.events, loadEvent{at: time.Now(), plan: true, v: v})
	g.mu.Unlock()
}
