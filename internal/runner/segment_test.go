package runner

import (
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/config"
)

func TestParseSegment(t *testing.T) {
	tests := []struct {
		in      string
		want    Segment
		wantErr bool
	}{
		{"0/3", Segment{0, 3}, false},
		{" 2/3 ", Segment{2, 3}, false},
		{"0/1", Segment{0, 1}, false},
		// index out of range, bad count, bad shape
		{"3/3", Segment{}, true},
		{"-1/3", Segment{}, true},
		{"0/0", Segment{}, true},
		{"a/3", Segment{}, true},
		{"3", Segment{}, true},
	}
	for _, tt := range tests {
		got, err := ParseSegment(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseSegment(%q) = %v, %v; want %v, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	// a StatefulSet pod name carries the index
	if s, err := NewSegment("loadcron-2", "3"); err != nil || s != (Segment{2, 3}) {
		t.Errorf("NewSegment(loadcron-2, 3) = %v, %v", s, err)
	}
}

func TestSegmentSharesAddUp(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 7} {
		for _, users := range []int{1, 2, 5, 7, 50} {
			sc := &config.Scenario{Users: users, RequestsPerUser: 3}
			var total, next int
			for i := range n {
				part, off, ok := Segment{i, n}.apply(sc)
				if !ok {
					continue
				}
				if off != next {
					t.Errorf("n=%d users=%d: replica %d starts at user %d, want %d", n, users, i, off, next)
				}
				next += part.Users
				total += part.Users * part.RequestsPerUser
			}
			if total != users*3 {
				t.Errorf("n=%d users=%d: requests add up to %d, want %d", n, users, total, users*3)
			}
		}
		// open model: planned requests add up exactly
		for _, rate := range []float64{1, 7, 50, 333} {
			sc := &config.Scenario{Rate: rate, Duration: 3 * time.Second, MaxInFlight: 10}
			want := int64(rate*3 + 0.5)
			var total int64
			for i := range n {
				part, _, ok := Segment{i, n}.apply(sc)
				if !ok {
					continue
				}
				total += int64(part.Rate*part.Duration.Seconds() + 0.5)
				if part.MaxInFlight < 1 {
					t.Errorf("max_in_flight %d", part.MaxInFlight)
				}
			}
			if total != want {
				t.Errorf("n=%d rate=%v: planned %d, want %d", n, rate, total, want)
			}
		}
	}
}

// TestSegmentStages: a ramping profile is shared stage by stage: the
// replicas' users add up to each stage's, and their rates to each stage's
// rate.
func TestSegmentStages(t *testing.T) {
	users := func(n int) *int { return &n }
	rate := func(r float64) *float64 { return &r }
	closed := &config.Scenario{Stages: []config.Stage{{Duration: time.Second, Users: users(7)}, {Duration: time.Second, Users: users(2)}}}
	open := &config.Scenario{MaxInFlight: 10, Stages: []config.Stage{{Duration: time.Second, Rate: rate(90)}, {Duration: time.Second, Rate: rate(0)}}}
	for _, n := range []int{1, 2, 3} {
		sumUsers := make([]int, 2)
		sumRate := make([]float64, 2)
		for i := range n {
			if part, _, ok := (Segment{i, n}).apply(closed); ok {
				for k, st := range part.Stages {
					sumUsers[k] += *st.Users
				}
			}
			if part, _, ok := (Segment{i, n}).apply(open); ok {
				for k, st := range part.Stages {
					sumRate[k] += *st.Rate
				}
			}
		}
		if sumUsers[0] != 7 || sumUsers[1] != 2 || sumRate[0] != 90 || sumRate[1] != 0 {
			t.Errorf("n=%d: users %v rates %v, want [7 2] and [90 0]", n, sumUsers, sumRate)
		}
	}
}
