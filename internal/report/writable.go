package report

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// CheckWritable reports whether WriteFileAtomic could write path now: it
// creates the parent directories, refuses a path that is a directory, and
// creates and removes a temporary file where WriteFileAtomic would. A
// caller that must not send load for nothing (`loadcron run`) checks
// before the run. Errors name the path.
func CheckWritable(path string) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("report %s cannot be written: %w", path, err)
		}
	}()
	if path == "" {
		return errors.New("empty path")
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return errors.New("it is a directory")
	}
	if isSpecialFile(path) {
		// Written in place (see WriteFileAtomic): it must open for
		// writing. O_NONBLOCK so that a FIFO nobody reads yet fails
		// instead of hanging the check.
		f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			return err
		}
		return f.Close()
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".probe-*")
	if err != nil {
		return err
	}
	name := f.Name()
	if err := f.Close(); err != nil {
		_ = os.Remove(name)
		return err
	}
	return os.Remove(name)
}
