package report

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode decodes arbitrary bytes as a JSON report, as the daemon does
// for every file of its history at start-up. It must never panic, and a
// report it accepts can be written back (the API and the history do) and
// decoded again.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json.golden")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"schema_version": 1}`))
	f.Add([]byte(`{"schema_version": 1, "test_results": [{"errors": {"x": -1}, "thresholds": [{}]}], "summary": null}`))
	f.Add([]byte(`{"schema_version": 2}`))
	f.Add([]byte(`{"schema_version": 1e400}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Decode(bytes.NewReader(data))
		if err != nil {
			if r != nil {
				t.Fatal("report returned with an error")
			}
			return
		}
		var buf bytes.Buffer
		if err := WriteJSON(&buf, r); err != nil {
			t.Fatalf("a decoded report cannot be written back: %v", err)
		}
		if _, err := Decode(&buf); err != nil {
			t.Fatalf("a written report does not decode: %v\n%s", err, buf.Bytes())
		}
	})
}
