//go:build !linux

package loadgen

import "time"

// preciseSleeper falls back to time.Sleep where nanosleep's timer slack
// cannot be set: pacing is then only as precise as Go's timers.
func preciseSleeper() (sleep func(time.Duration), done func()) {
	return time.Sleep, func() {}
}
