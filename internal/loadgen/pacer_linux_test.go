package loadgen

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// threadSlice is the calling thread's scheduler time slice (se.slice of
// /proc/thread-self/sched, EEVDF kernels); ok is false where it is not
// shown.
func threadSlice() (time.Duration, bool) {
	b, err := os.ReadFile("/proc/thread-self/sched")
	if err != nil {
		return 0, false
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		name, val, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(name) == "se.slice" {
			ns, err := strconv.ParseInt(strings.TrimSpace(val), 10, 64)
			return time.Duration(ns), err == nil
		}
	}
	return 0, false
}

// TestPacerThreadShortSlice: the pacer's thread asks for a 100 µs slice
// while it paces (so that it preempts another process on its CPU when it
// wakes, instead of waiting out that process's slice), and gives the
// default back when done.
func TestPacerThreadShortSlice(t *testing.T) {
	runtime.LockOSThread() // the thread preciseSleeper locks is this one
	defer runtime.UnlockOSThread()
	before, ok := threadSlice()
	if !ok {
		t.Skip("no se.slice in /proc/thread-self/sched (kernel before EEVDF)")
	}
	sleep, done := preciseSleeper()
	during, _ := threadSlice()
	sleep(100 * time.Microsecond)
	done()
	after, _ := threadSlice()
	if during == before {
		t.Skipf("slice stays %v: a kernel before 6.12 ignores a SCHED_OTHER thread's sched_runtime", before)
	}
	if during != pacerSlice {
		t.Errorf("slice while pacing = %v, want %v", during, pacerSlice)
	}
	if after != before {
		t.Errorf("slice after the pacer = %v, want the %v from before", after, before)
	}
}
