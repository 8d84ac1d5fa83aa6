package config_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadcron/loadcron/internal/config"
)

// tableCase is one file of testdata/table/: a config with, in its leading
// comment lines, what loading it must say.
//
//	# one line on what the case shows
//	# env: LOADCRON_X__Y=value      (any number; the environment)
//	# set: key.path=value           (any number; --set arguments)
//	# want: key.path: message       (one per expected problem, in order)
//	# want: valid                   (the config loads)
type tableCase struct {
	name string
	file string
	env  []string
	sets []string
	want []string // nil: valid
}

// readTable reads every case of testdata/table/.
func readTable(t testing.TB) []tableCase {
	t.Helper()
	files, err := filepath.Glob("testdata/table/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no table cases: %v", err)
	}
	var out []tableCase
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := tableCase{name: strings.TrimSuffix(filepath.Base(f), ".yaml"), file: f}
		valid := false
		for line := range strings.SplitSeq(string(data), "\n") {
			rest, ok := strings.CutPrefix(line, "# ")
			if !ok {
				break
			}
			switch key, val, _ := strings.Cut(rest, ": "); key {
			case "env":
				c.env = append(c.env, val)
			case "set":
				c.sets = append(c.sets, val)
			case "want":
				if val == "valid" {
					valid = true
				} else {
					c.want = append(c.want, val)
				}
			}
		}
		if valid == (len(c.want) > 0) {
			t.Fatalf("%s: say either \"# want: valid\" or the expected messages", f)
		}
		out = append(out, c)
	}
	return out
}

// updateTable rewrites the "# want:" lines with what loading reports now:
// go test ./internal/config -run TestConfigTable -update-table, then read
// the diff before committing it.
var updateTable = flag.Bool("update-table", false, "rewrite the want lines of testdata/table/ (review the diff!)")

// rewriteWant replaces file's want lines with got.
func rewriteWant(t *testing.T, file string, got []string) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var head, body []string
	lines := strings.Split(string(data), "\n")
	i := 0
	for ; i < len(lines) && strings.HasPrefix(lines[i], "# "); i++ {
		if !strings.HasPrefix(lines[i], "# want: ") {
			head = append(head, lines[i])
		}
	}
	body = lines[i:]
	for _, g := range got {
		head = append(head, "# want: "+g)
	}
	if err := os.WriteFile(file, []byte(strings.Join(append(head, body...), "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// load loads a case the way the command line does: --set arguments
// through config.ParseSets, then config.Load.
func (c tableCase) load() (*config.Config, error) {
	sets, err := config.ParseSets(c.sets)
	if err != nil {
		return nil, err
	}
	return config.Load(c.file, config.LoadOptions{Env: c.env, Sets: sets})
}

// TestConfigTable loads every config of testdata/table/ and compares every
// problem reported, in order, with the case's expected messages. Adding a
// case is adding a file.
func TestConfigTable(t *testing.T) {
	cases := readTable(t)
	if len(cases) < 60 {
		t.Errorf("the table has %d cases; keep at least 60", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := c.load()
			if c.want == nil {
				if err != nil {
					t.Fatalf("want valid, got:\n%v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("loaded without error; want:\n%s", strings.Join(c.want, "\n"))
			}
			if cfg != nil {
				t.Errorf("a config was returned with the error")
			}
			var got []string
			for line := range strings.SplitSeq(err.Error(), "\n") {
				got = append(got, strings.TrimPrefix(line, c.file+": "))
			}
			if g, w := strings.Join(got, "\n"), strings.Join(c.want, "\n"); g != w {
				if *updateTable {
					rewriteWant(t, c.file, got)
					return
				}
				t.Errorf("problems\n got: %s\nwant: %s", g, w)
			}
		})
	}
}
