package deploy

import (
	"slices"
	"strings"
	"testing"
)

const reportPath = "data/load_test_results.json"

// TestGitHubActions checks the example workflow: the steps in order, the
// gate, and the report kept even when the gate fails.
func TestGitHubActions(t *testing.T) {
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Name string            `yaml:"name"`
				Uses string            `yaml:"uses"`
				If   string            `yaml:"if"`
				Run  string            `yaml:"run"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	readYAML(t, "ci/github-actions.yml", &wf)
	job, ok := wf.Jobs["load-test"]
	if !ok {
		t.Fatalf("no job load-test in %v", wf.Jobs)
	}
	// Each stage of the guide's job, matched in order.
	stages := []struct {
		name  string
		match func(i int) bool
	}{
		{"checkout", func(i int) bool { return strings.HasPrefix(job.Steps[i].Uses, "actions/checkout@") }},
		{"setup Go", func(i int) bool { return strings.HasPrefix(job.Steps[i].Uses, "actions/setup-go@") }},
		{"build", func(i int) bool { return strings.Contains(job.Steps[i].Run, "make build") }},
		{"start the service", func(i int) bool { return strings.Contains(job.Steps[i].Run, "bin/chatsim") }},
		{"wait for /health", func(i int) bool { return strings.Contains(job.Steps[i].Run, "/health") }},
		{"gate", func(i int) bool {
			r := job.Steps[i].Run
			return strings.Contains(r, "loadcron run") && strings.Contains(r, "--report "+reportPath) && job.Steps[i].If == ""
		}},
		{"upload", func(i int) bool {
			s := job.Steps[i]
			return strings.HasPrefix(s.Uses, "actions/upload-artifact@") && s.If == "always()" && strings.Contains(s.With["path"], reportPath)
		}},
	}
	at := 0
	for _, st := range stages {
		found := -1
		for j := at; j < len(job.Steps); j++ {
			if st.match(j) {
				found = j
				break
			}
		}
		if found < 0 {
			t.Errorf("no %s step after step %d", st.name, at)
			continue
		}
		at = found + 1
	}
	for _, s := range job.Steps {
		if strings.Contains(s.Run, "--config.file ") {
			mustExist(t, fromRoot(argValue(strings.Fields(s.Run), "--config.file")))
		}
		if args := loadcronArgs(s.Run); args != nil {
			checkCommandLine(t, "step "+s.Name, args)
		}
	}
}

// TestGitLabCI checks the GitLab job: the gate in its script and the
// report kept as an artifact whatever the outcome.
func TestGitLabCI(t *testing.T) {
	var ci map[string]struct {
		Script    []string `yaml:"script"`
		Artifacts struct {
			When  string   `yaml:"when"`
			Paths []string `yaml:"paths"`
		} `yaml:"artifacts"`
	}
	readYAML(t, "ci/gitlab-ci.yml", &ci)
	job, ok := ci["load-test"]
	if !ok {
		t.Fatal("no job load-test")
	}
	gate := slices.IndexFunc(job.Script, func(s string) bool { return strings.Contains(s, "loadcron run") })
	wait := slices.IndexFunc(job.Script, func(s string) bool { return strings.Contains(s, "/health") })
	if gate < 0 || wait < 0 || wait > gate {
		t.Errorf("script %q: want a /health wait before loadcron run", job.Script)
	} else {
		checkCommandLine(t, "gate", loadcronArgs(job.Script[gate]))
	}
	if job.Artifacts.When != "always" || !slices.Contains(job.Artifacts.Paths, reportPath) {
		t.Errorf("artifacts = %+v, want %s kept always", job.Artifacts, reportPath)
	}
}
