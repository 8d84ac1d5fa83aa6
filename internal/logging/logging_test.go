package logging

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func TestJSONDurationsAreStrings(t *testing.T) {
	// A duration reads "1.5s" in JSON logs, never 1500000000.
	var buf bytes.Buffer
	log, err := New(&buf, FormatJSON, "info")
	if err != nil {
		t.Fatal(err)
	}
	log.Info("x", "duration", 1500*time.Millisecond, "n", 3)
	log.WithGroup("g").Info("y", "grace", 10*time.Second)
	dec := json.NewDecoder(&buf)
	var first, second map[string]any
	if err := dec.Decode(&first); err != nil {
		t.Fatal(err)
	}
	if err := dec.Decode(&second); err != nil {
		t.Fatal(err)
	}
	if first["duration"] != "1.5s" || first["n"] != 3.0 {
		t.Errorf("first line = %v, want duration \"1.5s\" and n 3", first)
	}
	if g, _ := second["g"].(map[string]any); g["grace"] != "10s" {
		t.Errorf("grouped duration = %v, want \"10s\"", second)
	}
}
