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
// poller, which holds no P, until nanoLead before the time. The thread
// also asks for a short scheduler slice (shortSlice), so that another
// process on its CPU delays its wake-ups less.
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
	restoreSlice := shortSlice()
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
		restoreSlice()
		_ = unix.Prctl(unix.PR_SET_TIMERSLACK, 0, 0, 0, 0) // 0 restores the default
		runtime.UnlockOSThread()
	}
	return sleep, done
}

// pacerSlice is the scheduler time slice the pacer's thread asks for.
const pacerSlice = 100 * time.Microsecond

// shortSlice asks the kernel for a short time slice on the calling thread
// (sched_setattr's sched_runtime for SCHED_OTHER, Linux 6.12 and later;
// older kernels ignore it) and returns a function that gives the default
// back. With EEVDF a thread with a shorter slice has an earlier virtual
// deadline, so when it wakes up on a CPU that another process is using it
// preempts that process sooner, instead of waiting for its slice (1.4 ms
// here) to run out. No privilege is needed, and the thread's share of the
// CPU does not change: it only runs in short bursts anyway. The effect is
// measured in internal/bench/README.md ("Open-model pacing"): it shows only
// when another process wants the generator's CPU.
func shortSlice() (restore func()) {
	attr, err := unix.SchedGetAttr(0, 0)
	if err != nil || attr.Policy != unix.SCHED_NORMAL {
		return func() {}
	}
	attr.Runtime = uint64(pacerSlice)
	if unix.SchedSetAttr(0, attr, 0) != nil {
		return func() {}
	}
	return func() {
		attr.Runtime = 0 // the default slice
		_ = unix.SchedSetAttr(0, attr, 0)
	}
}
