package alerts

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadcron/loadcron/internal/config"
)

// TestDefaultRulesInSync: alerts/loadcron.rules.yml is the template
// rendered with the default parameters; regenerating changes nothing.
func TestDefaultRulesInSync(t *testing.T) {
	want, err := Render(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile("loadcron.rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, want) {
		t.Fatal("loadcron.rules.yml is stale: run `go run ./alerts/gen` (make rules) and commit it")
	}
}

// TestRenderOtherInstallation: another job and schedule reach every rule
// that needs them, and the result is valid for promtool.
func TestRenderOtherInstallation(t *testing.T) {
	p := DefaultParams()
	p.Selector = `job="synthetic", namespace="staging"`
	p.Interval = 5 * time.Minute
	p.DownFor = 3 * time.Minute
	out, err := Render(p)
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	if strings.Contains(text, `job="loadcron"`) {
		t.Error(`job="loadcron" left in the rules rendered for job "synthetic"`)
	}
	for _, want := range []string{
		`up{job="synthetic", namespace="staging"} == 0`,
		`loadcron_window_requests{job="synthetic", namespace="staging"}`,
		`ALERTS{job="synthetic", namespace="staging", alertname="LoadcronErrorRatioHigh", alertstate="firing"}`,
		`- 300 > 0`, // LoadcronRunsOverdue: the 5-minute interval
		`for: 3m`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("rendered rules lack %q", want)
		}
	}
	promtool := tool(t, "promtool")
	f := filepath.Join(t.TempDir(), "r.yml")
	if err := os.WriteFile(f, out, 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(promtool, "check", "rules", f).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, b)
	}
}

func TestRenderRejects(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Params)
	}{
		// No matcher at all: the rules would select other jobs' series.
		{"empty selector", func(p *Params) { p.Selector = " " }},
		// Braces belong to the template.
		{"braces", func(p *Params) { p.Selector = `{job="x"}` }},
		// An unquoted value.
		{"unquoted", func(p *Params) { p.Selector = `job=loadcron` }},
		// A trailing comma.
		{"trailing comma", func(p *Params) { p.Selector = `job="x",` }},
		// Intervals under a second.
		{"interval", func(p *Params) { p.Interval = 0 }},
		{"down for", func(p *Params) { p.DownFor = time.Millisecond }},
		{"runbook", func(p *Params) { p.RunbookURL = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultParams()
			tt.change(&p)
			if _, err := Render(p); err == nil {
				t.Fatal("no error")
			}
		})
	}
	// Commas and escaped quotes inside values are fine.
	p := DefaultParams()
	p.Selector = `job=~"a,b|c\"d", env!="dev"`
	if _, err := Render(p); err != nil {
		t.Fatal(err)
	}
}

func TestLongestInterval(t *testing.T) {
	mon := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) // a Monday
	tests := []struct {
		name  string
		specs map[string]string
		want  time.Duration
	}{
		// The shipped schedule.
		{"every 15 minutes", map[string]string{"chat": "*/15 * * * *"}, 15 * time.Minute},
		// The longest of several suites.
		{"several", map[string]string{"a": "@every 5m", "b": "0 * * * *"}, time.Hour},
		// Weekdays 9–17 hourly: the weekend gap.
		{"business hours", map[string]string{"a": "0 9-17 * * 1-5"}, 64 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &config.Config{Suites: map[string]*config.Suite{}}
			for name, spec := range tt.specs {
				cfg.Suites[name] = &config.Suite{Name: name, Schedule: spec, TimeZone: "UTC"}
			}
			got, err := LongestInterval(cfg, mon)
			if err != nil || got != tt.want {
				t.Fatalf("LongestInterval = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	if _, err := LongestInterval(&config.Config{Suites: map[string]*config.Suite{"t": {Name: "t"}}}, mon); err == nil {
		t.Error("trigger-only suites: no error")
	}
}
