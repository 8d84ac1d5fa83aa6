package loadgen

import (
	"context"
	"testing"
	"time"
)

func TestPacing(t *testing.T) {
	tests := []struct {
		name    string
		elapsed time.Duration
		rate    float64
		total   int64
		want    int64
	}{
		// request 0 is due at once
		{"start", 0, 1000, 5000, 1},
		// before the start nothing is due
		{"negative", -time.Millisecond, 1000, 5000, 0},
		// a 1 ms timer tick at 1000/s makes one more due
		{"one tick", time.Millisecond, 1000, 5000, 2},
		// a late wake-up makes all missed requests due at once
		{"late wake-up", 15 * time.Millisecond, 1000, 5000, 16},
		// never more than planned
		{"capped", time.Hour, 1000, 5000, 5000},
		// fractional rates
		{"slow rate", 2500 * time.Millisecond, 0.5, 10, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := dueBy(tt.elapsed, tt.rate, tt.total); got != tt.want {
				t.Errorf("dueBy(%v, %v, %d) = %d, want %d", tt.elapsed, tt.rate, tt.total, got, tt.want)
			}
		})
	}
	if got := plannedRequests(1000, 5*time.Second); got != 5000 {
		t.Errorf("plannedRequests = %d, want 5000", got)
	}
	if got := intendedAt(250, 1000); got != 250*time.Millisecond {
		t.Errorf("intendedAt(250) = %v", got)
	}
	// every request is due exactly at its intended time, not before
	for n := int64(0); n < 100; n++ {
		at := intendedAt(n, 333)
		if dueBy(at, 333, 1000) < n+1 {
			t.Fatalf("request %d not due at its intended time %v", n, at)
		}
		if at > 0 && dueBy(at-time.Microsecond, 333, 1000) > n {
			t.Fatalf("request %d due before its intended time %v", n, at)
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
