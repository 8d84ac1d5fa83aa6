package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/loadcron/loadcron/internal/testtools"
)

// moduleRoot is the repository root, relative to this package's directory
// (where go test runs the test binary).
const moduleRoot = "../.."

func TestMain(m *testing.M) {
	code := m.Run()
	testtools.RemoveBuilds()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

// skipUnlessE2E skips under -short: the end-to-end tests start real
// processes and take minutes.
func skipUnlessE2E(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
}

// tool returns the path of an external program (see testtools.Need).
func tool(t *testing.T, name string) string { return testtools.Need(t, name) }

// binaries builds loadcron and chatsim once per test binary and returns
// the directory holding them.
func binaries(t *testing.T) string {
	t.Helper()
	return testtools.GoBuild(t, moduleRoot, "./cmd/loadcron", "./cmd/chatsim")
}

// freeAddr returns a loopback address with a port that was free a moment
// ago, for processes that must be told their port up front.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// proc is a child process in its own process group, logging to a file.
type proc struct {
	name string
	dir  string
	cmd  *exec.Cmd
	log  string
	done chan struct{} // closed when the process has exited
}

// startProc starts bin with args, its output in dir/name.log. The test's
// cleanup stops it (SIGTERM to the group, SIGKILL after 10s) and, when the
// test failed, prints the end of its log.
func startProc(t *testing.T, dir, name, bin string, args ...string) *proc {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	p := &proc{name: name, dir: dir, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop(t)
		if t.Failed() {
			t.Logf("--- end of %s log (%s) ---\n%s", name, logPath, tail(logPath, 40))
		}
	})
	return p
}

// stop ends the process group and waits for the process to exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
		return
	default:
	}
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
		return
	case <-time.After(10 * time.Second):
	}
	t.Errorf("%s did not stop within 10s of SIGTERM; killing it", p.name)
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	<-p.done
}

// restart starts the same command again (after stop), logging to the same
// file.
func (p *proc) restart(t *testing.T) *proc {
	t.Helper()
	return startProc(t, p.dir, p.name, p.cmd.Path, p.cmd.Args[1:]...)
}

// exited reports whether the process has ended, with its exit code.
func (p *proc) exited() (bool, int) {
	select {
	case <-p.done:
		return true, p.cmd.ProcessState.ExitCode()
	default:
		return false, 0
	}
}

// tail returns the last n lines of the file at path.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// eventually polls cond every 250ms until it returns true, failing the
// test with cond's last explanation when timeout passes first.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	for {
		ok, why := cond()
		if ok {
			t.Logf("%s: after %s", what, time.Since(start).Round(100*time.Millisecond))
			return
		}
		select {
		case <-deadline.C:
			t.Fatalf("timed out after %s waiting for %s; last: %s", timeout, what, why)
		case <-tick.C:
		}
	}
}

// listenOn starts a process on a fresh loopback address: start(addr)
// starts it and returns the URL that answers 200 once it is ready. A port
// freeAddr found free can be taken before the process binds it (by another
// process, or as the local port of an outgoing connection: the stacks
// make thousands), so when the process exits saying the address is in
// use, listenOn tries again on another port, up to three times.
func listenOn(t *testing.T, start func(addr string) (*proc, string)) (*proc, string) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		addr := freeAddr(t)
		p, url := start(addr)
		if awaitReady(t, p, url) {
			return p, addr
		}
		log := tail(p.log, 40)
		if attempt == 3 || !strings.Contains(log, "address already in use") {
			t.Fatalf("%s exited before it was ready:\n%s", p.name, log)
		}
		t.Logf("%s: %s was taken before it could listen; another port", p.name, addr)
	}
}

// waitReady waits until GET url answers 200, failing early if p exits.
func waitReady(t *testing.T, p *proc, url string) {
	t.Helper()
	if !awaitReady(t, p, url) {
		done, code := p.exited()
		t.Fatalf("%s exited (%v, code %d) before it was ready:\n%s", p.name, done, code, tail(p.log, 40))
	}
}

// awaitReady waits until GET url answers 200 and reports true, or false
// as soon as p exits.
func awaitReady(t *testing.T, p *proc, url string) bool {
	t.Helper()
	exited := false
	eventually(t, 60*time.Second, p.name+" ready", func() (bool, string) {
		if done, _ := p.exited(); done {
			exited = true
			return true, ""
		}
		code, _, err := httpDo("GET", url, nil)
		if err != nil {
			return false, err.Error()
		}
		return code == 200, "status " + strconv.Itoa(code)
	})
	return !exited
}
