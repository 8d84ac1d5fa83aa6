package deploy

import (
	"bytes"
	"context"
	"github.com/loadcron/loadcron/internal/testtools"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// repoRoot is the repository root seen from this package's directory.
const repoRoot = ".."

// tool returns the path of an external program (see testtools.Need).
func tool(t *testing.T, name string) string { return testtools.Need(t, name) }

// runCmd runs name with args in dir (the current one when empty) and
// returns its combined output and error, bounded by timeout.
func runCmd(t *testing.T, timeout time.Duration, dir string, env []string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = env
	}
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// readYAML decodes the YAML file at path (relative to this directory)
// into v, failing the test on error.
func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// mustExist fails the test when path does not exist.
func mustExist(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("%s: %v", path, err)
	}
}

// scenariosOf returns suites.<suite>.scenarios of a loadcron config file as
// plain YAML data (anchors resolved), for comparing copies of a suite.
func scenariosOf(t *testing.T, path, suite string) []any {
	t.Helper()
	var doc struct {
		Suites map[string]struct {
			Scenarios []any `yaml:"scenarios"`
		} `yaml:"suites"`
	}
	readYAML(t, path, &doc)
	s, ok := doc.Suites[suite]
	if !ok || len(s.Scenarios) == 0 {
		t.Fatalf("%s: no scenarios in suite %q", path, suite)
	}
	return s.Scenarios
}

// sameScenarios fails the test when the two files' suites differ.
func sameScenarios(t *testing.T, path, want string) {
	t.Helper()
	got, exp := scenariosOf(t, path, "chat"), scenariosOf(t, want, "chat")
	if len(got) != len(exp) {
		t.Fatalf("%s: %d scenarios, %s has %d", path, len(got), want, len(exp))
	}
	for i := range exp {
		if !reflect.DeepEqual(got[i], exp[i]) {
			t.Errorf("%s: scenario %d differs from %s:\n got %v\nwant %v", path, i, want, got[i], exp[i])
		}
	}
}

// fromRoot joins a slash path relative to the repository root.
func fromRoot(p string) string { return filepath.Join(repoRoot, filepath.FromSlash(p)) }
