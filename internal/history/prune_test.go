package history

import (
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPruneByCount(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, 3, 0, nil)
	for i := range 5 {
		for _, suite := range []string{"chat", "other"} {
			if err := s.Add(mk(suite, suite[:1], base.Add(time.Duration(i)*time.Minute))); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		suite string
		want  []string
	}{
		// MaxRuns is per suite: each keeps its three newest.
		{"chat", []string{id(4, "c"), id(3, "c"), id(2, "c")}},
		// The other suite is bounded independently.
		{"other", []string{id(4, "o"), id(3, "o"), id(2, "o")}},
	}
	for _, tt := range tests {
		if got := ids(s.List(tt.suite, 0)); !slices.Equal(got, tt.want) {
			t.Errorf("List(%s) = %v, want %v", tt.suite, got, tt.want)
		}
	}
	if _, ok := s.Get(id(0, "c")); ok {
		t.Error("a pruned report is still served by Get")
	}
	// Memory and disk agree.
	want := []string{
		"chat/" + id(2, "c") + ".json", "chat/" + id(3, "c") + ".json", "chat/" + id(4, "c") + ".json",
		"other/" + id(2, "o") + ".json", "other/" + id(3, "o") + ".json", "other/" + id(4, "o") + ".json",
	}
	if got := files(t, dir); !slices.Equal(got, want) {
		t.Errorf("files = %v, want %v", got, want)
	}
	// An old report added late is beyond the bound at once: not kept, not written.
	if err := s.Add(mk("chat", "late", base.Add(-time.Hour))); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Get(id(-60, "late")); ok {
		t.Error("a report beyond MaxRuns was kept")
	}
	if got := files(t, dir); len(got) != 6 {
		t.Errorf("files = %v, want 6", got)
	}
}

func TestPruneByAge(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t: base}
	s := open(t, dir, 0, time.Hour, c)
	for _, r := range []struct {
		min int
		tag string
	}{{-120, "x"}, {-50, "a"}, {-20, "b"}} {
		if err := s.Add(mk("chat", r.tag, base.Add(time.Duration(r.min)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name    string
		advance time.Duration
		want    []string
	}{
		// A report older than MaxAge is dropped when added.
		{"at add", 0, []string{id(-20, "b"), id(-50, "a")}},
		// 15 minutes later the older one has expired.
		{"after 15m", 15 * time.Minute, []string{id(-20, "b")}},
		// After an hour everything has.
		{"after 1h15m", time.Hour, []string{}},
	}
	for _, st := range steps {
		c.Advance(st.advance)
		s.Prune()
		if got := ids(s.List("", 0)); !slices.Equal(got, st.want) {
			t.Errorf("%s: List = %v, want %v", st.name, got, st.want)
		}
		if got := files(t, dir); len(got) != len(st.want) {
			t.Errorf("%s: files = %v, want %d", st.name, got, len(st.want))
		}
	}
}

func TestOpenPrunes(t *testing.T) {
	// Bounds that shrank between runs (or time that passed) apply at Open.
	dir := t.TempDir()
	s := open(t, dir, 0, 0, nil)
	for i := range 4 {
		if err := s.Add(mk("chat", "c", base.Add(time.Duration(-i)*time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	c := &clock{t: base.Add(time.Minute)}
	s2 := open(t, dir, 2, 150*time.Minute, c)
	if got, want := ids(s2.List("", 0)), []string{id(0, "c"), id(-60, "c")}; !slices.Equal(got, want) {
		t.Errorf("List after Open = %v, want %v", got, want)
	}
	if got := files(t, dir); len(got) != 2 {
		t.Errorf("files = %v, want 2", got)
	}
}

func TestRestart(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, 10, 0, nil)
	for i := range 6 {
		suite := []string{"chat", "other suite", "x/y"}[i%3]
		if err := s.Add(mk(suite, fmt.Sprint(i), base.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	s2 := open(t, dir, 10, 0, nil)
	for _, suite := range []string{"", "chat", "other suite", "x/y"} {
		a, b := s.List(suite, 0), s2.List(suite, 0)
		if len(a) == 0 || !reflect.DeepEqual(a, b) {
			t.Errorf("suite %q: after restart %v, before %v", suite, ids(b), ids(a))
		}
	}
	for _, r := range s.List("", 0) {
		if got, ok := s2.Get(r.RunID); !ok || !reflect.DeepEqual(got, r) {
			t.Errorf("Get(%s) after restart differs", r.RunID)
		}
	}
}

func TestNoTempFilesLeft(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, 2, 0, nil)
	for i := range 5 {
		if err := s.Add(mk("chat", "c", base.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files(t, dir) {
		if strings.Contains(filepath.Base(f), ".tmp-") || !strings.HasSuffix(f, ".json") {
			t.Errorf("leftover file %s", f)
		}
	}
}

func TestConcurrentAdd(t *testing.T) {
	dir := t.TempDir()
	const (
		writers = 6
		each    = 15
		maxRuns = 7
	)
	s := open(t, dir, maxRuns, 0, nil)
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		suite := []string{"a", "b"}[w%2]
		wg.Go(func() {
			for i := range each {
				started := base.Add(time.Duration(w*each+i) * time.Second)
				if err := s.Add(mk(suite, fmt.Sprint(w), started)); err != nil {
					errs <- err
				}
				// Readers run alongside writers.
				for _, r := range s.List("", 5) {
					// A listed report may be pruned before Get; it stays whole.
					if len(r.TestResults) != 1 || r.Suite == "" {
						errs <- fmt.Errorf("inconsistent report %s", r.RunID)
					}
					s.Get(r.RunID)
				}
				s.Last(suite)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var want []string
	for _, suite := range []string{"a", "b"} {
		list := s.List(suite, 0)
		if len(list) != maxRuns {
			t.Errorf("suite %s holds %d reports, want %d", suite, len(list), maxRuns)
		}
		for _, r := range list {
			want = append(want, suite+"/"+r.RunID+".json")
		}
	}
	slices.Sort(want)
	// Disk holds exactly what memory holds: no orphan, no temp file.
	if got := files(t, dir); !slices.Equal(got, want) {
		t.Errorf("files = %v\nwant %v", got, want)
	}
	// Whatever the interleaving, the kept reports are the newest of each
	// suite: the last maxRuns of the writer with the latest start times.
	for _, tt := range []struct {
		suite  string
		writer int
	}{{"a", 4}, {"b", 5}} {
		var wantIDs []string
		for i := each - 1; i >= each-maxRuns; i-- {
			started := base.Add(time.Duration(tt.writer*each+i) * time.Second)
			wantIDs = append(wantIDs, started.Format("20060102T150405Z")+"-"+fmt.Sprint(tt.writer))
		}
		if got := ids(s.List(tt.suite, 0)); !slices.Equal(got, wantIDs) {
			t.Errorf("suite %s keeps %v, want %v", tt.suite, got, wantIDs)
		}
	}
	// A reopened store sees the same.
	s2 := open(t, dir, maxRuns, 0, nil)
	if !reflect.DeepEqual(ids(s2.List("", 0)), ids(s.List("", 0))) {
		t.Errorf("reopened store holds %v, want %v", ids(s2.List("", 0)), ids(s.List("", 0)))
	}
}
