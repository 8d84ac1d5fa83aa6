package bench

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// targetEnv, when set in the environment, turns this test binary into the
// load target: it serves on a loopback port, prints the address on stdout
// and exits when its stdin closes (that is, when the benchmark ends or
// dies). Its value is the target's hold time per request ("0" answers at
// once).
const targetEnv = "LOADCRON_BENCH_TARGET"

// targetBody is what the target answers: small, JSON, with the cache-hit
// signal the benchmark's target config reads.
const targetBody = `{"reply":"ok","cached":true}`

func TestMain(m *testing.M) {
	if hold, ok := os.LookupEnv(targetEnv); ok {
		os.Exit(serveTarget(hold))
	}
	if _, ok := os.LookupEnv(noiseEnv); ok {
		os.Exit(spin())
	}
	if client, ok := os.LookupEnv(memoryEnv); ok {
		os.Exit(memoryChild(client))
	}
	os.Exit(m.Run())
}

// serveTarget is the target process's main.
func serveTarget(holdArg string) int {
	hold, err := time.ParseDuration(holdArg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "target:", err)
		return 2
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "target:", err)
		return 1
	}
	tr := &truth{}
	mux := http.NewServeMux()
	mux.HandleFunc("/_truth", tr.serve)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if hold > 0 {
			time.Sleep(hold)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(targetBody)))
		_, _ = io.WriteString(w, targetBody)
		if hold > 0 {
			tr.add(time.Since(start))
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Println(ln.Addr().String())
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent closes our stdin
	return 0
}

// truth keeps the target's own handler times, from the handler's start to
// the end of its write: the "server truth" that the generator's latency
// figures are compared with (whatever the precision of the target's sleep).
type truth struct {
	mu sync.Mutex
	d  []time.Duration
}

func (t *truth) add(d time.Duration) {
	t.mu.Lock()
	t.d = append(t.d, d)
	t.mu.Unlock()
}

// serve answers "p50_us p99_us n" and forgets what it had.
func (t *truth) serve(w http.ResponseWriter, _ *http.Request) {
	t.mu.Lock()
	d := t.d
	t.d = nil
	t.mu.Unlock()
	slices.Sort(d)
	q := func(p float64) float64 {
		if len(d) == 0 {
			return 0
		}
		return float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds())
	}
	fmt.Fprintf(w, "%g %g %d\n", q(0.5), q(0.99), len(d))
}

// target is a running target process.
type target struct {
	URL   string
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// startTarget runs this test binary as a target with the given hold time,
// pinned to targetCPU when pinning is on.
func startTarget(tb testing.TB, hold time.Duration) *target {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	var cmd *exec.Cmd
	if cpus := pinCPUs(); cpus != nil {
		cmd = exec.Command("taskset", "-c", strconv.Itoa(cpus[1]), exe)
	} else {
		cmd = exec.Command(exe)
	}
	cmd.Env = append(os.Environ(), targetEnv+"="+hold.String(), "GOMAXPROCS=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		stdin.Close()
		_ = cmd.Wait()
		tb.Fatalf("target did not start: %v", err)
	}
	t := &target{URL: "http://" + strings.TrimSpace(addr), cmd: cmd, stdin: stdin}
	tb.Cleanup(t.stop)
	return t
}

func (t *target) stop() {
	t.stdin.Close()
	_ = t.cmd.Wait()
}

// truth returns the target's P50 and P99 hold time since the last call.
func (t *target) truth(tb testing.TB) (p50, p99 time.Duration) {
	resp, err := http.Get(t.URL + "/_truth")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var a, b float64
	var n int
	if _, err := fmt.Fscan(resp.Body, &a, &b, &n); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(a) * time.Microsecond, time.Duration(b) * time.Microsecond
}
