package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// idleConfig writes a config whose only suite never fires during a test.
func idleConfig(t *testing.T) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "c.yaml")
	err := os.WriteFile(f, []byte(`
targets:
  chat: {url: "http://127.0.0.1:1"}
suites:
  chat:
    schedule: "0 0 1 1 *"
    scenarios:
      - {name: one, target: chat, users: 1, requests_per_user: 1, request: {path: /}}
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// waitReady polls url until it answers 200.
func waitReady(t *testing.T, url string, out *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready\n%s", url, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stopProcess sends SIGTERM and expects a clean exit 0.
func stopProcess(t *testing.T, cmd *exec.Cmd, out *syncBuffer, wait func() int) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := wait(); code != 0 {
		t.Errorf("exit %d after SIGTERM\n%s", code, out.String())
	}
}

func TestServeLifecycleFlag(t *testing.T) {
	cfgFile := idleConfig(t)
	tests := []struct {
		name string
		flag []string
		code int
		body string
	}{
		// off by default, with Prometheus's answer
		{"default", nil, 403, "Lifecycle API is not enabled.\n"},
		// the flag opens it
		{"enabled", []string{"--web.enable-lifecycle"}, 200, "config reloaded\n"},
		// and its negation closes it
		{"negated", []string{"--no-web.enable-lifecycle"}, 403, "Lifecycle API is not enabled.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := freeAddr(t)
			args := append([]string{"serve", "--config.file", cfgFile, "--web.listen-address", addr,
				"--data-dir", t.TempDir()}, tt.flag...)
			cmd, out, wait := startProcess(t, nil, args...)
			waitReady(t, "http://"+addr+"/-/ready", out)
			resp, err := http.Post("http://"+addr+"/-/reload", "", nil)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.code || string(b) != tt.body {
				t.Errorf("POST /-/reload: %d %q, want %d %q", resp.StatusCode, b, tt.code, tt.body)
			}
			stopProcess(t, cmd, out, wait)
		})
	}
}

func TestServeSeveralListenAddresses(t *testing.T) {
	// --web.listen-address is repeatable (exporter-toolkit's flag): the
	// daemon serves on each.
	a, b := freeAddr(t), freeAddr(t)
	cmd, out, wait := startProcess(t, nil, "serve", "--config.file", idleConfig(t),
		"--web.listen-address", a, "--web.listen-address", b, "--data-dir", t.TempDir())
	waitReady(t, "http://"+a+"/-/ready", out)
	waitReady(t, "http://"+b+"/-/ready", out)
	stopProcess(t, cmd, out, wait)

	// A listen address that is not HOST:PORT is a usage error, before
	// anything starts.
	code, _, stderr := loadcron(t, nil, "serve", "--config.file", idleConfig(t), "--web.listen-address", "8097")
	if code != 2 || !strings.Contains(stderr, `--web.listen-address "8097"`) {
		t.Errorf("bad listen address: exit %d\n%s", code, stderr)
	}
}

func TestServeSystemdSocket(t *testing.T) {
	// --web.systemd-socket serves on the socket systemd passes as fd 3
	// (LISTEN_FDS=1, LISTEN_PID = the daemon's pid): sh sets LISTEN_PID
	// to its own pid and execs loadcron, which keeps it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	cmd := exec.Command("sh", "-c", `export LISTEN_PID=$$ LISTEN_FDS=1; exec "$0" "$@"`, binary,
		"serve", "--config.file", idleConfig(t), "--web.systemd-socket", "--data-dir", t.TempDir())
	cmd.ExtraFiles = []*os.File{f}
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	// Only the daemon holds the socket now.
	f.Close()
	ln.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	waitReady(t, "http://"+addr+"/-/ready", out)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("did not stop\n%s", out.String())
	}
}

func TestBinaryHelpVersionStreams(t *testing.T) {
	// What a shell sees: help and version on stdout with exit 0, usage
	// errors on stderr with exit 2.
	tests := []struct {
		args           []string
		code           int
		stdout, stderr string
	}{
		{[]string{"--help"}, 0, "usage: loadcron [<flags>] <command>", ""},
		{[]string{"run", "-h"}, 0, "usage: loadcron run [<flags>]", ""},
		{[]string{"--version"}, 0, "loadcron, version " + testVersion + " (branch: " + testBranch + ", revision: " + testRevision + ")", ""},
		{nil, 2, "", "loadcron: error: no command given"},
		{[]string{"serve", "--web.enable-lifecycle=true"}, 2, "", "unexpected true"},
	}
	for _, tt := range tests {
		code, stdout, stderr := loadcron(t, nil, tt.args...)
		if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) ||
			(tt.stdout == "") != (stdout == "") || (tt.stderr == "") != (stderr == "") {
			t.Errorf("%q: exit %d\nstdout:\n%s\nstderr:\n%s\nwant exit %d, stdout %q, stderr %q", tt.args, code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
		}
	}
}
