package testtools

import (
	"net"
	"net/http"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// StartPushgateway runs the Debian Prometheus Pushgateway
// (prometheus-pushgateway, installed by .ci/install-tools) on a free
// loopback port with no persistence until the test ends, and returns its
// base URL once it is ready. Without the binary it skips, or fails in CI
// (see Need).
func StartPushgateway(t testing.TB) string {
	t.Helper()
	bin := Need(t, "prometheus-pushgateway")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var out Buffer
	cmd := exec.Command(bin, "--web.listen-address="+addr, "--persistence.file=", "--log.level=warn")
	cmd.Stdout, cmd.Stderr = &out, &out
	// Killed with the test binary if that dies first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	base := "http://" + addr
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(base + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("pushgateway not ready within 15s: %v\n%s", err, out.String())
		}
		time.Sleep(50 * time.Millisecond) // polling interval, not synchronisation
	}
}
