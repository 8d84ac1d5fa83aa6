package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Reporter renders something to a writer (vegeta style). It returns the
// first write error.
type Reporter func(io.Writer) error

// NewJSONReporter renders r as indented JSON.
func NewJSONReporter(r *Report) Reporter {
	return func(w io.Writer) error { return WriteJSON(w, r) }
}

// WriteJSON writes r as indented JSON followed by a newline. HTML
// characters in names are not escaped.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write report json: %w", err)
	}
	return nil
}

// WriteFileAtomic writes r as JSON to path so that readers see either the
// old file or the whole new one: it creates the parent directories, writes
// a temporary file in the same directory, syncs it, renames it over path
// and syncs the directory. On failure the temporary file is removed.
// A path that already exists as something other than a regular file or a
// directory (/dev/null, /dev/stdout, a FIFO from process substitution) is
// written in place: renaming over it would replace the device or pipe
// with a file (as root, `--report /dev/null` would destroy /dev/null).
// Errors name the path.
func WriteFileAtomic(path string, r *Report) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("write report %s: %w", path, err)
		}
	}()
	if isSpecialFile(path) {
		return writeInPlace(path, r)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close() // may already be closed; the write error matters
			_ = os.Remove(tmp)
		}
	}()

	bw := bufio.NewWriter(f)
	if err := WriteJSON(bw, r); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	// CreateTemp makes the file 0600; reports are not secret and are read
	// by other tools (CI artefact upload, a sidecar).
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// isSpecialFile reports whether path exists (following symlinks) and is
// neither a regular file nor a directory: a device, a FIFO or a socket.
func isSpecialFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.Mode().IsRegular() && !fi.IsDir()
}

// writeInPlace writes r to an existing special file without creating,
// truncating or renaming anything.
func writeInPlace(path string, r *Report) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	if err := WriteJSON(bw, r); err != nil {
		_ = f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes the rename durable. Some file systems cannot sync a
// directory; the report is written either way, so failures are ignored.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

// Decode reads a JSON report. It rejects documents without a
// schema_version (checked first, so a foreign document gets that message
// rather than a field error) and versions newer than SchemaVersion;
// unknown fields are ignored (they may be additions of a later release).
// Older versions are read as they are: fields they lack stay zero (lists
// and maps empty).
func Decode(rd io.Reader) (*Report, error) {
	b, err := io.ReadAll(rd)
	if err != nil {
		return nil, fmt.Errorf("decode report: %w", err)
	}
	var probe struct {
		SchemaVersion int `json:"schema_version"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("decode report: %w", err)
	}
	switch {
	case probe.SchemaVersion == 0:
		return nil, errors.New("not a loadcron report: no schema_version")
	case probe.SchemaVersion > SchemaVersion:
		return nil, fmt.Errorf("report schema_version %d is newer than the supported %d", probe.SchemaVersion, SchemaVersion)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("decode report: %w", err)
	}
	for i := range r.TestResults {
		r.TestResults[i].fillEmpty()
	}
	return &r, nil
}

// ReadFile reads a report written by WriteFileAtomic. Errors name the path.
func ReadFile(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	r, err := Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("read report %s: %w", path, err)
	}
	return r, nil
}
