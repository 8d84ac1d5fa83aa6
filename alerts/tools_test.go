package alerts

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

// tool returns the path of a Prometheus command-line tool. Without it the
// test is skipped on a workstation but fails in CI (env CI set), where
// .ci/install-tools must have installed it.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not on PATH: run .ci/install-tools (Debian packages prometheus and prometheus-alertmanager)", name)
	}
	t.Skipf("%s not on PATH (run .ci/install-tools); skipping", name)
	return ""
}

// run runs the tool with args and returns its combined output, failing the
// test on a non-zero exit.
func run(t *testing.T, path string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %q: %v\n%s", path, args, err, out.String())
	}
	return out.String()
}
