package history

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/report"
	"github.com/loadcron/loadcron/internal/stats"
)

// base is the fixed "now" of the tests.
var base = time.Date(2026, 11, 27, 9, 15, 0, 0, time.UTC)

// clock is an adjustable Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// mk builds a finalized report of suite that started at started; its run
// id is derived from started and tag.
func mk(suite, tag string, started time.Time) *report.Report {
	id := started.UTC().Format("20060102T150405Z") + "-" + tag
	r := report.New(suite, id, started)
	r.Add(report.ScenarioResult{
		Scenario: "basic", TotalRequests: 10, Successful: 10, SuccessRate: 1,
		Status: stats.StatusPassed, Grade: stats.GradeExcellent,
		Errors: map[string]int64{"timeout": 0}, Thresholds: []stats.ThresholdResult{},
	})
	r.FinishedAt = started.Add(3 * time.Second)
	r.Finalize()
	return r
}

// open opens a store on dir with the given bounds and clock.
func open(t *testing.T, dir string, maxRuns int, maxAge time.Duration, c *clock) *Store {
	t.Helper()
	opts := Options{Dir: dir, MaxRuns: maxRuns, MaxAge: maxAge}
	if c != nil {
		opts.Now = c.Now
	}
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ids lists the run ids of rs.
func ids(rs []*report.Report) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.RunID
	}
	return out
}

// files lists every file under dir, relative and sorted.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// id is the run id mk gives a report that started at base+min minutes.
func id(min int, tag string) string {
	return base.Add(time.Duration(min)*time.Minute).Format("20060102T150405Z") + "-" + tag
}

func TestAddListGetLast(t *testing.T) {
	s := open(t, t.TempDir(), 0, 0, nil)
	// Added out of order on purpose: List sorts by StartedAt.
	for _, r := range []*report.Report{
		mk("chat", "a", base.Add(1*time.Minute)),
		mk("chat", "c", base.Add(3*time.Minute)),
		mk("other", "b", base.Add(2*time.Minute)),
		mk("chat", "d", base.Add(4*time.Minute)),
	} {
		if err := s.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		suite string
		limit int
		want  []string
	}{
		// Every suite, newest first.
		{"all", "", 0, []string{id(4, "d"), id(3, "c"), id(2, "b"), id(1, "a")}},
		// A limit cuts the oldest.
		{"all limited", "", 2, []string{id(4, "d"), id(3, "c")}},
		// One suite only.
		{"suite", "chat", 0, []string{id(4, "d"), id(3, "c"), id(1, "a")}},
		// A limit larger than the list returns the list.
		{"suite big limit", "other", 50, []string{id(2, "b")}},
		// An unknown suite gives an empty, non-nil list.
		{"unknown", "nope", 0, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.List(tt.suite, tt.limit)
			if got == nil || !slices.Equal(ids(got), tt.want) {
				t.Errorf("List(%q, %d) = %v, want %v", tt.suite, tt.limit, ids(got), tt.want)
			}
		})
	}

	if r, ok := s.Get(id(2, "b")); !ok || r.Suite != "other" {
		t.Errorf("Get = %v, %v; want the report of suite other", r, ok)
	}
	if _, ok := s.Get("20990101T000000Z-zzzzzz"); ok {
		t.Error("Get of an unknown run id found something")
	}
	if r, ok := s.Last("chat"); !ok || r.RunID != id(4, "d") {
		t.Errorf("Last(chat) = %v, %v; want %s", r, ok, id(4, "d"))
	}
	if _, ok := s.Last("nope"); ok {
		t.Error("Last of an unknown suite found something")
	}
}

func TestAddCopiesAndReplaces(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, 0, 0, nil)
	r := mk("chat", "a", base)
	if err := s.Add(r); err != nil {
		t.Fatal(err)
	}
	// Changing the caller's report afterwards must not reach the store.
	r.TestResults[0].Scenario = "changed"
	r.TestResults[0].Errors["timeout"] = 99
	got, _ := s.Get(r.RunID)
	if got.TestResults[0].Scenario != "basic" || got.TestResults[0].Errors["timeout"] != 0 {
		t.Errorf("stored report changed with the caller's: %+v", got.TestResults[0])
	}
	// Adding the same run id again replaces the report, in memory and on disk.
	r2 := mk("chat", "a", base)
	r2.Partial = true
	r2.Finalize()
	if err := s.Add(r2); err != nil {
		t.Fatal(err)
	}
	if n := len(s.List("", 0)); n != 1 {
		t.Errorf("List holds %d reports, want 1", n)
	}
	if got, _ := s.Get(r.RunID); !got.Partial {
		t.Error("Get returned the old report after a replacement")
	}
	disk, err := report.ReadFile(filepath.Join(dir, "chat", r.RunID+".json"))
	if err != nil || !disk.Partial {
		t.Errorf("file = %+v, %v; want the replaced (partial) report", disk, err)
	}
}

func TestAddRejects(t *testing.T) {
	s := open(t, t.TempDir(), 0, 0, nil)
	tests := []struct {
		name string
		r    *report.Report
	}{
		// Nil report.
		{"nil", nil},
		// No run id: it could not be named or fetched.
		{"no run id", withID(mk("chat", "a", base), "")},
		// No suite.
		{"no suite", report.New("", "x", base)},
	}
	for _, tt := range tests {
		if err := s.Add(tt.r); err == nil {
			t.Errorf("%s: Add accepted it", tt.name)
		}
	}
	if n := len(s.List("", 0)); n != 0 {
		t.Errorf("store holds %d reports, want 0", n)
	}
}

