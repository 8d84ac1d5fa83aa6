package config

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ValidationError is one problem in a configuration, located by its key
// path. Load and Parse return every ValidationError found, joined with
// errors.Join; use errors.As or AsValidationErrors to inspect them.
type ValidationError struct {
	// File is the config file (or the name given to Parse); may be "".
	File string
	// Path is the key path, e.g. "suites.chat.scenarios[2].users"; "" for
	// problems with the file as a whole (YAML syntax).
	Path string
	// Msg says what is wrong, e.g. "must be ≥ 1, got -3".
	Msg string
}

// Error formats the problem as "FILE: PATH: MSG", leaving out empty parts.
func (e *ValidationError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// AsValidationErrors returns the ValidationErrors inside err (as returned
// by Load or Parse), in order. It returns nil when there are none.
func AsValidationErrors(err error) []*ValidationError {
	switch e := err.(type) {
	case nil:
		return nil
	case *ValidationError:
		return []*ValidationError{e}
	case interface{ Unwrap() []error }:
		var out []*ValidationError
		for _, inner := range e.Unwrap() {
			out = append(out, AsValidationErrors(inner)...)
		}
		return out
	}
	var ve *ValidationError
	if errors.As(err, &ve) {
		return []*ValidationError{ve}
	}
	return nil
}

// problems collects ValidationErrors for one file. Sources maps koanf key
// paths set from the environment or overrides to a description of where
// they came from, so messages can name the variable.
type problems struct {
	file    string
	sources map[string]string
	list    []*ValidationError
	// bad holds the paths that failed to decode; validation does not pile
	// follow-on errors onto them.
	bad map[string]bool
	// decoded is len(list) when decoding ended: the decode errors.
	decoded int
	// present holds the key paths set (non-null) in the file, the
	// environment or an override; defaults fill only the others.
	present map[string]bool
}

// newProblems returns an empty problem list for file.
func newProblems(file string) *problems {
	return &problems{file: file, sources: map[string]string{}, bad: map[string]bool{}, present: map[string]bool{}}
}

// addf records a problem at path, naming the environment variable or
// override the value came from, if any.
func (p *problems) addf(path, format string, args ...any) {
	p.addAt(path, pathToKey(path), format, args...)
}

// pathToKey turns a key path with list indexes ("a.b[2].c") into the
// koanf key ("a.b.2.c").
func pathToKey(path string) string {
	if !strings.Contains(path, "[") {
		return path
	}
	r := strings.NewReplacer("[", ".", "]", "")
	return r.Replace(path)
}

// addAt records a problem at path with the source of key (a koanf key path)
// appended, when that key came from the environment or an override.
func (p *problems) addAt(path, key, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if src, ok := p.sources[key]; ok && key != "" {
		msg += " (from " + src + ")"
	}
	p.list = append(p.list, &ValidationError{File: p.file, Path: path, Msg: msg})
}

// err returns all problems joined, or nil. Validation problems on or
// below a path that failed to decode are dropped: they are consequences of
// the decode error (the field was left at its zero value).
func (p *problems) err() error {
	var keep []*ValidationError
	for i, e := range p.list {
		if i >= p.decoded && p.underBad(e.Path) {
			continue
		}
		keep = append(keep, e)
	}
	sort.SliceStable(keep, func(i, j int) bool { return sortKey(keep[i].Path) < sortKey(keep[j].Path) })
	errs := make([]error, len(keep))
	for i, e := range keep {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// indexPattern finds list indexes in a key path.
var indexPattern = regexp.MustCompile(`\[(\d+)\]`)

// sortKey orders key paths with list indexes compared as numbers.
func sortKey(path string) string {
	return indexPattern.ReplaceAllStringFunc(path, func(m string) string {
		n, _ := strconv.Atoi(m[1 : len(m)-1])
		return fmt.Sprintf("[%09d]", n)
	})
}

// underBad reports whether path is, or lies under, a path that failed to
// decode.
func (p *problems) underBad(path string) bool {
	for b := range p.bad {
		if path == b || strings.HasPrefix(path, b+".") || strings.HasPrefix(path, b+"[") {
			return true
		}
	}
	return false
}

// sortedKeys returns the keys of m in order, so problems come out in a
// stable order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
