package config

import (
	"testing"
	"time"
)

func TestPlanAt(t *testing.T) {
	users := func(n int) *int { return &n }
	rate := func(r float64) *float64 { return &r }
	sec := time.Second
	closed := &Scenario{Stages: []Stage{
		{Duration: 2 * sec, Users: users(10)},
		{Duration: 2 * sec, Users: users(10)},
		{Duration: 1 * sec, Users: users(0)},
	}}
	open := &Scenario{Stages: []Stage{
		{Duration: 2 * sec, Rate: rate(100)},
		{Duration: 2 * sec, Rate: rate(300)},
	}}
	ramp := &Scenario{Users: 10, Duration: 10 * sec, RampUp: 5 * sec}
	tests := []struct {
		name string
		sc   *Scenario
		at   time.Duration
		want float64
	}{
		// the first stage starts from 0
		{"closed start", closed, 0, 0},
		{"closed half way up", closed, sec, 5},
		{"closed top", closed, 2 * sec, 10},
		{"closed hold", closed, 3 * sec, 10},
		{"closed half way down", closed, 4500 * time.Millisecond, 5},
		{"closed after the end", closed, time.Minute, 0},
		{"open ramp", open, sec, 50},
		{"open between stages", open, 3 * sec, 200},
		// ramp_up: user i starts at i × 0.5 s
		{"ramp first user at once", ramp, 0, 1},
		{"ramp just before user 1", ramp, 499 * time.Millisecond, 1},
		{"ramp user 1", ramp, 500 * time.Millisecond, 2},
		{"ramp last user", ramp, 4500 * time.Millisecond, 10},
		{"ramp done", ramp, 6 * sec, 10},
		// no ramp: everything at once
		{"flat closed", &Scenario{Users: 7}, 0, 7},
		{"flat open", &Scenario{Rate: 20}, sec, 20},
	}
	for _, tt := range tests {
		if got := tt.sc.PlanAt(tt.at); got != tt.want {
			t.Errorf("%s: PlanAt(%v) = %v, want %v", tt.name, tt.at, got, tt.want)
		}
	}
	// 0→100/s over 2 s is 100 requests, 100→300/s over 2 s is 400
	if got := open.PlannedOpenRequests(); got != 500 {
		t.Errorf("PlannedOpenRequests = %d, want 500", got)
	}
	if got := closed.PeakUsers(); got != 10 {
		t.Errorf("PeakUsers = %d, want 10", got)
	}
	if got := closed.Length(); got != 5*sec {
		t.Errorf("Length = %v, want 5s", got)
	}
	if !open.IsOpen() || closed.IsOpen() {
		t.Errorf("IsOpen: open %v closed %v", open.IsOpen(), closed.IsOpen())
	}
}