func TestAddWriteError(t *testing.T) {
	dir := t.TempDir()
	// A file where the suite's directory should be makes the write fail.
	if err := os.WriteFile(filepath.Join(dir, "chat"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := open(t, dir, 0, 0, nil)
	r := mk("chat", "a", base)
	if err := s.Add(r); err == nil || !strings.Contains(err.Error(), "history:") {
		t.Errorf("Add error = %v, want a history: error", err)
	}
	if _, ok := s.Get(r.RunID); !ok {
		t.Error("report not kept in memory after a failed write")
	}
}

func TestEscapeName(t *testing.T) {
	long := strings.Repeat("x", 300)
	tests := []struct {
		in, want string
	}{
		// Run ids pass unchanged.
		{"20261127T091500Z-ab12cd", "20261127T091500Z-ab12cd"},
		// Spaces and slashes are escaped.
		{"chat api/v2", "chat%20api%2Fv2"},
		// Dot names cannot climb out of the directory.
		{"..", "%2E%2E"},
		// Percent itself is escaped, so escaping is one-to-one.
		{"a%2F", "a%252F"},
		// Non-ASCII bytes are escaped one by one.
		{"é", "%C3%A9"},
	}
	for _, tt := range tests {
		if got := escapeName(tt.in); got != tt.want {
			t.Errorf("escapeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Long names are cut to maxNameLen and stay distinct.
	a, b := escapeName(long+"a"), escapeName(long+"b")
	if len(a) != maxNameLen || a == b {
		t.Errorf("long names: len %d, distinct %v; want %d and true", len(a), a != b, maxNameLen)
	}
}

func TestUnsafeSuiteNames(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, 0, 0, nil)
	for i, suite := range []string{"../escape", "a/b c", ".", "with.dot"} {
		if err := s.Add(mk(suite, fmt.Sprint(i), base.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	// Everything stays directly below dir, one directory per suite.
	for _, f := range files(t, dir) {
		if strings.Count(f, "/") != 1 || strings.HasPrefix(f, ".") {
			t.Errorf("file %q is not <suite>/<run>.json inside the data dir", f)
		}
	}
	parent, _ := os.ReadDir(filepath.Dir(dir))
	for _, e := range parent {
		if e.Name() == "escape" {
			t.Error("a suite name escaped the data directory")
		}
	}
	s2 := open(t, dir, 0, 0, nil)
	if r, ok := s2.Last("../escape"); !ok || r.Suite != "../escape" {
		t.Errorf("reloaded Last(../escape) = %v, %v", r, ok)
	}
}

func TestGarbageFilesSkipped(t *testing.T) {
	dir := t.TempDir()
	good := mk("chat", "good", base)
	if err := report.WriteFileAtomic(filepath.Join(dir, "chat", good.RunID+".json"), good); err != nil {
		t.Fatal(err)
	}
	newer := strings.Replace(string(mustJSON(t, good)), fmt.Sprintf(`"schema_version": %d`, report.SchemaVersion), `"schema_version": 99`, 1)
	noID := strings.Replace(string(mustJSON(t, mk("chat", "x", base))), `"run_id": "`, `"run_id": "","old": "`, 1)
	dup := mustJSON(t, good)
	garbage := map[string]string{
		"chat/empty.json":          "",                            // empty file
		"chat/broken.json":         `{"schema_version": 1, "run_`, // truncated JSON
		"chat/foreign.json":        `{"hello": "world"}`,          // not a report
		"chat/array.json":          `[1, 2, 3]`,                   // wrong JSON type
		"chat/newer.json":          newer,                         // a future schema
		"chat/noid.json":           noID,                          // report without run id
		"chat/dup.json":            string(dup),                   // same run id as the good one
		"chat/binary.json":         "\x00\xff\xfe",                // binary junk
		"chat/notes.txt":           "not json",                    // not a .json file: ignored silently
		"load_test_results.json":   string(dup),                   // top-level files are not history
		"chat/sub/deeper.json":     string(dup),                   // deeper directories are not read
		"other/garbage-suite.json": "{",                           // a suite dir holding only junk
	}
	for name, content := range garbage {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A temporary file of an interrupted write is cleaned up.
	tmp := filepath.Join(dir, "chat", "."+good.RunID+".json.tmp-123")
	if err := os.WriteFile(tmp, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}

	var logs bytes.Buffer
	s, err := Open(Options{Dir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatalf("Open failed on garbage: %v", err)
	}
	if got := ids(s.List("", 0)); !slices.Equal(got, []string{good.RunID}) {
		t.Errorf("List = %v, want only %s", got, good.RunID)
	}
	// One warning per skipped .json file in a suite directory.
	if n := strings.Count(logs.String(), "level=WARN"); n != 9 {
		t.Errorf("%d warnings, want 9:\n%s", n, logs.String())
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("temporary file still there: %v", err)
	}
	// Garbage is never deleted: it may be someone's data.
	for name := range garbage {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	// No directory.
	if _, err := Open(Options{}); err == nil {
		t.Error("Open without Dir succeeded")
	}
	// Dir is a file.
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Options{Dir: f}); err == nil {
		t.Error("Open on a file succeeded")
	}
}

func mustJSON(t *testing.T, r *report.Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := report.WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withID sets r's run id and returns r.
func withID(r *report.Report, id string) *report.Report {
	r.RunID = id
	return r
}
