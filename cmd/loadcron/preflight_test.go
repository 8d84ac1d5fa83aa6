package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// configTable is internal/config's table of bad and tricky configs.
const configTable = "../../internal/config"

// tableCase is one file of the table with its directives.
type tableCase struct {
	file  string // relative to configTable
	env   []string
	sets  []string
	want  []string // expected problems; nil: valid
	valid bool
}

func readConfigTable(t *testing.T) []tableCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(configTable, "testdata/table/*.yaml"))
	if err != nil || len(files) < 60 {
		t.Fatalf("table: %d files, %v", len(files), err)
	}
	var out []tableCase
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := tableCase{file: strings.TrimPrefix(f, configTable+"/")}
		for line := range strings.SplitSeq(string(b), "\n") {
			rest, ok := strings.CutPrefix(line, "# ")
			if !ok {
				break
			}
			key, val, _ := strings.Cut(rest, ": ")
			switch {
			case key == "env":
				c.env = append(c.env, val)
			case key == "set":
				c.sets = append(c.sets, val)
			case key == "want" && val == "valid":
				c.valid = true
			case key == "want":
				c.want = append(c.want, val)
			}
		}
		out = append(out, c)
	}
	return out
}

// loadcronIn runs the binary in dir and returns its exit code and output.
func loadcronIn(t *testing.T, dir string, env []string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), stdout.String(), stderr.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, stdout.String(), stderr.String()
}

// TestValidateRunServeAgree runs every case of the config table through
// validate, run and serve (the built binary). validate exits 0 exactly for
// the valid ones; for every other one the three commands exit 2 with the
// same problems, each naming the key path and the bad value as the table
// says — no load is sent and nothing is served.
func TestValidateRunServeAgree(t *testing.T) {
	report := filepath.Join(t.TempDir(), "report.json")
	for _, c := range readConfigTable(t) {
		t.Run(strings.TrimSuffix(filepath.Base(c.file), ".yaml"), func(t *testing.T) {
			var sets []string
			for _, s := range c.sets {
				sets = append(sets, "--set", s)
			}
			args := func(cmd string, extra ...string) []string {
				return append(append([]string{cmd, "--config.file", c.file}, sets...), extra...)
			}
			code, stdout, stderr := loadcronIn(t, configTable, c.env, args("validate")...)
			if c.valid {
				if code != 0 || !strings.Contains(stdout, c.file+": valid") {
					t.Fatalf("validate: exit %d\n%s%s", code, stdout, stderr)
				}
				return
			}
			if code != 2 {
				t.Fatalf("validate: exit %d, want 2\n%s", code, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("validate does not say %q:\n%s", w, stderr)
				}
			}
			for _, s := range c.sets {
				// A --set typed with ":" never shows what followed it.
				if k, v, ok := strings.Cut(s, ":"); ok && !strings.Contains(k, "=") && strings.Contains(stderr, v) {
					t.Errorf("validate echoes %q of --set %s:\n%s", v, s, stderr)
				}
			}
			problems := func(out string) string {
				var keep []string
				for line := range strings.SplitSeq(out, "\n") {
					if line != "" && !strings.HasPrefix(line, "loadcron: configuration invalid") {
						keep = append(keep, line)
					}
				}
				return strings.Join(keep, "\n")
			}
			for _, cmd := range [][]string{
				args("run", "--report", report),
				args("serve", "--web.listen-address", "127.0.0.1:0", "--data-dir", t.TempDir()),
			} {
				code, _, out := loadcronIn(t, configTable, c.env, cmd...)
				if code != 2 || problems(out) != problems(stderr) {
					t.Errorf("%s: exit %d, want 2 and the problems validate lists:\n got: %s\nwant: %s", cmd[0], code, problems(out), problems(stderr))
				}
			}
			if _, err := os.Stat(report); err == nil {
				t.Errorf("run wrote a report for an invalid config")
			}
		})
	}
}

// TestValidateSummaryAndExtraChecks: validate's summary says which suites
// are trigger-only, and it checks run's --report, serve's listen
// addresses and web config file when they are given, and that the
// history directory could be written — every problem at once.
func TestValidateSummaryAndExtraChecks(t *testing.T) {
	code, stdout, stderr := loadcronIn(t, configTable, nil, "validate", "--config.file", "testdata/table/valid_no_schedule.yaml")
	if code != 0 || !strings.Contains(stdout, "suite chat: 1 scenarios, trigger-only (no schedule: serve runs it only through the trigger API or run_on_start; run runs it)") {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = loadcronIn(t, configTable, nil, "validate", "--config.file", "testdata/table/valid_no_schedule.yaml",
		"--report", filepath.Join(notDir, "r.json"), "--web.listen-address", "127.0.0.1:70000", "--web.config.file", filepath.Join(dir, "nope.yml"),
		"--set", "history.dir="+filepath.Join(notDir, "data"))
	for _, want := range []string{
		"--report: report " + filepath.Join(notDir, "r.json") + " cannot be written",
		`--web.listen-address "127.0.0.1:70000"`, `port must be a number from 0 to 65535, got "70000"`,
		"--web.config.file " + filepath.Join(dir, "nope.yml"),
		"history.dir (--data-dir) " + filepath.Join(notDir, "data") + ": ",
	} {
		if code != 2 || !strings.Contains(stderr, want) {
			t.Errorf("exit %d, want 2 and %q:\n%s", code, want, stderr)
		}
	}
}
