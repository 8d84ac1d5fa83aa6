// Package testtools finds the external programs tests talk to (promtool,
// prometheus, prometheus-alertmanager, amtool, redis-server,
// prometheus-pushgateway, chromium), installed by .ci/install-tools, and
// builds the project's own commands for tests that run them (GoBuild).
package testtools

import (
	"bytes"
	"os"
	"os/exec"
	"sync"
	"testing"
)

// Need returns the path of the program name. Without it the test is
// skipped on a workstation but fails in CI (env CI set), where
// .ci/install-tools must have installed it: a green CI never hides a
// missing install step.
func Need(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not on PATH: run .ci/install-tools", name)
	}
	t.Skipf("%s not on PATH (run .ci/install-tools); skipping", name)
	return ""
}

// Buffer is an output buffer a test may read while a process or
// goroutine writes to it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
