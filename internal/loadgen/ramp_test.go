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

// slack is what the ramp tests allow between the controller reading the
// clock and the test seeing the value it published.
const slack = 50 * time.Millisecond

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
// controller's clock at its tick: between the plan's value slack before
// the test saw it and the value then.
func (l *loadLog) checkPlan(t *testing.T, sc *config.Scenario, start time.Time) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	plans := l.plans()
	if len(plans) < 10 {
		t.Fatalf("only %d planned-users updates", len(plans))
	}
	for _, i := range plans[:len(plans)-1] {
		ev := l.events[i]
		at := ev.at.Sub(start)
		a := math.Floor(sc.PlanAt(at-slack) + 1e-9)
		b := math.Floor(sc.PlanAt(at) + 1e-9)
		if ev.v < math.Min(a, b) || ev.v > math.Max(a, b) {
			t.Errorf("planned %v at %v, want %v..%v", ev.v, at, math.Min(a, b), math.Max(a, b))
		}
	}
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
	for _, ev := range planned.events[:len(planned.events)-1] {
		at := ev.at.Sub(start)
		if lo, hi := spec.Scenario.PlanAt(at-slack), spec.Scenario.PlanAt(at); ev.v < lo-1e-9 || ev.v > hi+1e-9 {
			t.Errorf("planned rate %v at %v, want %v..%v", ev.v, at, lo, hi)
		}
	}
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
