package history

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/loadcron/loadcron/internal/report"
)

// load reads every <Dir>/<suite>/*.json report into memory. Errors on
// single files are logged and the file skipped; only an unreadable Dir is
// fatal.
func (s *Store) load() error {
	dirs, err := os.ReadDir(s.opts.Dir)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	loaded := 0
	for _, d := range dirs {
		if !d.IsDir() {
			continue // e.g. loadcron run's load_test_results.json
		}
		sub := filepath.Join(s.opts.Dir, d.Name())
		files, err := os.ReadDir(sub)
		if err != nil {
			s.log.Warn("history: cannot read directory", "path", sub, "err", err)
			continue
		}
		for _, f := range files {
			if s.loadFile(filepath.Join(sub, f.Name()), f) {
				loaded++
			}
		}
	}
	s.log.Debug("history: loaded reports", "dir", s.opts.Dir, "reports", loaded)
	return nil
}

// loadFile loads one file and reports whether it held a report.
func (s *Store) loadFile(path string, f os.DirEntry) bool {
	name := f.Name()
	switch {
	case f.IsDir():
		return false
	case isTempFile(name):
		// Left by a write that was interrupted (crash, power loss): the
		// rename never happened, so nothing refers to it.
		if err := os.Remove(path); err != nil {
			s.log.Warn("history: cannot remove temporary file", "path", path, "err", err)
		}
		return false
	case !strings.HasSuffix(name, ".json"):
		return false
	}
	r, err := report.ReadFile(path)
	if err != nil {
		s.log.Warn("history: skipping unreadable report", "path", path, "err", err)
		return false
	}
	if r.RunID == "" || r.Suite == "" {
		s.log.Warn("history: skipping report without run id or suite", "path", path)
		return false
	}
	if _, dup := s.byID[r.RunID]; dup {
		s.log.Warn("history: skipping duplicate run id", "path", path, "run", r.RunID)
		return false
	}
	s.insert(&entry{r: r, path: path})
	return true
}

// isTempFile matches the temporary names of report.WriteFileAtomic:
// ".<name>.tmp-<random>".
func isTempFile(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, ".json.tmp-")
}

// maxNameLen keeps escaped names well below the usual 255-byte limit of a
// file name, leaving room for ".json" and the temporary-file suffix.
const maxNameLen = 160

// escapeName turns a suite name or run id into one safe path element:
// ASCII letters, digits, '-' and '_' stay, every other byte becomes %XX
// (so "/", "." and ".." cannot escape the directory and distinct names
// stay distinct). Names longer than maxNameLen after escaping are cut and
// given a hash of the full name.
func escapeName(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	out := b.String()
	if len(out) > maxNameLen {
		sum := sha256.Sum256([]byte(name))
		out = out[:maxNameLen-17] + "~" + hex.EncodeToString(sum[:8])
	}
	return out
}
