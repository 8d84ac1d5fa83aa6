package bench

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// pinEnv set to "0" turns CPU pinning off.
const pinEnv = "LOADCRON_BENCH_PIN"

// pinCPUs returns the generator's and the target's CPU when pinning is on:
// on a machine with at least two CPUs and taskset, the generator gets CPU
// 0 and the target CPU 1, as in the measurements, so neither steals
// the other's core. nil means no pinning.
func pinCPUs() []int {
	if os.Getenv(pinEnv) == "0" || runtime.NumCPU() < 2 {
		return nil
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		return nil
	}
	return []int{0, 1}
}

// pinSelf pins every thread of this process to cpu and sets GOMAXPROCS to
// 1; threads started later inherit the mask. It returns a function that
// undoes both.
func pinSelf(cpu int) (undo func()) {
	var one, all unix.CPUSet
	one.Set(cpu)
	if err := unix.SchedGetaffinity(0, &all); err != nil {
		return func() {}
	}
	setAll := func(s *unix.CPUSet) {
		ents, _ := os.ReadDir("/proc/self/task")
		for _, e := range ents {
			if tid, err := strconv.Atoi(e.Name()); err == nil {
				_ = unix.SchedSetaffinity(tid, s)
			}
		}
	}
	setAll(&one)
	prev := runtime.GOMAXPROCS(1)
	return func() {
		runtime.GOMAXPROCS(prev)
		setAll(&all)
	}
}

// usage is a snapshot of the process's CPU time and heap allocations.
type usage struct {
	cpu     time.Duration // user + system
	mallocs uint64
	at      time.Time
}

func snapshot() usage {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return usage{
		cpu:     time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		mallocs: ms.Mallocs,
		at:      time.Now(),
	}
}

// rssSampler records the peak resident set size of this process while it
// runs, sampled every 20 ms from /proc/self/statm.
type rssSampler struct {
	stop chan struct{}
	wg   sync.WaitGroup
	peak int64
}

func sampleRSS() *rssSampler {
	s := &rssSampler{stop: make(chan struct{})}
	s.peak = rss()
	s.wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				s.peak = max(s.peak, rss())
			}
		}
	})
	return s
}

// Peak stops sampling and returns the peak RSS in bytes.
func (s *rssSampler) Peak() int64 {
	close(s.stop)
	s.wg.Wait()
	return max(s.peak, rss())
}

// rss is the current resident set size in bytes.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// runDelay is the time the threads of process pid (0: this process) spent
// runnable but waiting for a CPU, summed from /proc/<pid>/task/*/schedstat
// (its second field). Over a round it tells how much other processes' load
// held the process back: lateness from a CPU taken by someone else is not
// the pacer's own.
func runDelay(pid int) time.Duration {
	dir := "/proc/self/task"
	if pid != 0 {
		dir = "/proc/" + strconv.Itoa(pid) + "/task"
	}
	ents, _ := os.ReadDir(dir)
	var sum int64
	for _, e := range ents {
		b, err := os.ReadFile(dir + "/" + e.Name() + "/schedstat")
		if err != nil {
			continue
		}
		if f := strings.Fields(string(b)); len(f) >= 2 {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			sum += n
		}
	}
	return time.Duration(sum)
}

// loadAvg is the 1-minute load average, from /proc/loadavg ("" if unknown).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// cpuBusy is the time CPU cpu spent running processes (user, nice and
// system time, from /proc/stat, since boot): interrupts and softirqs
// (the loopback network's work) and time stolen by a hypervisor are left
// out, as they are from a process's own CPU time.
func cpuBusy(cpu int) time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	prefix := "cpu" + strconv.Itoa(cpu) + " "
	for line := range strings.SplitSeq(string(b), "\n") {
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		f := strings.Fields(line)[1:]
		var ticks [3]int64 // user nice system
		for i := 0; i < len(f) && i < len(ticks); i++ {
			ticks[i], _ = strconv.ParseInt(f[i], 10, 64)
		}
		const tick = time.Second / 100 // USER_HZ
		return time.Duration(ticks[0]+ticks[1]+ticks[2]) * tick
	}
	return 0
}
