package loadgen

import (
	"context"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/config"
)

func TestPacing(t *testing.T) {
	rate := func(r float64) *float64 { return &r }
	flat := func(r float64, d time.Duration) *schedule {
		return newSchedule(&engine{spec: &Spec{Scenario: &config.Scenario{Rate: r, Duration: d}}})
	}
	// a constant rate: n / rate, rounded totals
	s := flat(1000, 5*time.Second)
	if s.total != 5000 {
		t.Errorf("total = %d, want 5000", s.total)
	}
	for _, n := range []int64{0, 1, 250, 4999} {
		if got, want := s.at(n), time.Duration(n)*time.Millisecond; got != want {
			t.Errorf("at(%d) = %v, want %v", n, got, want)
		}
	}
	if got := flat(0.5, 2500*time.Millisecond).total; got != 1 {
		t.Errorf("0.5/s for 2.5s: total %d, want 1 (1.25 rounded)", got)
	}

	// stages: 0→100/s over 2 s (100 requests), 100/s for 1 s (100), a
	// 0.5 s pause at 0 after a 0.5 s ramp down (25), then 0→10/s over 1 s (5)
	st := newSchedule(&engine{spec: &Spec{Scenario: &config.Scenario{Stages: []config.Stage{
		{Duration: 2 * time.Second, Rate: rate(100)},
		{Duration: time.Second, Rate: rate(100)},
		{Duration: 500 * time.Millisecond, Rate: rate(0)},
		{Duration: 500 * time.Millisecond, Rate: rate(0)},
		{Duration: time.Second, Rate: rate(10)},
	}}}})
	if st.total != 230 {
		t.Fatalf("stages total = %d, want 230", st.total)
	}
	// The integral of the rate up to at(n) is n: check against the closed
	// form of each stage.
	integral := func(at time.Duration) float64 {
		x := at.Seconds()
		switch {
		case x <= 2:
			return 25 * x * x // ∫ 50t
		case x <= 3:
			return 100 + 100*(x-2)
		case x <= 3.5:
			y := x - 3
			return 200 + 100*y - 100*y*y // 100 → 0 over 0.5 s
		case x <= 4:
			return 225
		default:
			y := x - 4
			return 225 + 5*y*y // 0 → 10 over 1 s
		}
	}
	prev := time.Duration(-1)
	for n := int64(0); n < st.total; n++ {
		at := st.at(n)
		if at < prev {
			t.Fatalf("at(%d) = %v before at(%d) = %v", n, at, n-1, prev)
		}
		prev = at
		if got := integral(at); got < float64(n)-1e-6 || got > float64(n)+1e-6 {
			t.Fatalf("at(%d) = %v: the rate's integral there is %v, want %d", n, at, got, n)
		}
		if at >= 3500*time.Millisecond && at < 4*time.Second && n != 225 {
			t.Errorf("request %d due at %v, inside the pause", n, at)
		}
	}
}

// TestPacerWaits: waitUntil never returns before its time, and returns
// false at once when the run is canceled or stopped during a long wait.
func TestPacerWaits(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := make(chan struct{})
	p := newPacer(ctx, stop)
	defer p.close()
	for _, d := range []time.Duration{0, 300 * time.Microsecond, 3 * time.Millisecond} {
		at := time.Now().Add(d)
		if !p.waitUntil(at) {
			t.Fatalf("waitUntil(+%v) = false", d)
		}
		if now := time.Now(); now.Before(at) {
			t.Errorf("waitUntil(+%v) returned %v early", d, at.Sub(now))
		}
	}
	// a wait of an hour ends with the stop channel
	done := make(chan bool)
	go func() { done <- p.waitUntil(time.Now().Add(time.Hour)) }()
	close(stop)
	if <-done {
		t.Errorf("waitUntil returned true after stop")
	}
	p2 := newPacer(ctx, make(chan struct{}))
	defer p2.close()
	cancel()
	if p2.waitUntil(time.Now().Add(time.Hour)) {
		t.Errorf("waitUntil returned true after cancel")
	}
}
