// Package redistest runs a throwaway redis-server on loopback for tests,
// as httptest does for HTTP servers. It needs the redis-server binary
// (Debian package redis-server, installed by .ci/install-tools): without
// it, Start skips the test, or fails it when the CI environment variable is
// set so that a missing install step cannot pass CI silently.
package redistest

import (
	"bufio"
	"bytes"
	"fmt"
	"github.com/loadcron/loadcron/internal/testtools"
	"net"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// startTimeout bounds how long Start waits for the server to answer PING.
const startTimeout = 10 * time.Second

// Server is one redis-server process bound to 127.0.0.1, with persistence
// off and its working directory in a temporary directory.
type Server struct {
	// Addr is "127.0.0.1:PORT".
	Addr string

	t    testing.TB
	args []string
	dir  string

	mu   sync.Mutex
	proc *process // nil when killed
}

// process is one run of redis-server.
type process struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{} // closed when the process has exited and been reaped
}

// Start runs redis-server on a free loopback port with the extra
// command-line arguments args (e.g. "--requirepass", "pw"), waits until it
// answers, and kills it when the test ends.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	testtools.Need(t, "redis-server")
	s := &Server{t: t, args: args, dir: t.TempDir()}
	t.Cleanup(s.Kill)
	// Another process may take the port between our probe and
	// redis-server's bind: try a few ports.
	var err error
	for range 3 {
		var port int
		if port, err = freePort(); err != nil {
			continue
		}
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if err = s.start(); err == nil {
			return s
		}
	}
	t.Fatalf("redistest: %v", err)
	return nil
}

// Restart starts redis-server again on the same port after Kill, empty.
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: restart: %v", err)
	}
}

// Kill stops the server with SIGKILL (an abrupt outage, no goodbye to the
// clients) and waits for it to exit. It does nothing if it is not running.
func (s *Server) Kill() {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// start runs the process on s.Addr and waits for PING to be answered.
func (s *Server) start() error {
	_, port, _ := net.SplitHostPort(s.Addr)
	args := append([]string{
		"--bind", "127.0.0.1", "--port", port,
		"--save", "", "--appendonly", "no", "--daemonize", "no",
		"--dir", s.dir, "--loglevel", "warning",
	}, s.args...)
	p := &process{cmd: exec.Command("redis-server", args...), out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.SysProcAttr = sysProcAttr()
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()

	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-p.done:
			s.Kill()
			return fmt.Errorf("redis-server on %s exited at start: %s", s.Addr, p.out.String())
		default:
		}
		if ping(s.Addr) {
			return nil
		}
		if time.Now().After(deadline) {
			s.Kill()
			return fmt.Errorf("redis-server on %s did not answer PING within %s: %s", s.Addr, startTimeout, p.out.String())
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
}

// ping reports whether a Redis server answers PING at addr. A server
// requiring a password answers -NOAUTH, which also means it is up.
func ping(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && (strings.HasPrefix(line, "+PONG") || strings.HasPrefix(line, "-NOAUTH"))
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// WaitGoroutinesGone polls until no goroutine's stack mentions fn, failing
// the test after timeout. go-redis's connection pool, once every dial has
// failed (Redis down), probes the server from a goroutine
// (pool.(*ConnPool).tryDial) that sleeps a second between probes and only
// notices Close when it wakes; tests that kill Redis wait for it here so
// that goleak stays strict.
func WaitGoroutinesGone(t testing.TB, fn string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if !bytes.Contains(buf[:n], []byte(fn)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutine in %s still running after %s", fn, timeout)
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
}

// syncBuffer collects the process output; safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
