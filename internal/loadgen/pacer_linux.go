package loadgen

import (
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// The pacer's precise sleep has two parts. The last stretch before a send
// time (at most nanoLead) is a nanosleep(2) on the pacer's own OS thread,
// whose timer slack (50 µs by default) is set to 1 ns: precise to tens of
// microseconds, and cheap at thousands of sends per second. But a goroutine
// keeps its P (Go scheduler slot) during a system call, and with one P
// (GOMAXPROCS 1) the workers' responses would wait for the sleep to end:
// so a longer wait first parks on a timerfd(2) read through Go's network
// poller, which holds no P, until nanoLead before the time.
const (
	nanoLead = 250 * time.Microsecond
	longWait = 2 * nanoLead
)

// preciseSleeper returns the pacer's sleep; done gives the thread back.
func preciseSleeper() (sleep func(time.Duration), done func()) {
	runtime.LockOSThread()
	if err := unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0); err != nil {
		runtime.UnlockOSThread()
		return time.Sleep, func() {}
	}
	nano := func(d time.Duration) {
		ts := unix.NsecToTimespec(int64(d))
		_ = unix.Nanosleep(&ts, nil) // EINTR just ends the sleep early; waitUntil loops
	}
	var tfd *os.File
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err == nil {
		// Non-blocking: os.NewFile puts it on the poller, so Read parks
		// the goroutine instead of blocking the thread.
		tfd = os.NewFile(uintptr(fd), "pacer-timerfd")
	}
	var buf [8]byte
	sleep = func(d time.Duration) {
		if d <= longWait || tfd == nil {
			nano(d)
			return
		}
		spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d - nanoLead))}
		if unix.TimerfdSettime(fd, 0, &spec, nil) != nil {
			nano(d)
			return
		}
		_, _ = tfd.Read(buf[:]) // the expiry count; an error just ends the wait early
	}
	done = func() {
		if tfd != nil {
			_ = tfd.Close()
		}
		_ = unix.Prctl(unix.PR_SET_TIMERSLACK, 0, 0, 0, 0) // 0 restores the default
		runtime.UnlockOSThread()
	}
	return sleep, done
}
