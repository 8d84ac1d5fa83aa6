package config

import (
	"strings"
	"testing"
)

// TestPathologicalYAMLIsRefused: deeply nested documents are refused with
// yaml.v3's message and never handed to the error locator, whose time
// grows with the square of the depth (100,000 "[" took 93 s there).
func TestPathologicalYAMLIsRefused(t *testing.T) {
	for _, doc := range []string{
		strings.Repeat("[", 1<<20),
		"a: " + strings.Repeat("{b: ", 200_000),
		strings.Repeat("- ", 200_000) + "x\n  y: [",
	} {
		_, err := Parse([]byte(doc), "deep.yaml", LoadOptions{})
		if err == nil || !strings.HasPrefix(err.Error(), "deep.yaml: ") {
			t.Errorf("%.20q…: err = %v", doc, err)
		}
	}
}

// TestTabIndentationPosition: a tab in an indentation is reported at its
// own line and column (yaml.v3 reported the line before).
func TestTabIndentationPosition(t *testing.T) {
	doc := "targets:\n  chat:\n    url: http://127.0.0.1:8003\n  \ttimeout: 3s\n"
	_, err := Parse([]byte(doc), "tab.yaml", LoadOptions{})
	want := "tab.yaml: line 4, column 3: a tab in the indentation: YAML indents with spaces, never tabs"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}
