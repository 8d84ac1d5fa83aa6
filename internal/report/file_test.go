package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// entries lists a directory's names.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func TestWriteReadRoundTrip(t *testing.T) {
	for _, mk := range []func() *Report{guideReport, failedReport} {
		r := mk()
		dir := t.TempDir()
		path := filepath.Join(dir, "nested", "data", "load_test_results.json")
		if err := WriteFileAtomic(path, r); err != nil {
			t.Fatal(err)
		}
		got, err := ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, r) {
			t.Errorf("round trip differs:\n got %+v\nwant %+v", got, r)
		}
		if names := entries(t, filepath.Dir(path)); !reflect.DeepEqual(names, []string{"load_test_results.json"}) {
			t.Errorf("directory holds %v, want only the report", names)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o644 {
			t.Errorf("mode = %v, want 0644", fi.Mode().Perm())
		}
	}
}

func TestWriteFileAtomicReplaces(t *testing.T) {
	// Overwriting an existing report replaces it whole and leaves no temp file.
	dir := t.TempDir()
	path := filepath.Join(dir, "r.json")
	if err := os.WriteFile(path, bytes.Repeat([]byte("x"), 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	r := failedReport()
	if err := WriteFileAtomic(path, r); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.RunID != r.RunID {
		t.Errorf("run id = %q, want %q", got.RunID, r.RunID)
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("directory holds %v, want only r.json", names)
	}
}

func TestWriteFileAtomicFails(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plain-file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	occupied := filepath.Join(dir, "occupied")
	if err := os.MkdirAll(filepath.Join(occupied, "r.json", "child"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
	}{
		// the parent "directory" is a regular file: cannot create it
		{"parent is a file", filepath.Join(file, "sub", "r.json")},
		// the target is a non-empty directory: the rename fails after the write
		{"target is a directory", filepath.Join(occupied, "r.json")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := WriteFileAtomic(tc.path, guideReport())
			if err == nil {
				t.Fatal("WriteFileAtomic succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tc.path) {
				t.Errorf("error %q does not name %s", err, tc.path)
			}
		})
	}
	// No temp file may be left behind in any directory.
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.Contains(d.Name(), ".tmp-") {
			t.Errorf("temp file left behind: %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestWriteFileAtomicUnwritableDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "r.json")
	err := WriteFileAtomic(path, guideReport())
	if err == nil || !errors.Is(err, os.ErrPermission) || !strings.Contains(err.Error(), path) {
		t.Errorf("error = %v, want a permission error naming %s", err, path)
	}
	if names := entries(t, dir); len(names) != 0 {
		t.Errorf("directory holds %v, want nothing", names)
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		path    string
		wantErr string
	}{
		// the file is not there
		{"missing", filepath.Join(dir, "nope.json"), "no such file"},
		// not JSON at all
		{"garbage", write("garbage.json", "{not json"), "decode report"},
		// JSON without a schema version (e.g. the Python script's report)
		{"no version", write("old.json", `{"timestamp":"2025-11-13T11:45:00","test_results":[]}`), "no schema_version"},
		// written by a newer release with an incompatible schema
		{"newer version", write("new.json", `{"schema_version":3}`), "newer than the supported 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ReadFile(tc.path)
			if err == nil || r != nil {
				t.Fatalf("ReadFile = %v, %v; want an error", r, err)
			}
			if !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), tc.path) {
				t.Errorf("error %q, want it to contain %q and the path", err, tc.wantErr)
			}
		})
	}
	// Unknown fields of a later minor addition are ignored.
	p := write("future.json", `{"schema_version":2,"suite":"s","some_new_field":true}`)
	if r, err := ReadFile(p); err != nil || r.Suite != "s" {
		t.Errorf("ReadFile with an unknown field = %+v, %v", r, err)
	}
	// A version 1 report (kept in the history from before the upgrade)
	// still reads, with the version 2 lists and maps empty, not null.
	p = write("v1.json", `{"schema_version":1,"suite":"s","test_results":[{"scenario":"a","errors":{"timeout":1}}]}`)
	r, err := ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	sr := r.TestResults[0]
	if sr.Violations == nil || sr.StatusCodes == nil || sr.ErrorCauses == nil || sr.Thresholds == nil || sr.Errors["timeout"] != 1 {
		t.Errorf("v1 scenario = %+v", sr)
	}
}

func TestJSONWhyFields(t *testing.T) {
	// The reasons of a verdict as a CI script reads them: violations with
	// value and limit, status codes, causes with counts and an example,
	// and the hit/miss split.
	var buf bytes.Buffer
	if err := WriteJSON(&buf, failedReport()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SchemaVersion int `json:"schema_version"`
		TestResults   []struct {
			Violations []struct {
				Threshold  string  `json:"threshold"`
				Value      float64 `json:"value"`
				Limit      float64 `json:"limit"`
				Comparison string  `json:"comparison"`
				Unit       string  `json:"unit"`
				Critical   *bool   `json:"critical"`
			} `json:"violations"`
			StatusCodes map[string]int64 `json:"status_codes"`
			ErrorCauses []struct {
				Kind, Cause, Example string
				Count                int64
			} `json:"error_causes"`
			ErrorCausesOmitted int64 `json:"error_causes_omitted"`
			CacheLatency       struct {
				Hit, Miss struct {
					Count        int64   `json:"count"`
					AvgLatencyMs float64 `json:"avg_latency_ms"`
					P95LatencyMs float64 `json:"p95_latency_ms"`
				}
				Speedup float64 `json:"speedup"`
			} `json:"cache_latency"`
		} `json:"test_results"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion != 2 {
		t.Errorf("schema_version = %d, want 2", doc.SchemaVersion)
	}
	c := doc.TestResults[0]
	if len(c.Violations) != 2 || c.Violations[1].Threshold != "max_p95_latency" || c.Violations[1].Value != 0.0095 ||
		c.Violations[1].Limit != 0.005 || c.Violations[1].Comparison != "<=" || c.Violations[1].Unit != "seconds" ||
		c.Violations[1].Critical == nil || !*c.Violations[1].Critical {
		t.Errorf("violations = %+v", c.Violations)
	}
	if c.StatusCodes["404"] != 4 || c.StatusCodes["500"] != 3 || c.StatusCodes["error"] != 3 || c.StatusCodes["200"] != 30 {
		t.Errorf("status_codes = %v", c.StatusCodes)
	}
	if len(c.ErrorCauses) != 3 || c.ErrorCauses[0].Cause != "404 GET /chat/unknown" || c.ErrorCauses[0].Count != 4 ||
		c.ErrorCauses[0].Kind != "http_4xx" || c.ErrorCauses[0].Example == "" || c.ErrorCausesOmitted != 2 {
		t.Errorf("error_causes = %+v (omitted %d)", c.ErrorCauses, c.ErrorCausesOmitted)
	}
	if cl := c.CacheLatency; cl.Hit.Count != 6 || cl.Miss.AvgLatencyMs != 5.1 || cl.Speedup != 8.5 {
		t.Errorf("cache_latency = %+v", cl)
	}
	// A scenario that could not run still has the fields, empty.
	if e := doc.TestResults[2]; e.Violations == nil || e.StatusCodes == nil || e.ErrorCauses == nil {
		t.Errorf("error scenario lacks empty fields: %+v", e)
	}
}

func TestJSONFieldNames(t *testing.T) {
	// The guide's field names are a contract: decode the JSON generically and
	// check they are there with the guide's values.
	var buf bytes.Buffer
	if err := WriteJSON(&buf, guideReport()); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["timestamp"] != "2025-11-13T11:45:00Z" || doc["schema_version"] != 2.0 {
		t.Errorf("timestamp/schema_version = %v/%v", doc["timestamp"], doc["schema_version"])
	}
	first := doc["test_results"].([]any)[0].(map[string]any)
	want := map[string]any{
		"scenario": "Baseline: Single User", "total_requests": 5.0, "successful": 5.0, "failed": 0.0,
		"success_rate": 1.0, "cached_responses": 3.0, "cache_hit_rate": 0.6, "avg_latency_ms": 1690.0,
		"median_latency_ms": 1200.0, "p95_latency_ms": 3000.0, "p99_latency_ms": 3000.0,
	}
	for k, v := range want {
		if first[k] != v {
			t.Errorf("test_results[0].%s = %v, want %v", k, first[k], v)
		}
	}
	sum := doc["summary"].(map[string]any)
	if sum["total_scenarios"] != 5.0 || sum["scenarios_passed"] != 4.0 || sum["average_cache_hit_rate"] != 0.78 {
		t.Errorf("summary = %v", sum)
	}
}

// failWriter fails every write after the first n bytes.
type failWriter struct{ n int }

var errDiskFull = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errDiskFull
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteJSONError(t *testing.T) {
	err := WriteJSON(&failWriter{n: 10}, guideReport())
	if !errors.Is(err, errDiskFull) {
		t.Errorf("WriteJSON error = %v, want disk full", err)
	}
}
