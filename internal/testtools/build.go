package testtools

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// builds are the directories GoBuild made, by package list.
var builds struct {
	mu   sync.Mutex
	dirs map[string]*build
}

type build struct {
	once sync.Once
	dir  string
	err  error
}

// GoBuild builds the main packages pkgs ("./cmd/loadcron", …) of the
// module at root, without cgo, into a temporary directory, once per test
// binary for the same packages, and returns the directory: each binary is
// named after its package's last element. A failed build fails the test.
// Call RemoveBuilds from TestMain once the tests have run.
func GoBuild(t testing.TB, root string, pkgs ...string) string {
	t.Helper()
	key := root + "\x00" + strings.Join(pkgs, "\x00")
	builds.mu.Lock()
	if builds.dirs == nil {
		builds.dirs = map[string]*build{}
	}
	b := builds.dirs[key]
	if b == nil {
		b = &build{}
		builds.dirs[key] = b
	}
	builds.mu.Unlock()
	b.once.Do(func() {
		b.dir, b.err = os.MkdirTemp("", "loadcron-test-bin-")
		if b.err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", append([]string{"build", "-o", b.dir + string(filepath.Separator)}, pkgs...)...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", strings.Join(pkgs, " "), err, out.String())
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.dir
}

// RemoveBuilds deletes the directories GoBuild made.
func RemoveBuilds() {
	builds.mu.Lock()
	defer builds.mu.Unlock()
	for _, b := range builds.dirs {
		if b.dir != "" {
			_ = os.RemoveAll(b.dir)
		}
	}
}
