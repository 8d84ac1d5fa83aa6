package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/testtools"
)

// loadcronBinary builds cmd/loadcron once per test binary.
func loadcronBinary(t *testing.T) string {
	t.Helper()
	return filepath.Join(testtools.GoBuild(t, repoRoot, "./cmd/loadcron"), "loadcron")
}

// checkCommandLine runs the real loadcron with a deployment's arguments
// plus --help: kingpin parses every flag before it prints help, so exit 0
// means each flag is spelled as this loadcron spells it (a renamed flag,
// a single-dash flag or --bool=false would exit 2).
func checkCommandLine(t *testing.T, where string, args []string) {
	t.Helper()
	if len(args) == 0 {
		t.Errorf("%s: no loadcron arguments", where)
		return
	}
	out, err := runCmd(t, 30*time.Second, "", nil, loadcronBinary(t), append(append([]string{}, args...), "--help")...)
	if err != nil || !strings.Contains(out, "usage: loadcron "+args[0]) {
		t.Errorf("%s: loadcron %s does not parse: %v\n%s", where, strings.Join(args, " "), err, out)
	}
}

// loadcronArgs returns the arguments after the loadcron executable in a
// shell command line ("" when there is none).
func loadcronArgs(line string) []string {
	f := strings.Fields(line)
	for i, w := range f {
		if filepath.Base(w) == "loadcron" && i+1 < len(f) {
			return f[i+1:]
		}
	}
	return nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	testtools.RemoveBuilds()
	os.Exit(code)
}
