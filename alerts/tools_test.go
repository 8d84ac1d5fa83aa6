package alerts

import (
	"bytes"
	"context"
	"github.com/loadcron/loadcron/internal/testtools"
	"os/exec"
	"testing"
	"time"
)

// tool returns the path of an external program (see testtools.Need).
func tool(t *testing.T, name string) string { return testtools.Need(t, name) }

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
