package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCheckWritable(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		err  string // substring; "" = writable
	}{
		// a new file in a new directory: the directory is created
		{"new dir", filepath.Join(dir, "a", "b", "r.json"), ""},
		// an existing report is replaced
		{"existing file", file, ""},
		// the path is a directory
		{"directory", dir, "it is a directory"},
		// a parent is a regular file
		{"file as parent", filepath.Join(file, "r.json"), "not a directory"},
		{"empty", "", "empty path"},
	}
	for _, tt := range tests {
		err := CheckWritable(tt.path)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "report "+tt.path)):
			t.Errorf("%s: error %v, want one naming the path and %q", tt.name, err, tt.err)
		}
	}
	// Nothing is left behind but the created directories, and a checked
	// path can then be written.
	p := filepath.Join(dir, "a", "b", "r.json")
	if entries, _ := os.ReadDir(filepath.Dir(p)); len(entries) != 0 {
		t.Errorf("probe left files: %v", entries)
	}
	r := New("s", "id", time.Unix(1, 0))
	r.Finalize()
	if err := WriteFileAtomic(p, r); err != nil {
		t.Error(err)
	}
}
