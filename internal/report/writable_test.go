package report

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
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

// A report path that is a FIFO (or a device such as /dev/null) is checked
// and written in place: the pipe's reader gets the report, and the path is
// still a FIFO afterwards — renaming over it would have replaced it with a
// regular file (for /dev/null, as root, destroying the device).
func TestSpecialFileWrittenInPlace(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// Nobody reads yet: the check fails at once instead of hanging.
	if err := CheckWritable(fifo); err == nil {
		t.Error("CheckWritable on a FIFO without a reader: nil error")
	}

	rd, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if err := CheckWritable(fifo); err != nil {
		t.Fatalf("CheckWritable with a reader: %v", err)
	}

	// The report (far smaller than the pipe's 64 KiB buffer) is written
	// whole before it is read: a read while no writer has the FIFO open
	// would see end of file at once, so the reader must not race the
	// writer's open.
	r := New("s", "id", time.Unix(1, 0))
	r.Finalize()
	if err := WriteFileAtomic(fifo, r); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(bytes.NewReader(b)); err != nil {
		t.Errorf("the reader got %q: %v", b, err)
	}
	fi, err := os.Lstat(fifo)
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("after the write the path is %v (%v), want the FIFO", fi.Mode(), err)
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("files left beside the FIFO: %v", names)
	}
}
