// Package history keeps the most recent run reports of every suite, in
// memory and as JSON files in a data directory, so the daemon's API and
// status page can serve them — also after a restart.
//
// Layout on disk: <Dir>/<suite>/<run-id>.json, one report per file, written
// atomically (report.WriteFileAtomic). Names are escaped (see escapeName),
// so suite names with spaces, slashes or dots stay inside their directory.
// Files directly in Dir (such as `loadcron run`'s load_test_results.json)
// are left alone.
//
// Bounds: MaxRuns reports per suite (the newest by StartedAt are kept) and
// MaxAge (reports that started longer ago are dropped). Pruned reports are
// removed from memory and their files deleted.
package history

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/loadcron/loadcron/internal/report"
)

// Options configures a Store.
type Options struct {
	// Dir is the data directory; created if missing. Required.
	Dir string
	// MaxRuns is how many reports are kept per suite; 0 or less keeps any
	// number.
	MaxRuns int
	// MaxAge drops reports that started longer ago; 0 or less keeps them
	// regardless of age.
	MaxAge time.Duration
	// Logger receives warnings about unreadable files and failed
	// deletions. Nil discards them.
	Logger *slog.Logger
	// Now is the clock for MaxAge; nil means time.Now.
	Now func() time.Time
}

// Store is the bounded run history. It is safe for concurrent use.
//
// Reports returned by List, Get and Last are shared with the store and
// with other callers: they must not be modified.
type Store struct {
	opts Options
	log  *slog.Logger

	mu     sync.RWMutex
	suites map[string][]*entry // newest first
	byID   map[string]*entry

	// diskMu serialises file writes and deletions, so a deletion queued by
	// a prune always runs after the write of the same file (see Add).
	diskMu sync.Mutex
}

// entry is one stored report and the file that holds it.
type entry struct {
	r    *report.Report
	path string
}

// Open creates opts.Dir if needed, loads the reports found in it and
// prunes them to the bounds. Unreadable or foreign files are logged and
// skipped (never deleted); temporary files left by an interrupted write
// are removed.
func Open(opts Options) (*Store, error) {
	if opts.Dir == "" {
		return nil, errors.New("history: no directory")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	s := &Store{
		opts:   opts,
		log:    log,
		suites: make(map[string][]*entry),
		byID:   make(map[string]*entry),
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	s.Prune()
	return s, nil
}

// Add stores a copy of r (later changes to r do not reach the store): in
// memory first, then as a file. It replaces an earlier report with the
// same RunID, then prunes (as Prune does; a report already beyond the
// bounds is dropped at once and not written). The report is kept in memory
// even when writing its file fails; the error is returned.
func (s *Store) Add(r *report.Report) error {
	if r == nil || r.RunID == "" || r.Suite == "" {
		return errors.New("history: report needs a run id and a suite")
	}
	e := &entry{r: r.Clone(), path: s.path(r.Suite, r.RunID)}

	s.mu.Lock()
	var stale []string
	if old, ok := s.byID[e.r.RunID]; ok {
		s.remove(old)
		if old.path != e.path {
			stale = append(stale, old.path)
		}
	}
	s.insert(e)
	stale = append(stale, s.pruneLocked()...)
	s.mu.Unlock()

	s.diskMu.Lock()
	defer s.diskMu.Unlock()
	var err error
	// A concurrent Add may have pruned e already; its deletion waits for
	// diskMu, but writing a file that is gone from memory would orphan it.
	if s.holds(e) {
		err = report.WriteFileAtomic(e.path, e.r)
	}
	s.deleteFiles(stale)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	return nil
}

// Prune applies MaxRuns and MaxAge to every suite now. Add prunes by
// itself; call Prune periodically to expire reports of suites that no
// longer run.
func (s *Store) Prune() {
	s.mu.Lock()
	stale := s.pruneLocked()
	s.mu.Unlock()
	s.diskMu.Lock()
	defer s.diskMu.Unlock()
	s.deleteFiles(stale)
}

// List returns up to limit reports of suite ("" = every suite), newest
// first by StartedAt (ties: greater RunID first); limit ≤ 0 means all. An
// unknown suite gives an empty list.
func (s *Store) List(suite string, limit int) []*report.Report {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var es []*entry
	if suite != "" {
		es = s.suites[suite]
	} else {
		es = make([]*entry, 0, len(s.byID))
		for _, list := range s.suites {
			es = append(es, list...)
		}
		slices.SortFunc(es, newestFirst)
	}
	if limit > 0 && len(es) > limit {
		es = es[:limit]
	}
	out := make([]*report.Report, len(es))
	for i, e := range es {
		out[i] = e.r
	}
	return out
}

// Get returns the report of run runID.
func (s *Store) Get(runID string) (*report.Report, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.byID[runID]
	if !ok {
		return nil, false
	}
	return e.r, true
}

// Last returns suite's newest report.
func (s *Store) Last(suite string) (*report.Report, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	es := s.suites[suite]
	if len(es) == 0 {
		return nil, false
	}
	return es[0].r, true
}

// insert adds e to its suite's list, keeping the list newest first.
// Callers hold mu.
func (s *Store) insert(e *entry) {
	list := s.suites[e.r.Suite]
	i, _ := slices.BinarySearchFunc(list, e, newestFirst)
	s.suites[e.r.Suite] = slices.Insert(list, i, e)
	s.byID[e.r.RunID] = e
}

// remove drops e from memory. Callers hold mu.
func (s *Store) remove(e *entry) {
	delete(s.byID, e.r.RunID)
	list := slices.DeleteFunc(s.suites[e.r.Suite], func(x *entry) bool { return x == e })
	if len(list) == 0 {
		delete(s.suites, e.r.Suite)
		return
	}
	s.suites[e.r.Suite] = list
}

// pruneLocked drops the reports beyond MaxRuns per suite or older than
// MaxAge and returns their paths. Callers hold mu.
func (s *Store) pruneLocked() []string {
	var stale []string
	var cutoff time.Time
	if s.opts.MaxAge > 0 {
		cutoff = s.opts.Now().Add(-s.opts.MaxAge)
	}
	for suite, list := range s.suites {
		keep := len(list)
		if s.opts.MaxRuns > 0 && keep > s.opts.MaxRuns {
			keep = s.opts.MaxRuns
		}
		// The list is newest first, so the expired ones form its tail.
		for keep > 0 && !cutoff.IsZero() && list[keep-1].r.StartedAt.Before(cutoff) {
			keep--
		}
		for _, e := range list[keep:] {
			delete(s.byID, e.r.RunID)
			stale = append(stale, e.path)
		}
		if keep == 0 {
			delete(s.suites, suite)
			continue
		}
		clear(list[keep:]) // let the dropped reports be collected
		s.suites[suite] = list[:keep]
	}
	return stale
}

// holds reports whether e is still the stored entry of its run.
func (s *Store) holds(e *entry) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.byID[e.r.RunID] == e
}

// deleteFiles removes pruned reports' files; a missing file is fine.
// Callers hold diskMu.
func (s *Store) deleteFiles(paths []string) {
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("history: cannot delete pruned report", "path", p, "err", err)
		}
	}
}

// path is the file of run runID of suite.
func (s *Store) path(suite, runID string) string {
	return filepath.Join(s.opts.Dir, escapeName(suite), escapeName(runID)+".json")
}

// newestFirst orders entries by StartedAt descending, then RunID
// descending, so the order is total and stable across restarts.
func newestFirst(a, b *entry) int {
	if c := b.r.StartedAt.Compare(a.r.StartedAt); c != 0 {
		return c
	}
	return cmp.Compare(b.r.RunID, a.r.RunID)
}
