package loadgen

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// preciseSleeper returns a sleep with tens of microseconds of precision
// for the pacer's goroutine: that goroutine gets its own OS thread, whose
// timer slack (50 µs by default on Linux) is set to 1 ns, and sleeps in
// nanosleep(2). done gives the thread back with its default slack.
func preciseSleeper() (sleep func(time.Duration), done func()) {
	runtime.LockOSThread()
	if err := unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0); err != nil {
		runtime.UnlockOSThread()
		return time.Sleep, func() {}
	}
	sleep = func(d time.Duration) {
		ts := unix.NsecToTimespec(int64(d))
		_ = unix.Nanosleep(&ts, nil) // EINTR just ends the sleep early; waitUntil loops
	}
	done = func() {
		_ = unix.Prctl(unix.PR_SET_TIMERSLACK, 0, 0, 0, 0) // 0 restores the default
		runtime.UnlockOSThread()
	}
	return sleep, done
}
